"""Structured (JSON lines) logs for the controller, with BMC passwords masked.

``setup`` installs a formatter on the root handler that masks the whole formatted line —
message, extra fields and traceback alike; the operator calls ``redact(password)`` for every
password it reads from a Secret, and any log line that would contain one shows ``***``
instead (credentials' reprs never show them either); ``scrub_json`` does the same for the
status the reconciler writes. Every non-empty password is masked, however short: a garbled
log line is the lesser harm. ``setup`` is called once by ``app.run``.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class _Known:
    """The passwords to mask. ``ordered`` is longest first, so a password containing another
    is masked whole; it is rebuilt only when a new password arrives (redact runs on every
    reconcile, scrub on every log line and Event), and swapped whole so readers need no lock."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.ordered: tuple[str, ...] = ()
        self.lock = threading.Lock()


_known = _Known()


def redact(secret: str) -> None:
    if not secret or secret in _known.secrets:
        return
    with _known.lock:
        _known.secrets.add(secret)
        _known.ordered = tuple(sorted(_known.secrets, key=len, reverse=True))


def scrub(text: str) -> str:
    for secret in _known.ordered:  # one read of the tuple: a concurrent redact swaps it whole
        text = text.replace(secret, "***")
    return text


def scrub_json(value: Any) -> Any:
    """``value`` (decoded JSON) with every string scrubbed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: scrub_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a call passed with ``extra=`` (the host, the states, …)."""
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


def _text_value(value: Any) -> str:
    plain = isinstance(value, str) and value and not any(c.isspace() or c in '"=' for c in value)
    return str(value) if plain else json.dumps(value, default=str)


class TextFormatter(logging.Formatter):
    """Plain lines: the message, then every extra field as ``key=value`` (``host=ns/name
    from=registering to=inspecting``), masked after formatting so a traceback cannot carry
    a password out."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={_text_value(v)}" for k, v in _extras(record).items())
        line = super().formatMessage(record)
        return f"{line} {fields}" if fields else line

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, default=str))


def setup(*, level: int = logging.INFO, json_lines: bool = True) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
