"""Background processes the lab starts: spawned detached, recorded by PID file, stopped by PID.

Used by the management cluster, the BMC supervisor and anything else that must outlive the
``metallab`` command that started it. A PID file holds ``<pid> <start-time>`` so a recycled
PID is never mistaken for ours; ``stop`` sends SIGTERM, waits a bounded time, then SIGKILLs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (field 22 of /proc/PID/stat), or None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] if fields[0] != "Z" else None


def spawn(
    argv: Sequence[str],
    *,
    log_path: Path,
    pid_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` in its own session, output appended to ``log_path``; record its PID."""
    pid_path.parent.mkdir(parents=True, exist_ok=True)
    proc = start(argv, log_path=log_path, env=env, cwd=cwd, new_session=True)
    record(proc.pid, pid_path)
    return proc.pid


def start(
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    new_session: bool,
) -> subprocess.Popen[bytes]:
    """Start ``argv``, output appended to ``log_path``; the command is logged pasteably.

    ``new_session`` detaches it from our process group; a supervisor's children stay in its
    group, so stopping the supervisor sweeps whatever of them is left.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log.info("start: %s", shlex.join(argv))
    with log_path.open("ab") as out:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            cwd=cwd,
            start_new_session=new_session,
        )


def record(pid: int, pid_path: Path) -> None:
    """Write ``pid`` with its start time, so ``read_pid`` never mistakes a recycled PID."""
    pid_path.write_text(f"{pid} {_start_time(pid) or ''}\n")


def read_pid(pid_path: Path) -> int | None:
    """The PID recorded in ``pid_path`` if that very process still runs, else None."""
    try:
        pid_text, _, started = pid_path.read_text().strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    now = _start_time(pid)
    if now is None or (started and now != started):
        return None
    return pid


def alive(pid: int) -> bool:
    return _start_time(pid) is not None


def stop(pid_path: Path, *, grace: float = 10.0) -> bool:
    """Stop the process recorded in ``pid_path``; True if one was running. Removes the file."""
    pid = read_pid(pid_path)
    pid_path.unlink(missing_ok=True)
    if pid is None:
        return False
    terminate(pid, grace=grace)
    return True


def terminate(pid: int, *, grace: float = 10.0) -> None:
    """SIGTERM ``pid``, wait up to ``grace`` seconds, then SIGKILL; then sweep its group.

    Only the leader gets SIGTERM, so a supervisor can stop its own children in order; whatever
    of its process group is still alive once it is gone is killed.
    """
    try:
        leads_group = os.getpgid(pid) == pid
    except ProcessLookupError:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            _reap(pid)
            if not alive(pid):
                break
            time.sleep(0.05)
        else:
            log.warning("pid %d ignored %s", pid, sig.name)
            continue
        break
    if leads_group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
