"""Where the hardware of one lab lives: files in its state directory, names in the kernel.

One function per thing so ``up``, ``down``, ``status``, the tests and the BMC supervisor agree
on paths and names. Interface names must fit the kernel's 15 characters and be unique across
labs on the host side, so the host end of a veth pair is named from a hash of the lab name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lab.config import model

# A UNIX socket path must fit sockaddr_un.sun_path (108 bytes with the terminating NUL).
MAX_SOCKET_PATH = 107


def netns(lab: str) -> str:
    return f"metallab-{lab}"


def veth_host(lab: str, network: model.NetworkName) -> str:
    """The host-namespace end of the veth pair into ``network``: ``ml<8 hex><p|e>``."""
    return f"ml{hashlib.sha1(lab.encode()).hexdigest()[:8]}{network.value[0]}"


def veth_lab(network: model.NetworkName) -> str:
    """The lab-namespace end, enslaved to the network's bridge (private to the namespace)."""
    return f"host-{network.value[:4]}"


def bridge(network: model.NetworkName) -> str:
    return f"ml-{network.value[:4]}"


def run_dir(state: Path) -> Path:
    """Bind-mounted as /run inside the namespace: sockets and PID files of the daemons."""
    return state / "run"


def libvirt_dir(state: Path, which: str) -> Path:
    """Private replacements for /etc/libvirt, /var/lib/libvirt, /var/cache/libvirt, logs."""
    return state / "libvirt" / which


def socket(state: Path) -> Path:
    return run_dir(state) / "libvirt" / "libvirt-sock"


def libvirt_uri(state: Path) -> str:
    return f"qemu+unix:///system?socket={socket(state)}"


def libvirtd_pid(state: Path) -> Path:
    return state / "libvirtd.pid"


def virtlogd_pid(state: Path) -> Path:
    """Written by virtlogd itself (``/run/virtlogd.pid`` inside the namespace)."""
    return run_dir(state) / "virtlogd.pid"


def daemon_log(state: Path) -> Path:
    return state / "logs" / "libvirtd.log"


def pool_dir(state: Path) -> Path:
    return state / "pool"


def console_log(state: Path, host: str) -> Path:
    return state / "consoles" / f"{host}.log"


def nvram(state: Path, host: str) -> Path:
    return state / "nvram" / f"{host}_VARS.fd"


def desired(state: Path) -> Path:
    """The lab configuration ``up`` built, in canonical JSON: a later ``up`` compares with it."""
    return state / "lab.json"


def acceleration(state: Path) -> Path:
    """The acceleration ``up`` settled on (``kvm`` or ``tcg``), reused by later ``up``s."""
    return state / "acceleration"


def credentials(state: Path) -> Path:
    return state / "credentials.json"


def inventory(state: Path) -> Path:
    return state / "inventory.yaml"


def source(state: Path) -> Path:
    """The lab file document, name and host count ``up`` was given: status and down reload it."""
    return state / "source.json"
