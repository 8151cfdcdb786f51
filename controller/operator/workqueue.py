"""The work queue: host keys waiting for a reconcile, at most once each, one worker per host.

Like client-go's workqueue: ``add`` queues a key unless it is queued already; a key being
worked on is not handed out again until ``done``, and if it was added meanwhile it is queued
once more then. ``after`` replaces a key's timer (a requeue after N seconds); ``forget``
cancels it for a host that is gone. Used by the reconciler's workers.
"""

from __future__ import annotations

import asyncio


class WorkQueue:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._busy: set[str] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def add(self, key: str) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        if key not in self._busy:
            self._queue.put_nowait(key)

    def after(self, key: str, seconds: float | None) -> None:
        """Reconcile ``key`` again in ``seconds`` (None: only when something changes)."""
        self.forget(key)
        if seconds is None:
            return
        if seconds <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(seconds, self._fire, key)

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def forget(self, key: str) -> None:
        if (timer := self._timers.pop(key, None)) is not None:
            timer.cancel()

    async def take(self) -> str:
        key = await self._queue.get()
        self._queued.discard(key)
        self._busy.add(key)
        return key

    def done(self, key: str) -> None:
        self._busy.discard(key)
        if key in self._queued:
            self._queue.put_nowait(key)

    @property
    def timers(self) -> int:
        return len(self._timers)
