"""The lab's own libvirtd and virtlogd, inside its network namespace with a private /run.

``start`` launches both in a new mount namespace within the lab's netns, with the lab's state
directories bind-mounted over /run, /etc/libvirt, /var/lib/libvirt, /var/cache/libvirt and
/var/log/libvirt, so they share nothing with a host libvirtd. The host side talks to it through
the socket under ``<state>/run`` (``layout.libvirt_uri``). ``connect`` opens a libvirt-python
connection; ``stop`` ends both daemons. Called by ``lab.up``, ``lab.down`` and ``status``.
"""

from __future__ import annotations

import logging
import shlex
import time
from pathlib import Path

import libvirt

from hostkit import errors, process, runner
from lab.hardware import layout

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0

# Root-owned state under the lab directory: run qemu as root with no relabelling, so libvirt
# never chowns the lab's files; the socket is root-only, hence no polkit.
_CONFIG = {
    "libvirtd.conf": 'unix_sock_rw_perms = "0700"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n',
    "qemu.conf": 'user = "root"\ngroup = "root"\ndynamic_ownership = 0\nremember_owner = 0\n'
    'security_driver = "none"\n',
    "virtlogd.conf": "max_clients = 128\n",
}
_MOUNTS = {
    "etc": "/etc/libvirt",
    "lib": "/var/lib/libvirt",
    "cache": "/var/cache/libvirt",
    "log": "/var/log/libvirt",
}

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def _script(state: Path) -> str:
    lines = ["set -e", f"mount --bind {shlex.quote(str(layout.run_dir(state)))} /run"]
    for which, target in _MOUNTS.items():
        lines.append(f"mount --bind {shlex.quote(str(layout.libvirt_dir(state, which)))} {target}")
    # virtlogd outlives a crashed libvirtd (it holds the consoles of running guests), and a
    # second ``virtlogd -d`` fails on its pidfile lock, which ``set -e`` would make fatal.
    lines += [
        "mkdir -p /run/libvirt",
        "pid=$(cat /run/virtlogd.pid 2>/dev/null || true)",
        'if [ -z "$pid" ] || [ "$(cat /proc/$pid/comm 2>/dev/null)" != virtlogd ]; then',
        "  virtlogd -d",
        "fi",
        "exec libvirtd",
    ]
    return "\n".join(lines)


def running(state: Path) -> bool:
    return process.read_pid(layout.libvirtd_pid(state)) is not None


def start(lab: str, state: Path) -> None:
    """Start the lab's daemons unless already running; wait until libvirtd answers."""
    if len(str(layout.socket(state))) > layout.MAX_SOCKET_PATH:
        raise errors.LabError(
            f"the lab's libvirt socket path {layout.socket(state)} is too long for a UNIX socket",
            fix="use a shorter METALLAB_HOME",
        )
    if running(state):
        connect(state).close()
        return
    runner.require("libvirtd", package="libvirt-daemon-system")
    runner.require("virtlogd", package="libvirt-daemon-system")
    runner.require("qemu-system-x86_64", package="qemu-system-x86")
    layout.run_dir(state).mkdir(parents=True, exist_ok=True)
    layout.socket(state).unlink(missing_ok=True)
    for which in _MOUNTS:
        layout.libvirt_dir(state, which).mkdir(parents=True, exist_ok=True)
    for name, text in _CONFIG.items():
        (layout.libvirt_dir(state, "etc") / name).write_text(text)
    argv = ["ip", "netns", "exec", layout.netns(lab), "unshare", "--mount"]
    argv += ["--propagation", "private", "sh", "-c", _script(state)]
    process.spawn(argv, log_path=layout.daemon_log(state), pid_path=layout.libvirtd_pid(state))
    connect(state, wait=START_TIMEOUT).close()


def connect(state: Path, *, wait: float = 0.0) -> libvirt.virConnect:
    """A connection to the lab's libvirtd, retrying up to ``wait`` seconds while it starts."""
    deadline = time.monotonic() + wait
    uri = layout.libvirt_uri(state)
    while True:
        try:
            return libvirt.open(uri)
        except libvirt.libvirtError as err:
            if time.monotonic() >= deadline or (wait and not running(state)):
                raise errors.LabError(
                    f"the lab's libvirtd does not answer at {uri}: {err}",
                    fix=f"see {layout.daemon_log(state)}; `metallab down` then `up` again",
                ) from err
        time.sleep(0.2)


def stop(state: Path) -> None:
    """Stop libvirtd then virtlogd (which must outlive it to flush consoles); tolerate absence."""
    process.stop(layout.libvirtd_pid(state))
    process.stop(layout.virtlogd_pid(state))
