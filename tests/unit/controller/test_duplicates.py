"""Two hosts claiming one machine (the same boot MAC, or the same BMC): the one created later
fails registration naming the earlier one and never touches the BMC; it registers once the
earlier host is gone. Equal BMCs are found across scheme variants and letter case."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controller.api import host as api_host
from controller.hoststate import claims
from controller.provisioner import fixture
from tests.unit.controller import harness


def run(coro: Any) -> None:
    asyncio.run(coro)


@pytest.mark.parametrize(
    ("field", "first", "second", "named"),
    [
        ("bootMACAddress", "52:54:00:aa:bb:cc", "52:54:00:AA:BB:CC", "bootMACAddress"),
        (
            "bmc",
            "redfish+http://127.0.0.1:8000/redfish/v1/Systems/s1",
            "redfish-virtualmedia+http://127.0.0.1:8000/redfish/v1/Systems/s1/",
            "BMC address",
        ),
        ("bmc", "ipmi://127.0.0.1:6230", "ipmi://127.0.0.1:6230", "BMC address"),
    ],
)
def test_the_later_host_is_refused_until_the_earlier_goes(
    sim: harness.Sim, field: str, first: str, second: str, named: str
) -> None:
    def spec(value: str) -> dict[str, Any]:
        if field == "bmc":
            return {"bmc": {"address": value, "credentialsName": "bmc"}}
        return {field: value}

    older = harness.body("older", **spec(first))
    newer = harness.body("newer", **spec(second))

    async def go() -> None:
        await sim.step(newer)  # seen first: the creation time decides, not the order seen
        await sim.to_state(older, "available")
        await sim.run_until(newer, lambda o: harness.status(o, "errorType") is not None)
        assert harness.status(newer, "errorType") == "registration error"
        message = harness.status(newer, "errorMessage")
        assert named in message and "ns/older" in message
        assert harness.state_of(newer) == "registering"
        assert sim.backend.machine("ns/newer") is None  # its BMC was never touched
        assert harness.status(older, "errorType") is None

        older["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
        await sim.run_until(older, lambda o: bool(o["metadata"].get("gone")))
        await sim.to_state(newer, "available")
        assert harness.status(newer, "errorType") is None

    run(go())


def test_hosts_on_different_systems_of_one_bmc_do_not_clash(sim: harness.Sim) -> None:
    objs = [
        harness.body(
            f"n{i}",
            bmc={
                "address": f"redfish+http://127.0.0.1:8000/redfish/v1/Systems/s{i}",
                "credentialsName": "bmc",
            },
        )
        for i in range(2)
    ]

    async def go() -> None:
        for obj in objs:
            await sim.to_state(obj, "available")

    run(go())


def test_a_deleted_host_frees_its_claims_and_names_who_to_wake() -> None:
    registry = claims.Registry()
    a = api_host.parse(harness.body("a", bootMACAddress="52:54:00:00:00:aa"))
    b = api_host.parse(harness.body("b", bootMACAddress="52:54:00:00:00:aa"))
    registry.put(a.key, "2030-01-01T00:00:01Z", claims.of(a))
    assert registry.put(b.key, "2030-01-01T00:00:02Z", claims.of(b)) == {"ns/a"}
    assert registry.conflict("ns/a") == ""
    assert "ns/a" in registry.conflict("ns/b")
    assert registry.remove("ns/a") == {"ns/b"}
    assert registry.conflict("ns/b") == "" and len(registry) == 1


def test_a_refused_host_being_deleted_leaves_the_machine_alone() -> None:
    backend = fixture.FixtureBackend()
    sim = harness.Sim(backend)
    older = harness.body("older", bootMACAddress="52:54:00:00:00:bb")
    newer = harness.body("newer", bootMACAddress="52:54:00:00:00:bb")

    async def go() -> None:
        await sim.to_state(older, "available")
        await sim.run_until(newer, lambda o: harness.status(o, "errorType") is not None)
        machine = backend.machine("ns/older")
        assert machine is not None
        commands = list(machine.power_commands)
        newer["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
        await sim.run_until(newer, lambda o: bool(o["metadata"].get("gone")))
        assert machine.power_commands == commands

    run(go())
