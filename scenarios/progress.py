"""The live progress line of a running step, then its result line.

Used by ``scenarios.runner``. On a terminal the running step's line ticks its elapsed seconds
in place (``… [3/9] node-1 available (12s)``) until it ends as ``✓``/``✗``; elsewhere (CI logs)
only the result lines are printed, so logs stay one line per step.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

Print = Callable[[str], None]


class Live:
    def __init__(self, out: Print, *, stream: TextIO | None = None) -> None:
        self._out = out
        self._stream = stream if stream is not None else sys.stdout
        self._tty = self._stream.isatty()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, label: str) -> None:
        if not self._tty:
            return
        self._done.clear()
        started = time.monotonic()

        def tick() -> None:
            while not self._done.wait(1.0):
                with self._lock:
                    self._stream.write(f"\r\x1b[K  … {label} ({time.monotonic() - started:.0f}s)")
                    self._stream.flush()

        self._thread = threading.Thread(target=tick, name="progress", daemon=True)
        self._thread.start()

    def finish(self, line: str) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._tty:
            with self._lock:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
        self._out(line)
