"""Power in memory: which mode each power command uses (reboot annotations soft by default,
``{"mode": "hard"}`` hard, power on always hard) and a soft power off the host ignores
becoming a hard one after ``Timing.soft_power_off``, sent once rather than on every poll."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from controller.api import types
from controller.hoststate import context as ctx_mod
from controller.provisioner import fixture
from tests.unit.controller import harness

IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "a" * 32, "checksumType": "md5"}
SOFT, HARD = types.RebootMode.SOFT, types.RebootMode.HARD


def run(coro: Any) -> None:
    asyncio.run(coro)


@pytest.mark.parametrize(
    ("value", "mode"), [("", SOFT), ('{"mode": "soft"}', SOFT), ('{"mode": "hard"}', HARD)]
)
def test_reboot_annotation_sends_the_mode_it_asks_for(
    sim: harness.Sim, value: str, mode: types.RebootMode
) -> None:
    obj = harness.body(image=IMAGE)

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        machine = sim.backend.machine("ns/node")
        assert machine is not None
        machine.power_commands.clear()
        obj["metadata"]["annotations"][types.REBOOT_ANNOTATION] = value
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is False)
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is True)
        assert machine.power_commands == [(False, mode), (True, HARD)]

    run(go())


def test_online_false_is_a_soft_power_off(sim: harness.Sim) -> None:
    obj = harness.body()

    async def go() -> None:
        await sim.to_state(obj, "available")
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is True)
        obj["spec"]["online"] = False
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is False)

    run(go())
    machine = sim.backend.machine("ns/node")
    assert machine is not None and machine.power_commands == [(True, HARD), (False, SOFT)]


def test_ignored_soft_power_off_becomes_hard_after_the_timeout() -> None:
    now = [0.0]
    backend = fixture.FixtureBackend(clock=lambda: now[0])
    sim = harness.Sim(backend, timing=ctx_mod.Timing(soft_power_off=30.0))
    obj = harness.body()

    async def go() -> None:
        await sim.to_state(obj, "available")
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is True)
        machine = backend.machine("ns/node")
        assert machine is not None
        machine.ignores_soft_off = True
        obj["spec"]["online"] = False
        for _ in range(5):  # polls within the timeout: still on, soft off not repeated
            await sim.step(obj)
            now[0] += 5
        assert harness.status(obj, "poweredOn") is True and machine.powered_on
        assert machine.power_commands[-1] == (False, SOFT)
        assert machine.power_commands.count((False, SOFT)) == 1
        now[0] += 10  # past the timeout
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is False, steps=5)
        assert machine.power_commands[-2:] == [(False, SOFT), (False, HARD)]

    run(go())


def test_keyed_hard_reboot_holds_the_host_off_with_one_hard_command(sim: harness.Sim) -> None:
    obj = harness.body(image=IMAGE)
    key = f"{types.REBOOT_ANNOTATION}/fence"

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        machine = sim.backend.machine("ns/node")
        assert machine is not None
        machine.power_commands.clear()
        obj["metadata"]["annotations"][key] = json.dumps({"mode": "hard"})
        for _ in range(4):
            await sim.step(obj)
        assert machine.power_commands == [(False, HARD)]

    run(go())


def test_a_power_change_that_never_happens_fails_and_backs_off() -> None:
    """A BMC that accepts power on but never powers on: not polled forever with status OK."""
    now = [0.0]
    backend = fixture.FixtureBackend(clock=lambda: now[0])
    sim = harness.Sim(backend, timing=ctx_mod.Timing(power_change=20.0))
    obj = harness.body(online=False)

    async def go() -> None:
        await sim.to_state(obj, "available")
        machine = backend.machine("ns/node")
        assert machine is not None
        machine.ignores_power = True
        obj["spec"]["online"] = True
        for _ in range(4):  # within the timeout: polled, commands accepted, no error yet
            write = await sim.step(obj)
            assert write.requeue_after is not None and write.requeue_after <= 2.0
            now[0] += 4
        assert harness.status(obj, "errorType") is None
        assert harness.status(obj, "poweredOn") is False
        now[0] += 10  # past the timeout
        write = await sim.step(obj)
        assert harness.status(obj, "errorType") == "power management error"
        assert harness.status(obj, "operationalStatus") == "error"
        assert "still off after 20s" in harness.status(obj, "errorMessage")
        assert [n.reason for n in write.notes if n.warning] == ["PowerManagementError"]
        assert write.requeue_after is not None and write.requeue_after >= 5.0  # backoff
        # The retry sends the command again and waits, the error standing meanwhile ...
        sent = len(machine.power_commands)
        now[0] += 30
        await sim.step(obj)
        assert len(machine.power_commands) == sent + 1
        assert harness.status(obj, "errorType") == "power management error"
        now[0] += 25
        write = await sim.step(obj)  # ... and fails again, backing off longer
        assert harness.status(obj, "errorCount") == 2
        assert write.requeue_after is not None and write.requeue_after >= 10.0
        # Once the BMC works again the host powers on and the error clears.
        machine.ignores_power = False
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is True, steps=5)
        await sim.step(obj)
        assert harness.status(obj, "errorType") is None
        assert harness.status(obj, "operationalStatus") == "OK"
        assert harness.status(obj, "errorCount") == 0

    run(go())
