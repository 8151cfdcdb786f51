"""The operator's bookkeeping, without an API server: only the Secrets hosts reference (and
that carry BMO's label) are cached; a Secret change wakes exactly its hosts; a deleted host
leaves nothing behind (body, Secret, timer, slot, crash count, claims, backend memory); the
work queue hands a key to one worker at a time; a write that drops the finalizer frees the
host's provisioning slot and wakes a parked host."""

from __future__ import annotations

import asyncio
from typing import Any

import kopf
import pytest

from controller.api import host as api_host
from controller.hoststate import capacity, writer
from controller.operator import cache, kube, metrics, reconcile, reconciler, workqueue
from controller.provisioner import fixture
from tests.unit.controller import harness

LABELS = {cache.SECRET_LABEL: cache.SECRET_LABEL_VALUE}


def _secret(name: str, *, labelled: bool = True, version: str = "1") -> dict[str, Any]:
    body = harness.secret(version=version)
    body["metadata"]["name"] = name
    if labelled:
        body["metadata"]["labels"] = dict(LABELS)
    return body


def _reconciler(backend: fixture.FixtureBackend) -> reconciler.Reconciler:
    client = kube.Kube(kopf.ConnectionInfo(server="https://127.0.0.1:1"))
    env = reconcile.Env(backend=backend, slots=capacity.Capacity(1))
    return reconciler.Reconciler(client=client, env=env, recorder=metrics.Metrics())


def test_only_referenced_labelled_secrets_are_cached() -> None:
    store = cache.Cache()
    assert store.put_host(harness.body("a")) == {"ns/a"}
    assert store.put_secret("ADDED", _secret("unused")) == set()
    assert store.put_secret("ADDED", _secret("bmc", labelled=False)) == {"ns/a"}
    assert store.secrets == {}
    assert store.put_secret("MODIFIED", _secret("bmc", version="2")) == {"ns/a"}
    assert set(store.secrets) == {"ns/bmc"}
    assert store.put_secret("MODIFIED", _secret("bmc", version="1")) == {"ns/a"}
    assert store.secrets["ns/bmc"]["metadata"]["resourceVersion"] == "2"  # not older news
    assert store.put_secret("DELETED", _secret("bmc")) == {"ns/a"}
    assert store.secrets == {}


def test_a_host_changing_its_secret_lets_the_old_one_go() -> None:
    store = cache.Cache()
    obj = harness.body("a")
    store.put_host(obj)
    store.put_secret("ADDED", _secret("bmc"))
    moved = {**obj, "spec": {**obj["spec"], "bmc": {**obj["spec"]["bmc"], "credentialsName": "x"}}}
    moved["metadata"] = {**obj["metadata"], "generation": 2, "resourceVersion": "2"}
    assert store.put_host(moved) == {"ns/a"}
    assert store.secrets == {}
    assert store.put_secret("MODIFIED", _secret("bmc", version="2")) == set()


def test_status_only_changes_and_stale_bodies_wake_nobody() -> None:
    store = cache.Cache()
    obj = harness.body("a")
    store.put_host(obj)
    assert store.put_host({**obj, "status": {"poweredOn": True}}) == set()
    stale = {**obj, "metadata": {**obj["metadata"], "resourceVersion": "0", "generation": 5}}
    assert store.put_host(stale) == set()


def test_a_deleted_host_leaves_no_bookkeeping() -> None:
    backend = fixture.FixtureBackend()

    async def go() -> None:
        worker = _reconciler(backend)
        obj = harness.body("a")
        twin = harness.body("b", bootMACAddress=obj["spec"]["bootMACAddress"])
        worker.observe_host("ADDED", obj)
        worker.observe_host("ADDED", twin)
        worker.observe_secret("ADDED", _secret("bmc"))
        assert "ns/a" in worker.cache.conflict("ns/b")
        host = api_host.parse(obj)
        reconcile.build_access(host, harness.secret(), backend)  # the backend knows it now
        assert backend.machine("ns/a") is not None
        assert worker.env.slots.try_acquire("ns/a")
        worker.queue.after("ns/a", 60)
        worker._crashes["ns/a"] = 3
        worker._entered["ns/a"] = 1.0

        worker.observe_host("DELETED", obj)
        assert set(worker.cache.hosts) == {"ns/b"}
        assert worker.cache.conflict("ns/b") == ""
        assert worker.queue.timers == 0
        assert worker.env.slots.used == 0
        assert "ns/a" not in worker._crashes and "ns/a" not in worker._entered
        assert backend.machine("ns/a") is None
        worker.observe_host("DELETED", twin)
        assert worker.cache.hosts == {} and worker.cache.secrets == {}
        assert len(worker.cache.claims) == 0

    asyncio.run(go())


def test_the_queue_hands_a_key_to_one_worker_at_a_time() -> None:
    async def go() -> None:
        queue = workqueue.WorkQueue()
        queue.add("k")
        queue.add("k")
        assert await queue.take() == "k"
        queue.add("k")  # changed while being reconciled: once more afterwards, not now
        with pytest.raises(TimeoutError):  # not handed out twice
            await asyncio.wait_for(queue.take(), 0.05)
        queue.done("k")
        assert await asyncio.wait_for(queue.take(), 1) == "k"
        queue.done("k")
        queue.after("k", 0.01)
        assert await asyncio.wait_for(queue.take(), 1) == "k"

    asyncio.run(go())


def test_dropping_the_finalizer_frees_the_slot_and_wakes_a_parked_host() -> None:
    slots = capacity.Capacity(1)
    woken: list[str] = []
    slots.on_free = woken.append
    host = api_host.parse(harness.body("holder"))
    assert slots.try_acquire(host.key)
    assert not slots.try_acquire("ns/parked")
    reconcile.settle(slots, host, writer.Write(status=None, remove_finalizer=True))
    assert slots.used == 0 and woken == ["ns/parked"]
