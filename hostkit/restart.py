"""One restart policy and one state record for every process a supervisor keeps running.

Used by ``hostkit.supervisor`` (the management cluster's components, the lab's controller)
and ``vbmc.supervisor`` (the BMC processes). A ``Policy`` is a capped exponential backoff
plus a crash-loop limit; a ``Record`` is what a supervisor reports of one process (PID, start
time, restart count, ``State``); a ``Tracker`` applies the policy to named processes and
logs every exit and restart in one wording.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import time
from collections.abc import Iterable, Mapping

log = logging.getLogger(__name__)


class State(enum.StrEnum):
    """Where a supervised process stands."""

    STARTING = "starting"  # not started yet (an earlier component is not ready)
    RUNNING = "running"
    RESTARTING = "restarting"  # exited; restarts once its backoff has passed
    FAILED = "failed"  # crash-looped; left down


@dataclasses.dataclass(frozen=True)
class Policy:
    """Restart after ``first_delay · 2^n`` seconds (at most ``max_delay``), n = recent restarts.

    Restarts count as recent for ``window`` seconds, and not at all once the process has run
    ``healthy_after`` seconds (when set). ``crash_loop`` recent restarts leave it down
    (``None``: never give up).
    """

    first_delay: float
    max_delay: float
    crash_loop: int | None = None
    window: float = 600.0
    healthy_after: float | None = None

    def delay(self, recent: int) -> float:
        return min(self.max_delay, self.first_delay * 2.0**recent)


@dataclasses.dataclass(frozen=True)
class Record:
    """One supervised process as a supervisor reports it (``status.json``, ``status``)."""

    pid: int | None  # None unless running
    started: float | None  # when the running process started (Unix time)
    restarts: int
    state: State

    def to_json(self) -> dict[str, int | float | str | None]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Record:
        pid, started, restarts = data.get("pid"), data.get("started"), data.get("restarts", 0)
        return cls(
            pid=pid if isinstance(pid, int) else None,
            started=float(started) if isinstance(started, int | float) else None,
            restarts=restarts if isinstance(restarts, int) else 0,
            state=State(str(data.get("state", State.STARTING))),
        )


@dataclasses.dataclass
class _Entry:
    record: Record
    recent: list[float] = dataclasses.field(default_factory=list)  # monotonic restart times
    due: float | None = None  # monotonic time of the scheduled restart


class Tracker:
    """The records of named processes under one ``Policy``; owned by one supervisor loop."""

    def __init__(self, policy: Policy, names: Iterable[str] = ()) -> None:
        self.policy = policy
        self._entries: dict[str, _Entry] = {}
        for name in names:
            self._entry(name)

    def _entry(self, name: str) -> _Entry:
        if name not in self._entries:
            self._entries[name] = _Entry(Record(None, None, 0, State.STARTING))
        return self._entries[name]

    def record(self, name: str) -> Record:
        return self._entry(name).record

    def records(self) -> dict[str, Record]:
        return {name: entry.record for name, entry in self._entries.items()}

    def started(self, name: str, pid: int) -> None:
        """``name`` runs as ``pid``: a restart when it had exited before."""
        entry = self._entry(name)
        restarts = entry.record.restarts
        if entry.record.state is State.RESTARTING:
            restarts += 1
            entry.recent.append(time.monotonic())
            log.warning("%s: restarting it (restart #%d, pid %d)", name, restarts, pid)
        entry.due = None
        entry.record = Record(pid, time.time(), restarts, State.RUNNING)

    def running(self, name: str) -> None:
        """``name`` still runs: forgive its earlier crashes once it has run long enough."""
        entry = self._entry(name)
        after, started = self.policy.healthy_after, entry.record.started
        if after is not None and started is not None and time.time() - started > after:
            entry.recent.clear()

    def exited(self, name: str, *, code: int | None = None, last_log: str = "") -> None:
        """``name`` is gone: schedule its restart, or leave it down when it crash-loops."""
        entry = self._entry(name)
        now = time.monotonic()
        entry.recent = [t for t in entry.recent if now - t < self.policy.window]
        how = "exited" if code is None else f"exited with code {code}"
        tail = f". Last log: {last_log}" if last_log else ""
        limit = self.policy.crash_loop
        if limit is not None and len(entry.recent) >= limit:
            entry.record = Record(None, None, entry.record.restarts, State.FAILED)
            log.error(
                "%s %s and crash-looped %d times in %.0fs; leaving it down%s",
                name,
                how,
                len(entry.recent),
                self.policy.window,
                tail,
            )
            return
        delay = self.policy.delay(len(entry.recent))
        entry.due = now + delay
        entry.record = Record(None, None, entry.record.restarts, State.RESTARTING)
        log.warning(
            "%s %s; restart #%d in %.2fs%s", name, how, entry.record.restarts + 1, delay, tail
        )

    def due(self, name: str) -> bool:
        """True once an exited process's backoff has passed (never for a failed one)."""
        due = self._entry(name).due
        return due is not None and time.monotonic() >= due
