"""Deleting a fixture host from every state it can rest in, on the real API server.

Each case holds a host in one state — registering, inspecting, preparing, available,
provisioning, provisioned, deprovisioning, externally provisioned, or an error (registration,
inspection, preparation, provisioning) — with a long fixture delay or injected failures,
then deletes it. The finalizer must hold the object until the host is powered off and the
backend has let it go: the test watches the object and the fixture machine together (a
powered-on host is seen on while the object exists, ``deleting`` only once it is off), and reads
the transitions (``… → powering off before delete → deleting``) reported as Events.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import pytest

from controller.provisioner import fixture
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration

Run = Callable[..., conftest.Controller]
IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "e" * 64, "checksumType": "sha256"}
HOLD = 60.0  # an operation this long keeps the host in its state for the whole test
STEP = 1.0  # power off and delete take this long once deletion starts, so both are seen
OFF_TO_DELETING = "powering off before delete → deleting"


@dataclasses.dataclass(frozen=True)
class Case:
    """How to hold a host in one state, and what deleting it from there must look like."""

    name: str
    state: str  # where the host is when deleted
    error_type: str = ""  # the error it shows there, if any
    delays: fixture.Delays = dataclasses.field(default_factory=fixture.Delays)
    fail: fixture.Op | None = None  # this operation always fails
    spec: dict[str, Any] = dataclasses.field(default_factory=dict)
    powered_on: bool | None = False  # the fixture machine is on when deleted (None: either)
    edges: tuple[str, ...] = ()  # transitions (Event messages) deletion must go through


CASES = [
    Case(
        "registering",
        "registering",
        delays=fixture.Delays(register=HOLD),
        edges=("registering → deleting",),
    ),
    Case(
        "registration-error",
        "registering",
        error_type="registration error",
        fail=fixture.Op.REGISTER,
        edges=("registering → deleting",),
    ),
    Case(
        "inspecting",
        "inspecting",
        delays=fixture.Delays(inspect=HOLD),
        edges=("inspecting → powering off before delete", OFF_TO_DELETING),
    ),
    Case(
        "inspection-error",
        "inspecting",
        error_type="inspection error",
        fail=fixture.Op.INSPECT,
        edges=("inspecting → powering off before delete", OFF_TO_DELETING),
    ),
    Case(
        "preparing",
        "preparing",
        delays=fixture.Delays(prepare=HOLD),
        edges=("preparing → powering off before delete", OFF_TO_DELETING),
    ),
    Case(
        "preparation-error",
        "preparing",
        error_type="preparation error",
        fail=fixture.Op.PREPARE,
        edges=("preparing → powering off before delete", OFF_TO_DELETING),
    ),
    Case(
        "available",
        "available",
        powered_on=True,
        edges=("available → powering off before delete", OFF_TO_DELETING),
    ),
    Case(
        "externally-provisioned",
        "externally provisioned",
        spec={"externallyProvisioned": True},
        powered_on=True,
        edges=("externally provisioned → powering off before delete", OFF_TO_DELETING),
    ),
    Case(
        "provisioning",
        "provisioning",
        delays=fixture.Delays(provision=HOLD),
        spec={"image": IMAGE},
        edges=(
            "provisioning → deprovisioning",
            "deprovisioning → powering off before delete",
            OFF_TO_DELETING,
        ),
    ),
    Case(
        "provisioned",
        "provisioned",
        spec={"image": IMAGE},
        powered_on=True,
        edges=(
            "provisioned → deprovisioning",
            "deprovisioning → powering off before delete",
            OFF_TO_DELETING,
        ),
    ),
    # A failed deployment cycles provisioning → deprovisioning → available → provisioning, so
    # where it is deleted varies; every one of those paths powers off before deleting.
    Case(
        "provisioning-error",
        "",
        error_type="provisioning error",
        fail=fixture.Op.PROVISION,
        spec={"image": IMAGE},
        powered_on=None,
        edges=(OFF_TO_DELETING,),
    ),
]


@dataclasses.dataclass(frozen=True)
class Seen:
    """One look at the object and the fixture machine behind it."""

    state: str | None  # None: the object is gone
    deleting: bool  # deletionTimestamp set
    finalized: bool  # our finalizer present
    powered_on: bool
    released: bool  # the backend no longer holds the machine (delete finished)


def watch_deletion(
    hosts: conftest.Hosts,
    backend: fixture.FixtureBackend,
    machine: fixture.Machine,
    name: str,
    *,
    timeout: float = 30.0,
) -> list[Seen]:
    """Delete ``name`` and record what the object and its machine look like until it is gone."""
    hosts.delete(name)
    seen: list[Seen] = []
    deadline = time.monotonic() + timeout
    while not seen or seen[-1].state is not None:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: not deleted within {timeout}s; last seen {seen[-1:]}")
        host = hosts.get(name)
        meta = (host or {}).get("metadata") or {}
        seen.append(
            Seen(
                state=None if host is None else conftest.status_of(host, "provisioning", "state"),
                deleting=bool(meta.get("deletionTimestamp")),
                finalized="baremetalhost.metal3.io" in (meta.get("finalizers") or []),
                powered_on=machine.powered_on,
                released=machine.uid not in backend.machines,
            )
        )
        if host is not None:
            time.sleep(0.1)
    return seen


def transitions(hosts: conftest.Hosts, name: str, wanted: tuple[str, ...]) -> list[str]:
    """The host's transition Event messages, once all of ``wanted`` arrived (bounded wait)."""
    deadline = time.monotonic() + 10.0
    while True:
        items = hosts.core.list_namespaced_event(
            hosts.namespace, field_selector=f"involvedObject.name={name}"
        ).items
        messages = [e.message for e in items if "→" in (e.message or "")]
        if set(wanted) <= set(messages) or time.monotonic() > deadline:
            return messages
        time.sleep(0.2)


