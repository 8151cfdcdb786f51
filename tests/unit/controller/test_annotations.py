"""The Metal3 annotations, in memory: paused, detached, status, reboot, inspect, hardwaredetails."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from controller.api import types
from controller.provisioner import fixture
from tests.unit.controller import harness

IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "a" * 32, "checksumType": "md5"}


def run(coro: Any) -> None:
    asyncio.run(coro)


def test_paused_host_is_left_untouched(sim: harness.Sim) -> None:
    obj = harness.body()
    obj["metadata"]["annotations"][types.PAUSED_ANNOTATION] = ""

    async def go() -> None:
        write = await sim.step(obj)
        assert write.status is None and not write.add_finalizer and write.requeue_after is None
        del obj["metadata"]["annotations"][types.PAUSED_ANNOTATION]
        await sim.to_state(obj, "available")

    run(go())


def test_status_annotation_restores_a_moved_hosts_status(sim: harness.Sim) -> None:
    source = harness.body(image=IMAGE)

    async def go() -> None:
        await sim.to_state(source, "provisioned")
        moved = harness.body(image=IMAGE)
        moved["metadata"]["annotations"][types.STATUS_ANNOTATION] = json.dumps(source["status"])
        write = await sim.step(moved)
        assert (
            write.status is not None and write.status.state is types.ProvisioningState.PROVISIONED
        )
        assert types.STATUS_ANNOTATION not in moved["metadata"]["annotations"]
        assert harness.status(moved, "hardware") == source["status"]["hardware"]
        # No re-inspection, no re-provisioning: the restored host stays provisioned.
        for _ in range(3):
            await sim.step(moved)
        assert harness.state_of(moved) == "provisioned"

    run(go())


def test_hardware_details_annotation_fills_status_when_inspection_is_disabled(
    sim: harness.Sim,
) -> None:
    obj = harness.body()
    details = {"cpu": {"arch": "aarch64", "count": 8}, "ramMebibytes": 1024}
    obj["metadata"]["annotations"][types.INSPECT_ANNOTATION] = "disabled"
    obj["metadata"]["annotations"][types.HARDWARE_DETAILS_ANNOTATION] = json.dumps(details)

    async def go() -> None:
        await sim.to_state(obj, "available")
        assert harness.status(obj, "hardware") == details
        assert types.HARDWARE_DETAILS_ANNOTATION not in obj["metadata"]["annotations"]
        assert sim.backend.completed("ns/node", fixture.Op.INSPECT) == 0

    run(go())


def test_inspect_annotation_reinspects_an_available_host(sim: harness.Sim) -> None:
    obj = harness.body()

    async def go() -> None:
        await sim.to_state(obj, "available")
        obj["metadata"]["annotations"][types.INSPECT_ANNOTATION] = ""
        await sim.to_state(obj, "inspecting")
        await sim.to_state(obj, "available")
        assert types.INSPECT_ANNOTATION not in obj["metadata"]["annotations"]
        assert sim.backend.completed("ns/node", fixture.Op.INSPECT) == 2

    run(go())


def test_detached_host_is_left_alone_and_reattached(sim: harness.Sim) -> None:
    obj = harness.body(image=IMAGE)

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        obj["metadata"]["annotations"][types.DETACHED_ANNOTATION] = ""
        await sim.step(obj)
        assert harness.status(obj, "operationalStatus") == "detached"
        obj["spec"]["online"] = False  # ignored while detached
        await sim.step(obj)
        assert sim.backend.machine("ns/node").powered_on is True  # type: ignore[union-attr]
        del obj["metadata"]["annotations"][types.DETACHED_ANNOTATION]
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is False)
        assert harness.status(obj, "operationalStatus") == "OK"

    run(go())


def test_deleting_a_detached_host_skips_the_hardware(sim: harness.Sim) -> None:
    obj = harness.body(image=IMAGE)

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        obj["metadata"]["annotations"][types.DETACHED_ANNOTATION] = ""
        await sim.step(obj)
        obj["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
        await sim.run_until(obj, lambda o: bool(o["metadata"].get("gone")))
        assert sim.backend.completed("ns/node", fixture.Op.DEPROVISION) == 0

    run(go())


def test_plain_reboot_annotation_cycles_power_once(sim: harness.Sim) -> None:
    obj = harness.body(image=IMAGE)

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        obj["metadata"]["annotations"][types.REBOOT_ANNOTATION] = ""
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is False)
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is True)
        assert types.REBOOT_ANNOTATION not in obj["metadata"]["annotations"]

    run(go())


def test_keyed_reboot_annotation_holds_power_off_until_removed(sim: harness.Sim) -> None:
    obj = harness.body(image=IMAGE)
    key = f"{types.REBOOT_ANNOTATION}/remediation"

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        obj["metadata"]["annotations"][key] = json.dumps({"mode": "hard"})
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is False)
        for _ in range(3):
            await sim.step(obj)
        assert harness.status(obj, "poweredOn") is False
        assert key in obj["metadata"]["annotations"]
        del obj["metadata"]["annotations"][key]
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is True)

    run(go())


def test_reboot_mode_hard_wins_and_bad_json_means_soft() -> None:
    from controller.api import host as api_host
    from controller.hoststate import power

    obj = harness.body()
    obj["metadata"]["annotations"] = {"reboot.metal3.io/a": "{not json", "reboot.metal3.io/b": ""}
    present, mode, notes = power.reboot_request(api_host.parse(obj))
    assert present and mode is types.RebootMode.SOFT and notes[0].reason == "InvalidAnnotationValue"
    obj["metadata"]["annotations"]["reboot.metal3.io"] = '{"mode": "hard"}'
    assert power.reboot_request(api_host.parse(obj))[1] is types.RebootMode.HARD


def test_online_false_powers_off_an_available_host(sim: harness.Sim) -> None:
    obj = harness.body()

    async def go() -> None:
        await sim.to_state(obj, "available")
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is True)
        obj["spec"]["online"] = False
        await sim.run_until(obj, lambda o: harness.status(o, "poweredOn") is False)
        assert sim.backend.machine("ns/node").powered_on is False  # type: ignore[union-attr]

    run(go())
