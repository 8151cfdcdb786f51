"""The provisioning limit parks extra hosts as delayed and lets them in as slots free; a new
controller (a fresh Sim) over the same hardware resumes without repeating finished steps —
also when the old one died between an operation finishing and its status write landing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controller.provisioner import fixture
from tests.unit.controller import harness

IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "a" * 32, "checksumType": "md5"}


def run(coro: Any) -> None:
    asyncio.run(coro)


def test_limit_parks_extra_hosts_as_delayed() -> None:
    now = [0.0]
    backend = fixture.FixtureBackend(fixture.Delays(inspect=10), clock=lambda: now[0])
    sim = harness.Sim(backend, limit=2)
    objs = [harness.body(name=f"n{i}") for i in range(4)]

    async def go() -> None:
        for _ in range(4):
            for obj in objs:
                await sim.step(obj)
        states = sorted((harness.state_of(o), harness.status(o, "operationalStatus")) for o in objs)
        assert states == [
            ("inspecting", "OK"),
            ("inspecting", "OK"),
            ("registering", "delayed"),
            ("registering", "delayed"),
        ]
        assert sim.slots.used == 2
        now[0] += 11
        for _ in range(12):
            for obj in objs:
                await sim.step(obj)
            now[0] += 11
        assert all(harness.state_of(o) == "available" for o in objs)
        assert sim.slots.used == 0

    run(go())


def test_restarted_controller_does_not_repeat_a_finished_step() -> None:
    now = [0.0]
    backend = fixture.FixtureBackend(fixture.Delays(inspect=5), clock=lambda: now[0])
    obj = harness.body()

    async def go() -> None:
        first = harness.Sim(backend)
        await first.to_state(obj, "inspecting")
        await first.step(obj)  # inspection running
        now[0] += 6  # it finishes while no controller runs
        second = harness.Sim(backend)
        await second.to_state(obj, "available")
        assert backend.completed("ns/node", fixture.Op.INSPECT) == 1
        assert backend.completed("ns/node", fixture.Op.REGISTER) == 1
        assert backend.started("ns/node", fixture.Op.INSPECT) == 1

    run(go())


@pytest.mark.parametrize("op", [fixture.Op.INSPECT, fixture.Op.PREPARE, fixture.Op.PROVISION])
def test_controller_killed_before_its_write_does_not_repeat_the_step(op: fixture.Op) -> None:
    """The reconcile that finished ``op`` dies before writing: the successor finds the step
    done in the hardware and moves on without starting it again."""
    now = [0.0]
    backend = fixture.FixtureBackend(clock=lambda: now[0])
    backend.set_delay("ns/node", op, 5)
    obj = harness.body(image=IMAGE)
    state = {"inspect": "inspecting", "prepare": "preparing", "provision": "provisioning"}

    async def go() -> None:
        first = harness.Sim(backend)
        await first.to_state(obj, state[op.value])
        await first.step(obj)  # the operation starts
        now[0] += 6
        lost = await first.step(obj, lose=True)  # it finished; the write never lands
        assert lost.transition is not None and backend.completed("ns/node", op) == 1
        assert harness.state_of(obj) == state[op.value]
        second = harness.Sim(backend)
        await second.to_state(obj, "provisioned")
        assert backend.started("ns/node", op) == 1
        assert backend.completed("ns/node", op) == 1

    run(go())


def test_a_parked_host_is_woken_when_a_slot_frees() -> None:
    from controller.api import types
    from controller.hoststate import capacity

    slots = capacity.Capacity(1)
    woken: list[str] = []
    slots.on_free = woken.append
    assert slots.try_acquire("a")
    assert not slots.try_acquire("b")
    slots.sync("b", types.ProvisioningState.REGISTERING)  # b's "delayed" status was written
    slots.sync("a", types.ProvisioningState.PREPARING)  # a leaves inspecting
    assert woken == ["b"]
    assert slots.try_acquire("b")