def hold(hosts: conftest.Hosts, case: Case, name: str) -> None:
    """Wait until host ``name`` rests in the case's state (and shows its error)."""

    def there(host: dict[str, Any] | None) -> bool:
        state = conftest.status_of(host, "provisioning", "state")
        error = conftest.status_of(host, "errorType") or ""
        return (not case.state or state == case.state) and error == case.error_type

    hosts.wait(name, there, what=f"in {case.state or 'any state'} with {case.error_type!r}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_deleted_host_is_powered_off_then_released(
    case: Case, run_controller: Run, hosts: conftest.Hosts
) -> None:
    name = f"del-{case.name}"
    key = f"{hosts.namespace}/{name}"
    backend = fixture.FixtureBackend(case.delays)
    if case.fail is not None:
        backend.inject(key, case.fail, f"fixture: {case.fail.value} failed", times=10_000)
    run_controller(backend=backend)
    hosts.create(name, **case.spec)
    hold(hosts, case, name)
    machine = backend.machine(key)
    assert machine is not None
    assert case.powered_on is None or machine.powered_on is case.powered_on
    # A provisioned host powers off at the end of deprovisioning: give every step that ends
    # with the machine off a duration, so a loaded machine cannot skip past "still on".
    for op in (fixture.Op.POWER, fixture.Op.DEPROVISION, fixture.Op.DELETE):
        backend.set_delay(key, op, STEP)
    machine_was_on = machine.powered_on

    seen = watch_deletion(hosts, backend, machine, name)

    present, gone = seen[:-1], seen[-1]
    assert present, "the object vanished before the controller could power the host off"
    assert all(s.deleting and s.finalized for s in present)  # the finalizer held it
    deleting = [s for s in present if s.state == "deleting"]
    assert deleting, f"never saw 'deleting' while the object existed: {present}"
    assert not any(s.powered_on for s in deleting)  # powered off before the backend delete
    if machine_was_on:  # the object was held while the host was still on
        assert any(s.powered_on for s in present), present
    assert not gone.powered_on and gone.released
    assert not any(s.released for s in present if s.state != "deleting")
    messages = transitions(hosts, name, case.edges)
    assert set(case.edges) <= set(messages), messages


def test_deletion_during_deprovisioning_finishes_it_then_powers_off(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    backend = fixture.FixtureBackend()
    key = f"{hosts.namespace}/deprov"
    run_controller(backend=backend)
    hosts.create("deprov", image=IMAGE)
    hosts.wait_state("deprov", "provisioned")
    machine = backend.machine(key)
    assert machine is not None and machine.powered_on
    backend.set_delay(key, fixture.Op.DEPROVISION, 5.0)
    backend.set_delay(key, fixture.Op.DELETE, STEP)
    hosts.patch("deprov", {"spec": {"image": None}})
    hosts.wait_state("deprov", "deprovisioning", timeout=4.0)

    seen = watch_deletion(hosts, backend, machine, "deprov")

    assert seen[0].state == "deprovisioning" and seen[0].powered_on
    assert any(s.state == "deleting" and not s.powered_on for s in seen[:-1])
    assert not seen[-1].powered_on and seen[-1].released
    assert machine.completed[fixture.Op.DEPROVISION] == 1  # finished once, not restarted
    wanted = ("deprovisioning → powering off before delete", OFF_TO_DELETING)
    messages = transitions(hosts, "deprov", wanted)
    assert set(wanted) <= set(messages), messages
    assert "deprovisioning → available" not in messages


def test_host_without_a_bmc_is_deleted_from_unmanaged(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller()
    hosts.create("nobmc", secret=None)
    host = hosts.wait_state("nobmc", "unmanaged")
    assert "baremetalhost.metal3.io" in host["metadata"]["finalizers"]
    assert conftest.status_of(host, "operationalStatus") == "discovered"
    hosts.delete("nobmc")
    hosts.wait_gone("nobmc")
    messages = transitions(hosts, "nobmc", ("unmanaged → deleting",))
    assert "unmanaged → deleting" in messages


def test_host_deleted_before_its_first_reconcile_is_released_from_none(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    """A host that arrives already carrying our finalizer (moved from another cluster, say)
    and is deleted before the controller ever looked at it: state none → deleting → gone."""
    hosts.create("early", secret=None)
    hosts.patch("early", {"metadata": {"finalizers": ["baremetalhost.metal3.io"]}})
    hosts.delete("early")
    host = hosts.get("early")
    assert host is not None and host["metadata"].get("deletionTimestamp")
    assert conftest.status_of(host, "provisioning", "state") is None  # state none
    run_controller()
    hosts.wait_gone("early")
    messages = transitions(hosts, "early", ("new → deleting",))
    assert "new → deleting" in messages
