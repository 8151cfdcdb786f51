"""Hosts through the state machine in memory: the normal path, its variants, and deletion
from every state (with the fixture backend holding each state open)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controller.api import types
from controller.provisioner import fixture
from tests.unit.controller import harness

State = types.ProvisioningState
IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "a" * 32, "checksumType": "md5"}


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_normal_path_visits_every_provisioning_state(sim: harness.Sim) -> None:
    obj = harness.body()

    async def go() -> None:
        seen: list[str] = []
        obj["spec"]["image"] = IMAGE
        for _ in range(30):
            await sim.step(obj)
            if not seen or seen[-1] != harness.state_of(obj):
                seen.append(harness.state_of(obj))
            if harness.state_of(obj) == "provisioned":
                break
        assert seen == [
            "registering",
            "inspecting",
            "preparing",
            "available",
            "provisioning",
            "provisioned",
        ]
        assert obj["metadata"]["finalizers"] == [types.FINALIZER]
        assert harness.status(obj, "poweredOn") is True
        history = harness.status(obj, "operationHistory")
        assert set(history) == {"register", "inspect", "provision"}
        assert all(m["start"] and m["end"] for m in history.values())

        obj["spec"]["image"] = dict(IMAGE, url="http://127.0.0.1/other.qcow2")
        await sim.to_state(obj, "deprovisioning")
        await sim.to_state(obj, "provisioned")
        assert obj["status"]["provisioning"]["image"]["url"].endswith("other.qcow2")

    run(go())


def test_no_bmc_is_unmanaged_until_one_is_given(sim: harness.Sim) -> None:
    obj = harness.body()
    del obj["spec"]["bmc"]

    async def go() -> None:
        await sim.to_state(obj, "unmanaged")
        assert harness.status(obj, "operationalStatus") == "discovered"
        await sim.step(obj)
        assert harness.state_of(obj) == "unmanaged"
        obj["spec"]["bmc"] = {"address": "ipmi://127.0.0.1:6230", "credentialsName": "bmc"}
        await sim.to_state(obj, "available")
        assert harness.status(obj, "operationalStatus") == "OK"

    run(go())


def test_externally_provisioned_host_skips_inspection(sim: harness.Sim) -> None:
    obj = harness.body(externallyProvisioned=True)

    async def go() -> None:
        await sim.to_state(obj, "externally provisioned")
        assert harness.status(obj, "hardware") is None
        obj["spec"]["externallyProvisioned"] = False
        await sim.to_state(obj, "available")
        assert harness.status(obj, "hardware") is not None

    run(go())


def test_failed_provisioning_retries_through_deprovisioning_with_growing_count(
    sim: harness.Sim,
) -> None:
    obj = harness.body(image=IMAGE)
    sim.backend.inject("ns/node", fixture.Op.PROVISION, "disk write failed", times=2)

    async def go() -> None:
        await sim.run_until(obj, lambda o: harness.status(o, "errorType") == "provisioning error")
        assert harness.status(obj, "errorMessage") == "disk write failed"
        await sim.run_until(obj, lambda o: harness.status(o, "errorCount") == 2)
        await sim.to_state(obj, "provisioned")
        assert harness.status(obj, "errorCount") == 0
        assert harness.status(obj, "operationalStatus") == "OK"

    run(go())


HOLD = {
    "registering": (fixture.Op.REGISTER, {}),
    "inspecting": (fixture.Op.INSPECT, {}),
    "preparing": (fixture.Op.PREPARE, {}),
    "provisioning": (fixture.Op.PROVISION, {"image": IMAGE}),
    "deprovisioning": (fixture.Op.DEPROVISION, {"image": IMAGE}),
}


@pytest.mark.parametrize(
    "state",
    [
        "unmanaged",
        "registering",
        "inspecting",
        "preparing",
        "available",
        "provisioning",
        "provisioned",
        "deprovisioning",
        "externally provisioned",
    ],
)
def test_deletion_from_every_state_powers_off_and_releases(state: str) -> None:
    now = [0.0]
    backend = fixture.FixtureBackend(clock=lambda: now[0])
    sim = harness.Sim(backend)
    spec: dict[str, Any] = {}
    if state == "externally provisioned":
        spec["externallyProvisioned"] = True
    if state == "provisioned":
        spec["image"] = IMAGE
    if state in HOLD:
        op, extra = HOLD[state]
        spec.update(extra)
        backend.set_delay("ns/node", op, 3600)
    obj = harness.body(**spec)
    if state == "unmanaged":
        del obj["spec"]["bmc"]

    async def go() -> None:
        if state == "deprovisioning":
            backend.set_delay("ns/node", fixture.Op.DEPROVISION, None)
            await sim.to_state(obj, "provisioned")
            backend.set_delay("ns/node", fixture.Op.DEPROVISION, 3600)
            obj["spec"]["image"] = None
        await sim.to_state(obj, state)
        await sim.step(obj)  # start the held operation, if any
        assert harness.state_of(obj) == state
        obj["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
        backend.set_delay("ns/node", fixture.Op.DEPROVISION, None)
        now[0] += 7200  # whatever operation was running finishes
        await sim.run_until(obj, lambda o: bool(o["metadata"].get("gone")))
        machine = backend.machine("ns/node")
        assert machine is None, "the fixture machine is released"

    run(go())
    states = [w.transition[1].value for w in sim.writes if w.transition]
    if state not in {"unmanaged", "registering"}:
        assert "powering off before delete" in states
    assert states[-1] == "deleting"


def test_registration_error_cleared_mid_provisioning_does_not_deprovision() -> None:
    """The Secret vanishes while the image is written and comes back: the guard clears the
    registration error and the handler, seeing the cleared host, carries on provisioning."""
    now = [0.0]
    backend = fixture.FixtureBackend(fixture.Delays(provision=10), clock=lambda: now[0])
    sim = harness.Sim(backend)
    obj = harness.body(image=IMAGE)

    async def go() -> None:
        await sim.to_state(obj, "provisioning")
        await sim.step(obj)  # the deployment runs
        secret, sim.secret = sim.secret, None
        await sim.step(obj)
        assert harness.status(obj, "errorType") == "registration error"
        sim.secret = secret
        await sim.step(obj)
        assert harness.state_of(obj) == "provisioning"
        assert not harness.status(obj, "errorType")
        now[0] += 11
        await sim.to_state(obj, "provisioned")
        assert backend.completed("ns/node", fixture.Op.PROVISION) == 1

    run(go())
    states = [w.transition[1].value for w in sim.writes if w.transition]
    assert "deprovisioning" not in states


@pytest.mark.parametrize(("mode", "cleaned"), [("metadata", True), ("disabled", False)])
def test_automated_cleaning_mode_reaches_the_backend(
    sim: harness.Sim, mode: str, cleaned: bool
) -> None:
    obj = harness.body(image=IMAGE, automatedCleaningMode=mode)

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        obj["spec"]["image"] = None
        await sim.to_state(obj, "available")

    run(go())
    machine = sim.backend.machine("ns/node")
    assert machine is not None and machine.cleanings == [cleaned]


def test_checksum_only_edit_does_not_reprovision(sim: harness.Sim) -> None:
    """Like BMO, only the image URL decides whether the provisioned image is still wanted."""
    obj = harness.body(image=dict(IMAGE))

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        obj["spec"]["image"] = {**IMAGE, "checksum": "b" * 64, "checksumType": "sha256"}
        for _ in range(3):
            await sim.step(obj)
        assert harness.state_of(obj) == "provisioned"
        obj["spec"]["image"] = {**IMAGE, "url": "http://127.0.0.1/other.qcow2"}
        await sim.to_state(obj, "deprovisioning")

    run(go())
    assert sim.backend.completed("ns/node", fixture.Op.PROVISION) == 1


@pytest.mark.parametrize(("spec_mode", "written"), [(None, "UEFI"), ("legacy", "legacy")])
def test_provisioned_boot_mode_is_recorded_and_cleared(
    sim: harness.Sim, spec_mode: str | None, written: str
) -> None:
    obj = harness.body(image=IMAGE)
    if spec_mode:
        obj["spec"]["bootMode"] = spec_mode

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        assert obj["status"]["provisioning"]["bootMode"] == written
        obj["spec"]["image"] = None
        await sim.to_state(obj, "available")
        assert "bootMode" not in obj["status"]["provisioning"]

    run(go())
