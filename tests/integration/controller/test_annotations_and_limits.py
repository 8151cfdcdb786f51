"""Annotations, the provisioning limit and restarts, on the real API server with fixture hosts.

paused (no writes), detached (left alone, deleted without touching hardware), status
(restored after a move), reboot (plain: once; keyed: held off; soft unless ``{"mode":
"hard"}``), inspect (re-inspection), the limit parking hosts as ``delayed``, a Secret change
waking a failed host, and a controller killed mid-operation — while the operation runs, or
after it finished but before the news was written — whose successor neither starts nor
finishes that operation again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from controller.provisioner import fixture
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "d" * 32, "checksumType": "md5"}
Run = Callable[..., conftest.Controller]


def test_paused_host_is_not_touched_until_unpaused(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller()
    hosts.create("p0", image=IMAGE, annotations={"baremetalhost.metal3.io/paused": ""})
    time.sleep(3)
    host = hosts.get("p0")
    assert host is not None and "status" not in host
    assert "finalizers" not in host["metadata"]
    hosts.patch("p0", {"metadata": {"annotations": {"baremetalhost.metal3.io/paused": None}}})
    hosts.wait_state("p0", "provisioned")


def test_detached_host_is_deleted_without_touching_the_hardware(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    controller = run_controller()
    backend = controller.backend
    assert isinstance(backend, fixture.FixtureBackend)
    hosts.create("src", image=IMAGE)
    hosts.wait_state("src", "provisioned")

    hosts.patch("src", {"metadata": {"annotations": {"baremetalhost.metal3.io/detached": ""}}})
    hosts.wait(
        "src", lambda h: conftest.status_of(h, "operationalStatus") == "detached", what="detached"
    )
    hosts.delete("src")
    hosts.wait_gone("src")
    assert backend.completed(f"{hosts.namespace}/src", fixture.Op.DEPROVISION) == 0


def test_status_annotation_on_a_new_host(run_controller: Run, hosts: conftest.Hosts) -> None:
    run_controller()
    hosts.create("a", image=IMAGE)
    status = hosts.wait_state("a", "provisioned")["status"]
    body = {
        "apiVersion": "metal3.io/v1alpha1",
        "kind": "BareMetalHost",
        "metadata": {
            "name": "b",
            "annotations": {"baremetalhost.metal3.io/status": json.dumps(status)},
        },
        "spec": {
            "online": True,
            "image": IMAGE,
            "bootMACAddress": "52:54:00:00:00:02",
            "bmc": {"address": "ipmi://127.0.0.1:6230", "credentialsName": "bmc"},
        },
    }
    hosts.custom.create_namespaced_custom_object(
        "metal3.io", "v1alpha1", hosts.namespace, "baremetalhosts", body
    )
    restored = hosts.wait_state("b", "provisioned")
    assert "baremetalhost.metal3.io/status" not in restored["metadata"].get("annotations", {})
    assert (
        conftest.status_of(restored, "operationHistory", "provision", "start")
        == status["operationHistory"]["provision"]["start"]
    )


def test_reboot_and_inspect_annotations(run_controller: Run, hosts: conftest.Hosts) -> None:
    controller = run_controller()
    backend = controller.backend
    assert isinstance(backend, fixture.FixtureBackend)
    key = f"{hosts.namespace}/r0"
    hosts.create("r0", image=IMAGE)
    hosts.wait_state("r0", "provisioned")
    hosts.wait("r0", lambda h: conftest.status_of(h, "poweredOn") is True, what="on")

    hosts.patch("r0", {"metadata": {"annotations": {"reboot.metal3.io/fence": '{"mode": "hard"}'}}})
    hosts.wait("r0", lambda h: conftest.status_of(h, "poweredOn") is False, what="off")
    time.sleep(2)
    assert conftest.status_of(hosts.get("r0"), "poweredOn") is False
    hosts.patch("r0", {"metadata": {"annotations": {"reboot.metal3.io/fence": None}}})
    hosts.wait("r0", lambda h: conftest.status_of(h, "poweredOn") is True, what="on again")

    hosts.patch("r0", {"metadata": {"annotations": {"reboot.metal3.io": ""}}})
    hosts.wait(
        "r0",
        lambda h: (
            "reboot.metal3.io" not in (h or {})["metadata"].get("annotations", {})
            and conftest.status_of(h, "poweredOn") is True
        ),
        what="rebooted once",
    )
    assert backend.completed(key, fixture.Op.POWER) >= 4

    hosts.patch("r0", {"spec": {"image": None}})
    hosts.wait_state("r0", "available")
    hosts.patch("r0", {"metadata": {"annotations": {"inspect.metal3.io": ""}}})
    hosts.wait(
        "r0",
        lambda h: (
            backend.completed(key, fixture.Op.INSPECT) == 2
            and conftest.status_of(h, "provisioning", "state") == "available"
        ),
        what="re-inspected",
    )


def test_provisioning_limit_parks_hosts_as_delayed(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller(limit=2, delays=fixture.Delays(inspect=3))
    for i in range(5):
        hosts.create(f"l{i}")
    deadline = time.monotonic() + 20
    seen_delayed = False
    while time.monotonic() < deadline and not seen_delayed:
        statuses = [hosts.get(f"l{i}") for i in range(5)]
        inspecting = sum(
            conftest.status_of(h, "provisioning", "state") == "inspecting" for h in statuses
        )
        assert inspecting <= 2
        seen_delayed = any(
            conftest.status_of(h, "operationalStatus") == "delayed" for h in statuses
        )
        time.sleep(0.2)
    assert seen_delayed
    for i in range(5):
        hosts.wait_state(f"l{i}", "available", timeout=60)


def test_fixed_secret_wakes_a_failed_host(run_controller: Run, hosts: conftest.Hosts) -> None:
    controller = run_controller()
    backend = controller.backend
    assert isinstance(backend, fixture.FixtureBackend)
    backend.expect_password(f"{hosts.namespace}/s0", "right")
    hosts.create("s0")
    hosts.wait(
        "s0", lambda h: conftest.status_of(h, "errorType") == "registration error", what="failing"
    )
    hosts.secret("bmc", password="right")
    host = hosts.wait_state("s0", "available")
    assert conftest.status_of(host, "errorCount") == 0
    assert "RegistrationError" in hosts.events("s0") and "BMCAccessValidated" in hosts.events("s0")


def test_controller_killed_mid_operation_is_succeeded_without_repeating_it(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    controller = run_controller(delays=fixture.Delays(inspect=4))
    backend = controller.backend
    assert isinstance(backend, fixture.FixtureBackend)
    key = f"{hosts.namespace}/k0"
    hosts.create("k0")
    hosts.wait_state("k0", "inspecting")
    hosts.wait("k0", lambda _: backend.started(key, fixture.Op.INSPECT) == 1, what="inspecting")
    controller.kill()  # mid-inspection
    time.sleep(5)  # the "hardware" finishes meanwhile
    controller.start()
    hosts.wait_state("k0", "available")
    assert backend.started(key, fixture.Op.INSPECT) == 1
    assert backend.completed(key, fixture.Op.INSPECT) == 1
    assert backend.completed(key, fixture.Op.REGISTER) == 1


@pytest.mark.parametrize("op", [fixture.Op.INSPECT, fixture.Op.PROVISION])
def test_controller_killed_before_writing_a_finished_step_does_not_repeat_it(
    op: fixture.Op, run_controller: Run, hosts: conftest.Hosts
) -> None:
    """The operation finished in the hardware, the controller dies before writing so: the
    host still shows the old state, and the successor must learn it is done, not redo it."""
    backend = fixture.FixtureBackend()
    key = f"{hosts.namespace}/k1"
    gate = backend.hold_after(key, op)
    controller = run_controller(backend=backend)
    hosts.create("k1", image=IMAGE)
    assert gate.reached.wait(30), f"{op.value} never finished"
    state = "inspecting" if op is fixture.Op.INSPECT else "provisioning"
    assert hosts.state("k1") == state
    controller.kill()  # the news is lost with it
    gate.released.set()
    assert hosts.state("k1") == state and backend.completed(key, op) == 1
    controller.start()
    hosts.wait_state("k1", "provisioned")
    assert backend.started(key, op) == 1
    assert backend.completed(key, op) == 1


@pytest.mark.parametrize(("value", "mode"), [("", "soft"), ('{"mode": "hard"}', "hard")])
def test_reboot_annotation_powers_off_in_the_mode_asked(
    value: str, mode: str, run_controller: Run, hosts: conftest.Hosts
) -> None:
    controller = run_controller()
    backend = controller.backend
    assert isinstance(backend, fixture.FixtureBackend)
    hosts.create("rm", image=IMAGE)
    hosts.wait_state("rm", "provisioned")
    hosts.wait("rm", lambda h: conftest.status_of(h, "poweredOn") is True, what="on")
    machine = backend.machine(f"{hosts.namespace}/rm")
    assert machine is not None
    before = len(machine.power_commands)
    hosts.patch("rm", {"metadata": {"annotations": {"reboot.metal3.io": value}}})
    hosts.wait(
        "rm",
        lambda h: (
            "reboot.metal3.io" not in (h or {})["metadata"].get("annotations", {})
            and conftest.status_of(h, "poweredOn") is True
        ),
        what="rebooted",
    )
    assert [(on, m.value) for on, m in machine.power_commands[before:]] == [
        (False, mode),
        (True, "hard"),
    ]
