"""Records each host's BareMetalHost state over time while a scenario runs.

A background thread started by ``scenarios.runner`` for each scenario polls the lab's hosts
twice a second and tells the ``report.Recorder`` every change of provisioning state or error
type, which becomes the rows of the report's timeline chart.
"""

from __future__ import annotations

import logging
import threading

from scenarios import report, session

log = logging.getLogger(__name__)
POLL = 0.5


class Timeline:
    def __init__(self, run: session.Session, recorder: report.Recorder) -> None:
        self._run = run
        self._recorder = recorder
        self._done = threading.Event()
        self._last: dict[str, tuple[str, str]] = {}
        self._thread = threading.Thread(target=self._loop, name="timeline", daemon=True)

    def __enter__(self) -> Timeline:
        self.poll()  # the state at the start, before any step
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join(timeout=10)
        self.poll()  # and the state at the end

    def _loop(self) -> None:
        while not self._done.wait(POLL):
            try:
                self.poll()
            except Exception as err:  # an API server killed on purpose must not end the chart
                log.debug("timeline poll failed: %s", err)

    def poll(self) -> None:
        seen: set[str] = set()
        for host in self._run.hosts():
            name = host["metadata"]["name"]
            seen.add(name)
            status = host.get("status") or {}
            now = (
                (status.get("provisioning") or {}).get("state") or "",
                status.get("errorType") or "",
            )
            if self._last.get(name) != now:
                self._last[name] = now
                self._recorder.state(name, *now)
        for name in [n for n in self._last if n not in seen]:
            if self._last[name] != ("deleted", ""):
                self._last[name] = ("deleted", "")
                self._recorder.state(name, "deleted", "")
