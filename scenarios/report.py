"""The one in-memory report a run fills, and the recorder that fills it.

``scenarios.runner`` makes a ``Recorder`` per scenario (steps, faults, artifacts; the
``scenarios.timeline`` poller adds each host's BareMetalHost states) and freezes it into a
``ScenarioResult``; the run's ``Report`` holds them all. The renderers in ``scenarios.render``
read only these values, so they are pure functions of the report.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
import time


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # Ctrl-C
    SKIPPED = "skipped"  # not reached: an earlier step failed


@dataclasses.dataclass(frozen=True)
class Artifact:
    """A file saved beside the report (``path`` relative to the report directory)."""

    title: str
    path: str
    text: str


@dataclasses.dataclass(frozen=True)
class StepResult:
    index: int
    name: str
    kind: str
    hosts: tuple[str, ...]
    started: float  # seconds since the scenario started
    duration: float
    outcome: Outcome
    message: str = ""
    artifacts: tuple[Artifact, ...] = ()


@dataclasses.dataclass(frozen=True)
class StateChange:
    host: str
    at: float  # seconds since the scenario started
    state: str  # status.provisioning.state ("" before the controller sets one)
    error_type: str  # "" when no error


@dataclasses.dataclass(frozen=True)
class FaultMark:
    host: str
    at: float
    fault: str  # as set: unresponsive, slow=3, …, or clear


@dataclasses.dataclass(frozen=True)
class ScenarioResult:
    name: str
    description: str
    file: str
    lab: str
    started_at: str  # UTC, ISO 8601
    duration: float
    outcome: Outcome
    steps: tuple[StepResult, ...]
    timeline: tuple[StateChange, ...]
    faults: tuple[FaultMark, ...]
    hosts: tuple[str, ...]
    message: str = ""  # why it failed before or outside any step (lab up, reset)

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.outcome is not Outcome.PASSED), None)


@dataclasses.dataclass(frozen=True)
class Report:
    started_at: str
    duration: float
    scenarios: tuple[ScenarioResult, ...]
    interrupted: bool

    @property
    def passed(self) -> bool:
        return not self.interrupted and all(s.outcome is Outcome.PASSED for s in self.scenarios)


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Recorder:
    """Collects one scenario's results while it runs; thread-safe (steps run per host in
    parallel, the timeline poller runs beside them)."""

    def __init__(self, name: str, description: str, file: str, lab: str, hosts: tuple[str, ...]):
        self.name, self.description, self.file, self.lab, self.hosts = (
            name,
            description,
            file,
            lab,
            hosts,
        )
        self.started_at = utc_now()
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._steps: list[StepResult] = []
        self._changes: list[StateChange] = []
        self._faults: list[FaultMark] = []
        self._message = ""
        self._interrupted = False

    def now(self) -> float:
        return time.monotonic() - self._start

    def step(self, result: StepResult) -> None:
        with self._lock:
            self._steps.append(result)

    def state(self, host: str, state: str, error_type: str) -> None:
        with self._lock:
            self._changes.append(StateChange(host, self.now(), state, error_type))

    def fault(self, host: str, fault: str) -> None:
        with self._lock:
            self._faults.append(FaultMark(host, self.now(), fault))

    def fail(self, message: str, *, interrupted: bool = False) -> None:
        """The scenario failed (or was interrupted) outside any step: why."""
        with self._lock:
            self._message = message
            self._interrupted = interrupted

    def finish(self) -> ScenarioResult:
        with self._lock:
            steps = tuple(self._steps)
            outcomes = {s.outcome for s in steps}
            if Outcome.INTERRUPTED in outcomes or self._interrupted:
                outcome = Outcome.INTERRUPTED
            elif Outcome.FAILED in outcomes or self._message:
                outcome = Outcome.FAILED
            else:
                outcome = Outcome.PASSED
            return ScenarioResult(
                name=self.name,
                description=self.description,
                file=self.file,
                lab=self.lab,
                started_at=self.started_at,
                duration=self.now(),
                outcome=outcome,
                steps=steps,
                timeline=tuple(self._changes),
                faults=tuple(self._faults),
                hosts=self.hosts,
                message=self._message,
            )
