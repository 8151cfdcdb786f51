"""The conductor's per-boot state: one session per host while the provisioner has the agent
running in it (inspecting, provisioning, deprovisioning), holding the boot's token binding,
what the agent reported (inventory, order outcomes) and the orders waiting for it.

The provisioner side (``begin``, ``view``, ``order``, ``end``) is called from the event loop
and the agent side (``lookup``, ``heartbeat``, ``report``) from the HTTPS service's threads;
one lock keeps them consistent. Agent calls are authorised here: the token must be live, it
acts only for the host it was issued to, and the host must have a session (no session = the
host is not inspecting/provisioning/deprovisioning, so lookup does not answer).
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from controller.conductor import tokens, wire


class Purpose(enum.StrEnum):
    INSPECT = "inspect"
    DEPLOY = "deploy"
    CLEAN = "clean"


class Refused(Exception):
    """An agent call that is not allowed; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class Order:
    id: str
    kind: str
    args: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class View:
    """A snapshot of a session for the provisioner."""

    uid: str
    purpose: Purpose
    boot: str
    started: float
    looked_up: float | None
    last_heartbeat: float | None
    inventory: wire.Inventory | None
    outcomes: dict[str, wire.Outcome]


@dataclasses.dataclass
class _Session:
    uid: str
    namespace: str
    name: str
    purpose: Purpose
    boot_mac: str
    token: str
    binding: tokens.Binding
    started: float
    looked_up: float | None = None
    last_heartbeat: float | None = None
    inventory: wire.Inventory | None = None
    orders: list[Order] = dataclasses.field(default_factory=list)
    outcomes: dict[str, wire.Outcome] = dataclasses.field(default_factory=dict)


class Sessions:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.tokens = tokens.Tokens()
        self._lock = threading.Lock()
        self._by_uid: dict[str, _Session] = {}

    # --- the provisioner's side -------------------------------------------------------

    def begin(self, uid: str, namespace: str, name: str, purpose: Purpose, boot_mac: str) -> str:
        """Start a boot of the agent for a host: a new token (the old one stops working)."""
        token, binding = self.tokens.issue(uid)
        session = _Session(
            uid, namespace, name, purpose, boot_mac.lower(), token, binding, self.clock()
        )
        with self._lock:
            self._by_uid[uid] = session
        return binding.boot

    def view(self, uid: str) -> View | None:
        with self._lock:
            s = self._by_uid.get(uid)
            if s is None:
                return None
            return View(
                s.uid, s.purpose, s.binding.boot, s.started, s.looked_up, s.last_heartbeat,
                s.inventory, dict(s.outcomes),
            )  # fmt: skip

    def order(self, uid: str, kind: str, args: dict[str, Any]) -> str:
        """Queue an order (once per kind and boot); returns its id."""
        with self._lock:
            s = self._by_uid.get(uid)
            if s is None:
                raise KeyError(f"no agent session for host {uid}")
            for existing in s.orders:
                if existing.kind == kind:
                    return existing.id
            order = Order(secrets.token_hex(8), kind, args)
            s.orders.append(order)
            return order.id

    def end(self, uid: str) -> None:
        """Forget the host's boot: its token stops working (power off, next deployment)."""
        self.tokens.drop(uid)
        with self._lock:
            self._by_uid.pop(uid, None)

    def boot_config(self, *, mac: str = "", boot: str = "") -> tuple[str, str] | None:
        """(token, host uid) for the boot files of a host whose agent has not looked up yet,
        found by boot MAC (network boot) or boot id (virtual media)."""
        with self._lock:
            for s in self._by_uid.values():
                if s.looked_up is None and (
                    (mac and s.boot_mac == mac.lower()) or (boot and s.binding.boot == boot)
                ):
                    return s.token, s.uid
        return None

    # --- the agent's side -------------------------------------------------------------

    def _authorised(self, token: str) -> _Session:
        binding = self.tokens.find(token)
        if binding is None:
            raise Refused(401, "unknown or expired token: reboot the host into a new agent")
        s = self._by_uid.get(binding.uid)
        if s is None or s.binding != binding:
            raise Refused(401, "the token's boot is over: reboot the host into a new agent")
        return s

    def lookup(self, token: str, request: wire.Lookup) -> tuple[str, str, str]:
        with self._lock:
            s = self._authorised(token)
            if s.boot_mac and s.boot_mac not in request.macs:
                raise Refused(
                    403,
                    f"none of the MACs {', '.join(request.macs) or '(none)'} is the boot MAC "
                    "of the host this token was issued for",
                )
            s.looked_up = s.looked_up or self.clock()
            return s.uid, s.namespace, s.name

    def heartbeat(self, token: str, beat: wire.Heartbeat) -> Order | None:
        with self._lock:
            s = self._authorised(token)
            if s.looked_up is None:
                raise Refused(409, "heartbeat before lookup: POST /v1/lookup first")
            s.last_heartbeat = self.clock()
            if beat.inventory is not None:
                s.inventory = beat.inventory
            if beat.running is not None:
                return None
            return next((o for o in s.orders if o.id not in s.outcomes), None)

    def report(self, token: str, order_id: str, outcome: wire.Outcome) -> None:
        with self._lock:
            s = self._authorised(token)
            if not any(o.id == order_id for o in s.orders):
                raise Refused(404, f"no order {order_id} for this host")
            s.last_heartbeat = self.clock()
            s.outcomes.setdefault(order_id, outcome)
