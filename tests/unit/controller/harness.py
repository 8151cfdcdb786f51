"""An in-memory driver for the state machine: reconcile a host body until a condition holds.

Unit tests use it instead of an API server: ``Sim.step`` calls the operator's own
``reconcile.reconcile_once`` (the Secret from ``Sim.secret``, conflicts from the claims of
every body the Sim has seen), applies the ``Write`` to the body the way the API server would,
and settles the provisioning slots with the operator's ``reconcile.settle``.
"""

from __future__ import annotations

import base64
import copy
import itertools
from collections.abc import Callable
from typing import Any

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import capacity, claims, writer
from controller.hoststate import context as ctx_mod
from controller.operator import reconcile
from controller.provisioner import fixture

Body = dict[str, Any]
_uids = itertools.count(1)


def secret(password: str = "fixture-pw-0", username: str = "admin", version: str = "1") -> Body:
    enc = {
        k: base64.b64encode(v.encode()).decode()
        for k, v in (("username", username), ("password", password))
    }
    return {"metadata": {"name": "bmc", "namespace": "ns", "resourceVersion": version}, "data": enc}


def body(name: str = "node", **spec: Any) -> Body:
    """A host body; each gets a machine of its own (boot MAC and BMC) unless ``spec`` says."""
    n = next(_uids)
    full_spec: dict[str, Any] = {
        "online": True,
        "bootMACAddress": f"52:54:00:00:{n // 256 % 256:02x}:{n % 256:02x}",
        "bmc": {
            "address": f"redfish+http://127.0.0.1:8000/redfish/v1/Systems/{n}",
            "credentialsName": "bmc",
        },
    }
    full_spec.update(spec)
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"uid-{n}",
            "creationTimestamp": f"2030-01-01T00:00:00Z#{n:08d}",
            "generation": 1,
            "resourceVersion": "1",
            "annotations": {},
            "finalizers": [],
        },
        "spec": full_spec,
    }


class Sim:
    def __init__(
        self,
        backend: fixture.FixtureBackend | None = None,
        *,
        limit: int = 20,
        timing: ctx_mod.Timing | None = None,
    ) -> None:
        self.backend = backend or fixture.FixtureBackend()
        self.timing = timing or ctx_mod.Timing()
        self.slots = capacity.Capacity(limit)
        self.env = reconcile.Env(backend=self.backend, slots=self.slots, timing=self.timing)
        self.claims = claims.Registry()
        self.secret: Body | None = secret()
        self.writes: list[writer.Write] = []
        self.clock = 0

    async def _secret(self, namespace: str, name: str) -> Body | None:
        return self.secret

    async def step(self, obj: Body, *, lose: bool = False) -> writer.Write:
        """One reconcile; ``lose``: the controller dies before its write reaches the server."""
        host = api_host.parse(obj)
        created = str(obj["metadata"].get("creationTimestamp") or "")
        self.claims.put(host.key, created, claims.of(host))
        self.clock += 1
        write = await reconcile.reconcile_once(
            host,
            self.env,
            secret=self._secret,
            conflict=self.claims.conflict(host.key),
            now=f"2030-01-01T00:00:{self.clock % 60:02d}Z",
        )
        if not lose:
            self._apply(obj, write)
            reconcile.settle(self.slots, host, write)
            self.writes.append(write)
        return write

    def _apply(self, obj: Body, write: writer.Write) -> None:
        meta = obj["metadata"]
        if write.add_finalizer:
            meta["finalizers"].append(types.FINALIZER)
        if write.remove_finalizer:
            meta["finalizers"].remove(types.FINALIZER)
            if meta.get("deletionTimestamp"):
                meta["gone"] = True
                self.claims.remove(f"{meta['namespace']}/{meta['name']}")
        for key in write.remove_annotations:
            meta["annotations"].pop(key, None)
        if write.status is not None:
            status = {
                k: v for k, v in api_host.status_to_json(write.status).items() if v is not None
            }
            status["provisioning"] = {
                k: v for k, v in status["provisioning"].items() if v is not None
            }
            obj["status"] = copy.deepcopy(status)

    async def run_until(self, obj: Body, done: Callable[[Body], bool], *, steps: int = 40) -> Body:
        for _ in range(steps):
            if done(obj):
                return obj
            await self.step(obj)
        raise AssertionError(f"not reached in {steps} steps: {obj.get('status')}")

    async def to_state(self, obj: Body, state: str, *, steps: int = 40) -> Body:
        return await self.run_until(obj, lambda o: state_of(o) == state, steps=steps)


def state_of(obj: Body) -> str:
    return str(((obj.get("status") or {}).get("provisioning") or {}).get("state") or "")


def status(obj: Body, key: str) -> Any:
    return (obj.get("status") or {}).get(key)
