"""The protocol client: JSON over HTTPS to the conductor, verified against the CA from
boot.json. ``lookup`` finds this host by its MACs (retrying with jittered, bounded
exponential backoff, like ironic-python-agent); ``Session.serve`` heartbeats — the first
heartbeat carries the inventory — runs each order on a worker thread while it keeps
heartbeating, and posts the order's result. The wire format is docs/agent-protocol.md.
Called by ``__main__``."""

from __future__ import annotations

import dataclasses
import json
import random
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from agent import bootconfig, errors, orders

Json = dict[str, Any]
TIMEOUT = 20.0


class Rejected(errors.AgentError):
    """The conductor refused us (4xx): retrying the same request will not help."""


@dataclasses.dataclass(frozen=True)
class Backoff:
    base: float = 1.0
    cap: float = 30.0
    attempts: int = 60  # ~25 minutes at the cap: long enough for a slow controller start

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.base * 2**attempt) * random.uniform(0.5, 1.0))


class Conductor:
    def __init__(self, config: bootconfig.BootConfig) -> None:
        self.config = config
        self.context = ssl.create_default_context(cadata=config.ca_pem)

    def call(self, path: str, body: Json) -> Json:
        request = urllib.request.Request(
            self.config.conductor_url.rstrip("/") + path,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.config.token}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT, context=self.context) as reply:
                data = reply.read(2**20)
        except urllib.error.HTTPError as err:
            text = err.read(4096).decode(errors="replace")
            if 400 <= err.code < 500:
                raise Rejected(f"conductor refused {path} ({err.code}): {text}") from err
            raise errors.AgentError(f"conductor failed {path} ({err.code}): {text}") from err
        except (urllib.error.URLError, OSError) as err:
            raise errors.AgentError(f"cannot reach the conductor for {path}: {err}") from err
        try:
            value = json.loads(data or b"{}")
        except ValueError as err:
            raise errors.AgentError(f"conductor answered {path} with bad JSON") from err
        if not isinstance(value, dict):
            raise errors.AgentError(f"conductor answered {path} with a non-object")
        return value


def retry(
    action: Callable[[], Json],
    backoff: Backoff,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> Json:
    """Run ``action`` until it succeeds, a bounded number of times; a refusal is final."""
    for attempt in range(backoff.attempts):
        try:
            return action()
        except Rejected:
            raise
        except errors.AgentError as err:
            if attempt + 1 == backoff.attempts:
                raise
            wait = backoff.delay(attempt)
            log(f"metallab-agent: {err}; retrying in {wait:.1f}s")
            sleep(wait)
    raise AssertionError("unreachable: attempts ≥ 1")


@dataclasses.dataclass(frozen=True)
class Identity:
    uid: str
    namespace: str
    name: str
    heartbeat_s: float


def lookup(conductor: Conductor, macs: list[str], backoff: Backoff) -> Identity:
    reply = retry(lambda: conductor.call("/v1/lookup", {"macs": macs}), backoff)
    host = reply.get("host")
    if not isinstance(host, dict) or not all(
        isinstance(host.get(k), str) for k in ("uid", "namespace", "name")
    ):
        raise errors.AgentError("conductor's lookup answer lacks host uid/namespace/name")
    beat = reply.get("heartbeat_s", 5)
    if not isinstance(beat, int | float) or isinstance(beat, bool) or not 0 < beat <= 300:
        raise errors.AgentError("conductor's lookup answer has a bad heartbeat_s")
    return Identity(host["uid"], host["namespace"], host["name"], float(beat))


class Session:
    """Heartbeats and orders for one looked-up host."""

    def __init__(
        self,
        conductor: Conductor,
        identity: Identity,
        machine: orders.Machine,
        inventory: Json,
        backoff: Backoff,
    ) -> None:
        self.conductor = conductor
        self.identity = identity
        self.machine = machine
        self.inventory: Json | None = inventory
        self.backoff = backoff
        self.running: str | None = None
        self.finished: threading.Event = threading.Event()
        self.stop = threading.Event()

    def _work(self, order_id: str, kind: str, args: Json) -> None:
        try:
            body: Json = {"ok": True, "details": orders.run(self.machine, kind, args)}
        except errors.AgentError as err:
            body = {"ok": False, "error": str(err), "error_kind": err.kind}
        except OSError as err:  # a disk error the concern modules did not foresee
            body = {"ok": False, "error": f"{kind} failed: {err}", "error_kind": "agent"}
        print(f"metallab-agent: order {order_id} ({kind}) ok={body['ok']}", flush=True)
        retry(lambda: self.conductor.call(f"/v1/orders/{order_id}/result", body), self.backoff)
        self.running = None

    def beat(self) -> None:
        body: Json = {"running": self.running}
        if self.inventory is not None:
            body["inventory"] = self.inventory
        reply = retry(lambda: self.conductor.call("/v1/heartbeat", body), self.backoff)
        self.inventory = None  # sent once, with the first heartbeat
        order = reply.get("order")
        if order is None or self.running is not None:
            return
        if not (
            isinstance(order, dict)
            and isinstance(order.get("id"), str)
            and isinstance(order.get("kind"), str)
            and isinstance(order.get("args", {}), dict)
        ):
            raise errors.AgentError("conductor sent a malformed order")
        self.running = order["id"]
        threading.Thread(
            target=self._work,
            args=(order["id"], order["kind"], order.get("args", {})),
            daemon=True,
        ).start()

    def serve(self, beats: int | None = None) -> None:
        """Heartbeat until stopped (or ``beats`` times, for tests)."""
        count = 0
        while not self.stop.is_set() and (beats is None or count < beats):
            self.beat()
            count += 1
            self.stop.wait(self.identity.heartbeat_s)
