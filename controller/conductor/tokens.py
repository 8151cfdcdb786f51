"""Per-boot tokens: one per boot of the agent (``secrets.token_urlsafe(32)``: 32 random
bytes), bound to the host's UID and that boot's id; presented tokens are compared with
``hmac.compare_digest`` against every live token, so neither a match nor a miss leaks
timing. ``drop`` forgets a host's token (power off, next deployment). Called by
``sessions``."""

from __future__ import annotations

import dataclasses
import hmac
import secrets
import threading


@dataclasses.dataclass(frozen=True)
class Binding:
    uid: str
    boot: str


class Tokens:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_uid: dict[str, tuple[str, Binding]] = {}

    def issue(self, uid: str) -> tuple[str, Binding]:
        """A new token and boot id for ``uid``; the host's previous token stops working."""
        token = secrets.token_urlsafe(32)
        binding = Binding(uid=uid, boot=secrets.token_hex(8))
        with self._lock:
            self._by_uid[uid] = (token, binding)
        return token, binding

    def find(self, presented: str) -> Binding | None:
        found = None
        with self._lock:
            live = list(self._by_uid.values())
        for token, binding in live:  # compare against all: the time does not tell which
            if hmac.compare_digest(token.encode(), presented.encode()):
                found = binding
        return found

    def drop(self, uid: str) -> None:
        with self._lock:
            self._by_uid.pop(uid, None)
