"""The BMC supervisor: keeps the running BMC processes equal to the lab's desired set.

``metallab up`` calls ``reconcile(state_dir, desired, ca=…)``: it records the desired set, starts
missing BMCs, stops removed ones, restarts those whose settings changed, waits until each listens,
and makes sure the supervisor daemon (``python -m vbmc.supervisor STATE_DIR``) runs. The daemon
repeats the same pass every second, so a crashed BMC comes back without a user command (under
``POLICY``, the ``hostkit.restart`` policy every supervisor uses; each exit and restart
logged). ``metallab down`` calls ``stop_all``. Every process is tracked by PID file through
``hostkit.process``; passwords travel in 0600 files, never in argv or logs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import libvirt

from hostkit import files, logtail, process, restart
from vbmc import errors, faults, layout, logs, spec, tls, units

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
LOCK_TIMEOUT = 60.0
# 0.5 s doubling to 30 s, forgiven after 30 s up; a BMC is never left down.
POLICY = restart.Policy(first_delay=0.5, max_delay=30.0, healthy_after=30.0)
_PREFIXES = ("ipmi-", "redfish-")


@dataclasses.dataclass(frozen=True)
class Desired:
    specs: tuple[spec.BmcSpec, ...]
    uuids: dict[str, str]
    ca: tls.KeyPair | None

    def to_json(self) -> str:
        ca = None if self.ca is None else {"cert": str(self.ca.cert), "key": str(self.ca.key)}
        specs = [s.to_json() for s in self.specs]
        return json.dumps({"specs": specs, "uuids": self.uuids, "ca": ca}, indent=1)

    @classmethod
    def load(cls, state_dir: Path) -> Desired | None:
        try:
            data: dict[str, Any] = json.loads(layout.desired(state_dir).read_text())
        except FileNotFoundError:
            return None
        ca = data.get("ca")
        return cls(
            specs=tuple(spec.BmcSpec.from_json(s) for s in data["specs"]),
            uuids=dict(data["uuids"]),
            ca=None if ca is None else tls.KeyPair(Path(ca["cert"]), Path(ca["key"])),
        )


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """One reconcile pass at a time, across the CLI and the daemon."""
    path = layout.lock(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as err:
                if time.monotonic() > deadline:
                    raise errors.VbmcError(
                        f"another BMC reconcile holds {path} for over {LOCK_TIMEOUT:g}s",
                        fix="wait for it to finish, or stop the stuck metallab process",
                    ) from err
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _domain_uuids(desired: Sequence[spec.BmcSpec]) -> dict[str, str]:
    """Redfish addresses name systems by UUID, so look each Redfish domain up once.

    Redfish hosts usually share one libvirt URI: one connection per URI, not one per host.
    """
    by_uri: dict[str, list[spec.BmcSpec]] = {}
    for s in desired:
        if s.kind is spec.BmcKind.REDFISH:
            by_uri.setdefault(s.libvirt_uri, []).append(s)
    found: dict[str, str] = {}
    for uri, group in by_uri.items():
        current = group[0]  # the host the error names: the one being looked up
        try:
            conn = libvirt.open(uri)
            try:
                for current in group:
                    found[current.host] = str(conn.lookupByName(current.domain).UUIDString())
            finally:
                conn.close()
        except libvirt.libvirtError as err:
            raise errors.VbmcError(
                f"no libvirt domain {current.domain} for host {current.host} at {uri}: {err}",
                fix="create the host's VM before its BMC",
            ) from err
    return found


def reconcile(
    state_dir: Path,
    desired: Sequence[spec.BmcSpec],
    *,
    ca: tls.KeyPair | None = None,
    ready_timeout: float = 30.0,
) -> list[spec.BmcStatus]:
    """Make the running BMCs match ``desired``; return their status once all of them listen.

    ``ca`` signs the Redfish server certificate; without one a CA is made under
    ``<state_dir>/bmc/tls``. Raises ``VbmcError`` naming the host when a BMC cannot start.
    """
    units.validate(desired)
    has_redfish = any(s.kind is spec.BmcKind.REDFISH for s in desired)
    if has_redfish and ca is None:
        ca = tls.create_ca(layout.tls(state_dir) / "ca")
    wanted = Desired(tuple(desired), _domain_uuids(desired), ca)
    files.write_private(layout.desired(state_dir), wanted.to_json())
    with _locked(state_dir):
        started = _pass(state_dir, wanted, tracker=None)
    _ensure_daemon(state_dir)
    _wait_ready(state_dir, started, timeout=ready_timeout)
    return status(state_dir)


def stop_all(state_dir: Path) -> None:
    """Stop the daemon and every BMC of this lab; forget the desired set. Idempotent."""
    process.stop(layout.supervisor_pid(state_dir))
    if not layout.root(state_dir).exists():
        return
    with _locked(state_dir):
        layout.desired(state_dir).unlink(missing_ok=True)
        for directory in _unit_dirs(state_dir):
            _stop_unit(directory)
        shutil.rmtree(layout.faults(state_dir), ignore_errors=True)


def status(state_dir: Path) -> list[spec.BmcStatus]:
    wanted = Desired.load(state_dir)
    if wanted is None:
        return []
    result = []
    for s in wanted.specs:
        pid = process.read_pid(layout.process_dir(state_dir, units.name(s)) / "pid")
        fault = faults.get_fault(state_dir, s.host)
        result.append(
            spec.BmcStatus(
                host=s.host,
                kind=s.kind,
                address=units.address(s, wanted.uuids),
                state=spec.BmcState.RUNNING if pid else spec.BmcState.STOPPED,
                pid=pid,
                fault="" if fault is None else str(fault),
            )
        )
    return result


def hosts(state_dir: Path) -> list[str]:
    wanted = Desired.load(state_dir)
    return [] if wanted is None else [s.host for s in wanted.specs]


def _unit_dirs(state_dir: Path) -> list[Path]:
    root = layout.root(state_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(_PREFIXES))


def _stop_unit(directory: Path) -> None:
    if process.stop(directory / "pid"):
        log.info("stopped BMC %s", directory.name)
    # The config holds passwords; the log stays for post-mortems.
    for name in ("config.json", "fingerprint", "ready"):
        (directory / name).unlink(missing_ok=True)


def _pass(state_dir: Path, wanted: Desired, *, tracker: restart.Tracker | None) -> list[units.Unit]:
    """One reconcile pass; returns the units it (re)started. Caller holds the lock.

    The daemon passes its ``tracker``, so a crashed BMC is restarted under ``POLICY``; the
    CLI's pass (no tracker) restarts it at once.
    """
    server_cert = None
    if any(s.kind is spec.BmcKind.REDFISH for s in wanted.specs) and wanted.ca is not None:
        server_cert = tls.server_cert(wanted.ca, layout.tls(state_dir))
    plan = units.plan(state_dir, wanted.specs, uuids=wanted.uuids, server_cert=server_cert)
    for directory in _unit_dirs(state_dir):
        if directory.name not in plan and (directory / "config.json").exists():
            _stop_unit(directory)
    started = []
    for name, unit in plan.items():
        directory = unit.directory(state_dir)
        pid_path = directory / "pid"
        pid = process.read_pid(pid_path)
        fingerprint_path = directory / "fingerprint"
        current = fingerprint_path.read_text() if fingerprint_path.exists() else None
        if pid is not None and current == unit.fingerprint:
            if tracker is not None:
                if tracker.record(name).pid != pid:  # started by the CLI's pass
                    tracker.started(name, pid)
                tracker.running(name)
            continue
        if pid is not None:
            log.info("restarting BMC %s: its settings changed", name)
            process.stop(pid_path)
        elif current is not None and pid_path.exists():
            last_log = logtail.tail(directory / "log")
            if tracker is None:
                log.warning("BMC %s is not running; restarting it. Last log: %s", name, last_log)
            else:
                if tracker.record(name).state is not restart.State.RESTARTING:
                    tracker.exited(name, last_log=last_log)
                if not tracker.due(name):
                    continue
        new_pid = _start_unit(state_dir, unit)
        if tracker is not None:
            tracker.started(name, new_pid)
        started.append(unit)
    return started


def _start_unit(state_dir: Path, unit: units.Unit) -> int:
    directory = unit.directory(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ready").unlink(missing_ok=True)
    files.write_private(directory / "config.json", unit.config)
    pid = process.spawn(
        unit.argv(state_dir),
        log_path=directory / "log",
        pid_path=directory / "pid",
        cwd=directory,
        env=_child_env(),
    )
    (directory / "fingerprint").write_text(unit.fingerprint)
    log.info("started BMC %s for %s (pid %d)", unit.name, ", ".join(unit.hosts), pid)
    return pid


def _child_env() -> dict[str, str]:
    """Our environment, with this checkout importable whatever way metallab was installed."""
    source_root = str(Path(__file__).resolve().parent.parent)
    path = [source_root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(path))}


def _wait_ready(state_dir: Path, started: Sequence[units.Unit], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(started)
    while pending:
        unit = pending[0]
        directory = unit.directory(state_dir)
        pid = process.read_pid(directory / "pid")
        ready = directory / "ready"
        if pid is not None and ready.exists() and ready.read_text().strip() == str(pid):
            pending.pop(0)
            continue
        if pid is None or time.monotonic() > deadline:
            why = "exited" if pid is None else f"did not listen within {timeout:g}s"
            last_log = logtail.tail(directory / "log")
            raise errors.VbmcError(
                f"BMC {unit.name} for {', '.join(unit.hosts)} {why}: {last_log}",
                fix=f"read {directory / 'log'}; a taken port needs another port in the lab file",
            )
        time.sleep(0.05)


def _ensure_daemon(state_dir: Path) -> None:
    pid_path = layout.supervisor_pid(state_dir)
    if process.read_pid(pid_path) is not None:
        return
    process.spawn(
        [sys.executable, "-m", "vbmc.supervisor", str(state_dir)],
        log_path=layout.supervisor_log(state_dir),
        pid_path=pid_path,
        cwd=layout.root(state_dir),
        env=_child_env(),
    )


def _reap_children() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass


def _exit(signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def main(argv: list[str]) -> int:
    """The daemon: reconcile every POLL_SECONDS until the desired set is gone."""
    state_dir = Path(argv[1])
    signal.signal(signal.SIGTERM, _exit)
    tracker = restart.Tracker(POLICY)
    secrets: frozenset[str] = frozenset()
    logs.setup(secrets)
    log.info("BMC supervisor for %s running", state_dir)
    while True:
        _reap_children()
        wanted = Desired.load(state_dir)
        if wanted is None:
            log.info("no desired BMCs any more; supervisor exits")
            return 0
        passwords = frozenset(s.password for s in wanted.specs)
        if passwords != secrets:
            secrets = passwords
            logs.setup(secrets)
        try:
            with _locked(state_dir):
                _pass(state_dir, wanted, tracker=tracker)
        except errors.VbmcError as err:
            log.error("%s", err)
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
