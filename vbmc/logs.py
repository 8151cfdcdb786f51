"""Logging for the BMC processes and the supervisor, with every known password masked.

Each daemon entry point calls ``setup(secrets)`` once; the filter rewrites any record whose
rendered message contains a secret, so even a library that logs a request or a config (sushy-tools,
Werkzeug, libvirt errors) cannot leak a BMC password into the lab's log files.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "******"


class MaskSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first so a password containing another one is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message, self._secrets)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def setup(secrets: Iterable[str], *, level: int = logging.INFO) -> None:
    """Log to stderr (the process's log file) with timestamps, masking ``secrets``."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(MaskSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
