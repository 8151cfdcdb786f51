"""A small process supervisor: keeps a fixed, ordered list of components running.

A caller (the embedded management cluster, the lab's controller; next the deploy agent's boot
server and the Cluster API managers) describes each ``Component`` — name, argv, environment,
log file, readiness URL — and calls ``launch``, which saves the ``Plan`` as JSON and starts
``python -m hostkit.supervisor PLAN`` detached. The supervisor starts the components in order
(each once the previous one answers its readiness URL), restarts one that exits under the
plan's ``restart.Policy`` (capped backoff, crash-loop limit, every exit and restart logged),
and on SIGTERM stops them in reverse order. ``status.json`` in the plan's directory holds
each component's ``restart.Record``, read back with ``read_status``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from hostkit import logtail, process, restart

log = logging.getLogger("metallab.supervisor")

# A component that crash-loops 20 times in 10 minutes is left down.
POLICY = restart.Policy(first_delay=0.25, max_delay=5.0, crash_loop=20, window=600.0)
READY_TIMEOUT = 60.0

State = restart.State


@dataclasses.dataclass(frozen=True)
class Component:
    """One supervised process; the next component starts once ``ready_url`` answers 200.

    ``env`` empty means the supervisor's own environment; ``log_path`` empty means
    ``<plan directory>/<name>.log``.
    """

    name: str
    argv: list[str]
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    ready_url: str = ""
    log_path: str = ""


@dataclasses.dataclass(frozen=True)
class Plan:
    components: list[Component]
    directory: str  # PID files, default logs and status.json live here
    policy: restart.Policy = POLICY

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2))

    @staticmethod
    def load(path: Path) -> Plan:
        raw = json.loads(path.read_text())
        policy = restart.Policy(**raw["policy"]) if "policy" in raw else POLICY
        return Plan([Component(**c) for c in raw["components"]], raw["directory"], policy)

    def log_path(self, component: Component) -> Path:
        return Path(component.log_path or Path(self.directory) / f"{component.name}.log")


def launch(plan: Plan, *, plan_path: Path, log_path: Path, pid_path: Path) -> int:
    """Save ``plan`` and start its supervisor detached; returns the supervisor's PID."""
    plan_path.parent.mkdir(parents=True, exist_ok=True)
    plan.save(plan_path)
    return process.spawn(
        [sys.executable, "-m", "hostkit.supervisor", str(plan_path)],
        log_path=log_path,
        pid_path=pid_path,
    )


def status_path(directory: Path) -> Path:
    return directory / "status.json"


def read_status(directory: Path) -> dict[str, dict[str, int | float | str | None]]:
    """Per component, its ``restart.Record`` as JSON: ``pid``, ``started``, ``restarts``,
    ``state`` (a ``State``); empty when no supervisor reports there."""
    try:
        data: dict[str, dict[str, int | float | str | None]] = json.loads(
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
        self.tracker = restart.Tracker(plan.policy, [c.name for c in plan.components])
        self.stopping = False

    def _start(self, component: Component) -> None:
        child = process.start(
            component.argv,
            log_path=self.plan.log_path(component),
            env=component.env or None,
            new_session=False,  # stays in our group: stopping us sweeps what is left
        )
        self.children[component.name] = child
        process.record(child.pid, self.directory / f"{component.name}.pid")
        self.tracker.started(component.name, child.pid)
        log.info("started %s (pid %d)", component.name, child.pid)

    def _write_status(self) -> None:
        status = {name: r.to_json() for name, r in self.tracker.records().items()}
        tmp = status_path(self.directory).with_suffix(".tmp")
        tmp.write_text(json.dumps(status))
        tmp.replace(status_path(self.directory))

    def _check(self, component: Component) -> None:
        """Notice an exit and schedule the restart; start it once its backoff has passed."""
        if self.tracker.due(component.name):
            self._start(component)
            return
        child = self.children.get(component.name)
        if child is None or child.poll() is None:
            return
        del self.children[component.name]
        self.tracker.exited(
            component.name,
            code=child.returncode,
            last_log=logtail.tail(self.plan.log_path(component), lines=1),
        )

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        for component in self.plan.components:
            self._start(component)
            self._write_status()
            self._await_ready(component)
        while not self.stopping:
            for component in self.plan.components:
                if not self.stopping:
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
            "%s not ready after %.0fs (%s); starting the rest anyway",
            component.name,
            READY_TIMEOUT,
            logtail.tail(self.plan.log_path(component), lines=1),
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
