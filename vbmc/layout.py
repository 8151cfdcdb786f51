"""Where the virtual BMCs keep their files inside a lab's state directory.

One function per file so the supervisor, the BMC processes, the fault API and the CLI agree on
paths without passing them around. Everything lives under ``<state_dir>/bmc``; files holding
passwords are written with mode 0600 by ``hostkit.files.write_private``.
"""

from __future__ import annotations

from pathlib import Path


def root(state_dir: Path) -> Path:
    return state_dir / "bmc"


def desired(state_dir: Path) -> Path:
    return root(state_dir) / "desired.json"


def lock(state_dir: Path) -> Path:
    return root(state_dir) / "reconcile.lock"


def supervisor_pid(state_dir: Path) -> Path:
    return root(state_dir) / "supervisor.pid"


def supervisor_log(state_dir: Path) -> Path:
    return root(state_dir) / "supervisor.log"


def faults(state_dir: Path) -> Path:
    return root(state_dir) / "faults"


def fault(state_dir: Path, host: str) -> Path:
    return faults(state_dir) / f"{host}.json"


def tls(state_dir: Path) -> Path:
    return root(state_dir) / "tls"


def process_dir(state_dir: Path, name: str) -> Path:
    """A BMC process's own directory: ``ipmi-<host>`` or ``redfish-<port>``."""
    return root(state_dir) / name
