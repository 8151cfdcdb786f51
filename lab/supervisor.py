"""A small process supervisor: keeps a fixed list of lab components running.

``metallab mgmt up`` (and any lab component that must survive crashes) writes a JSON plan and
starts ``python -m lab.supervisor PLAN`` detached. The supervisor starts each component in
order, restarts one that exits (logging the exit code and the restart count, with a capped
backoff), gives up on a component that crash-loops, and on SIGTERM stops the components in
reverse order. It records each component's PID and restart count in the plan's directory so
``status`` can show them and tests can kill a component by PID.
"""

from __future__ import annotations

import enum
import json
import logging
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

from hostkit import process

log = logging.getLogger("metallab.supervisor")

MAX_RESTARTS = 20  # within RESTART_WINDOW seconds, then the component is left down
RESTART_WINDOW = 600.0
BACKOFF_CAP = 5.0
READY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Component:
    """One supervised process; the next component starts once ``ready_url`` answers 200."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready_url: str = ""


@dataclass(frozen=True)
class Plan:
    components: list[Component]
    directory: str  # PID files, logs and status.json live here

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @staticmethod
    def load(path: Path) -> Plan:
        raw = json.loads(path.read_text())
        return Plan([Component(**c) for c in raw["components"]], raw["directory"])


def status_path(directory: Path) -> Path:
    return directory / "status.json"


class State(enum.StrEnum):
    """What ``status.json`` says of a component."""

    STARTING = "starting"  # not started yet: an earlier component is not ready
    RUNNING = "running"
    RESTARTING = "restarting"  # exited; restarts after the backoff
    FAILED = "failed"  # crash-looped; left down


def read_status(directory: Path) -> dict[str, dict[str, int | str | None]]:
    """Per component: ``pid`` (None unless running), ``restarts`` and ``state`` (a ``State``)."""
    try:
        data: dict[str, dict[str, int | str | None]] = json.loads(
            status_path(directory).read_text()
        )
    except (OSError, ValueError):
        return {}
    return data


class _Supervisor:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.directory = Path(plan.directory)
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: dict[str, list[float]] = {c.name: [] for c in plan.components}
        self.failed: set[str] = set()
        self.restart_at: dict[str, float] = {}  # exited components, by when to start them again
        self.stopping = False

    def _start(self, component: Component) -> None:
        log_file = (self.directory / f"{component.name}.log").open("ab")
        self.children[component.name] = subprocess.Popen(
            component.argv,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=component.env or None,
        )
        log_file.close()
        pid = self.children[component.name].pid
        process.record(pid, self.directory / f"{component.name}.pid")
        log.info("started %s (pid %d)", component.name, pid)

    def _state(self, name: str) -> State:
        if name in self.failed:
            return State.FAILED
        if name in self.restart_at:
            return State.RESTARTING
        return State.RUNNING if name in self.children else State.STARTING

    def _write_status(self) -> None:
        status = {
            c.name: {
                "pid": self.children[c.name].pid if c.name in self.children else None,
                "restarts": len(self.restarts[c.name]),
                "state": self._state(c.name),
            }
            for c in self.plan.components
        }
        tmp = status_path(self.directory).with_suffix(".tmp")
        tmp.write_text(json.dumps(status))
        tmp.replace(status_path(self.directory))

    def _check(self, component: Component) -> None:
        """Notice an exit and schedule the restart; start it once its backoff has passed."""
        now = time.monotonic()
        due = self.restart_at.get(component.name)
        if due is not None:
            if now >= due:
                del self.restart_at[component.name]
                self.restarts[component.name].append(now)
                self._start(component)
            return
        child = self.children.get(component.name)
        if child is None or child.poll() is None:
            return
        del self.children[component.name]
        recent = [t for t in self.restarts[component.name] if now - t < RESTART_WINDOW]
        if len(recent) >= MAX_RESTARTS:
            self.failed.add(component.name)
            log.error(
                "%s exited with code %s and crash-looped %d times in %.0fs; leaving it down",
                component.name,
                child.returncode,
                len(recent),
                RESTART_WINDOW,
            )
            return
        delay = min(BACKOFF_CAP, 0.25 * 2 ** len(recent))
        log.warning(
            "%s exited with code %s; restart #%d in %.2fs",
            component.name,
            child.returncode,
            len(self.restarts[component.name]) + 1,
            delay,
        )
        self.restart_at[component.name] = now + delay

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        for component in self.plan.components:
            self._start(component)
            self._write_status()
            self._await_ready(component)
        while not self.stopping:
            for component in self.plan.components:
                if component.name not in self.failed and not self.stopping:
                    self._check(component)
            self._write_status()
            time.sleep(0.2)
        for component in reversed(self.plan.components):
            child = self.children.pop(component.name, None)
            if child is not None:
                process.terminate(child.pid, grace=10.0)
                child.wait(timeout=5)
                log.info("stopped %s", component.name)
            (self.directory / f"{component.name}.pid").unlink(missing_ok=True)
        status_path(self.directory).unlink(missing_ok=True)
        return 0

    def _await_ready(self, component: Component) -> None:
        """Hold back the next component until this one serves (bounded by READY_TIMEOUT)."""
        if not component.ready_url:
            return
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # loopback only; readiness, not trust
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.stopping and time.monotonic() < deadline:
            child = self.children.get(component.name)
            if child is None or child.poll() is not None:
                return  # crashed: the main loop restarts it and reports the restart
            try:
                with urllib.request.urlopen(component.ready_url, timeout=2, context=context) as r:
                    if r.status == 200:
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        log.warning(
            "%s not ready after %.0fs; starting the rest anyway", component.name, READY_TIMEOUT
        )

    def _on_term(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout
    )
    return _Supervisor(Plan.load(Path(args[0]))).run()


if __name__ == "__main__":
    sys.exit(main())
