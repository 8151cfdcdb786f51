"""Structured (JSON lines) logs for the controller, with BMC passwords masked.

``setup`` installs the formatter and the ``Redactor`` filter on the root handler; the
operator calls ``redact(password)`` for every password it reads from a Secret, and any log
record that would contain one shows ``***`` instead (credentials' reprs never show them
either). Called once by ``app.serve``.
"""

from __future__ import annotations

import json
import logging
import threading

_secrets: set[str] = set()
# Longest first, so a password containing another is masked whole. Rebuilt only when a new
# password arrives: redact runs on every reconcile and scrub on every log line and Event, so
# sorting here instead of per scrub keeps the hot path a plain loop.
_ordered: tuple[str, ...] = ()
_lock = threading.Lock()
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def redact(secret: str) -> None:
    global _ordered
    if len(secret) < 3 or secret in _secrets:
        return
    with _lock:
        _secrets.add(secret)
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def scrub(text: str) -> str:
    for secret in _ordered:  # one read of the reference: a concurrent redact swaps it whole
        text = text.replace(secret, "***")
    return text


class Redactor(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, default=str))


def setup(*, level: int = logging.INFO, json_lines: bool = True) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(Redactor())
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
