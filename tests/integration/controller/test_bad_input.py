"""Bad input on the real API server: a clear error on the host, other hosts served, recovery.

Missing Secret, Secret without ``password``, malformed BMC address, bad or missing
``bootMACAddress`` (``registration error``), a Secret or address broken under a provisioned
host (``provisioned registration error``), a checksum that does not fit its ``checksumType``
(``provisioning error``) and the values the CRD schema itself refuses. Each broken host shows
``errorType``/``errorMessage`` and keeps being retried while a healthy host created next to it
still becomes available, then recovers once the input is fixed; a broken host can also be
deleted without being fixed. Bad credentials and unreachable BMCs are covered against real BMCs
in ``test_real_bmcs.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from kubernetes.client import exceptions

from controller.provisioner import fixture
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration

Run = Callable[..., conftest.Controller]
GOOD_ADDRESS = "ipmi://127.0.0.1:6230"
IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "a" * 64, "checksumType": "sha256"}


def fails_while_others_are_served(
    hosts: conftest.Hosts, name: str, error_type: str, expected: str
) -> dict[str, Any]:
    """Host ``name`` shows ``error_type`` with ``expected`` in its message and keeps being
    retried, while a healthy host created after it still becomes available."""
    host = hosts.wait(
        name,
        lambda h: conftest.status_of(h, "errorType") == error_type,
        what=f"failed with {error_type!r}",
    )
    message = conftest.status_of(host, "errorMessage")
    assert expected in message, message
    assert conftest.status_of(host, "operationalStatus") == "error"
    bystander = f"{name}-bystander"
    hosts.create(bystander, secret="bystander-bmc", bootMACAddress="52:54:00:00:00:99")
    hosts.wait_state(bystander, "available")
    retried = hosts.wait(
        name,
        lambda h: (conftest.status_of(h, "errorCount") or 0) >= 2,
        what="retried with backoff",
    )
    assert conftest.status_of(retried, "errorType") == error_type
    assert retried is not None
    return retried


def recovered(hosts: conftest.Hosts, name: str, state: str) -> dict[str, Any]:
    """Host ``name`` reaches ``state`` with its error cleared."""
    host = hosts.wait(
        name,
        lambda h: (
            conftest.status_of(h, "provisioning", "state") == state
            and not conftest.status_of(h, "errorType")
        ),
        what=f"recovered to {state!r}",
    )
    assert host is not None
    assert conftest.status_of(host, "operationalStatus") == "OK"
    assert conftest.status_of(host, "errorMessage") in (None, "")
    return host


def secret_without_password(hosts: conftest.Hosts, name: str) -> None:
    body = {"metadata": {"name": name}, "stringData": {"username": "admin"}}
    try:
        hosts.core.create_namespaced_secret(hosts.namespace, body)
    except exceptions.ApiException as err:
        if err.status != 409:
            raise
        hosts.core.replace_namespaced_secret(name, hosts.namespace, body)


def test_missing_secret_until_it_is_created(run_controller: Run, hosts: conftest.Hosts) -> None:
    run_controller()
    hosts.create("nosecret", secret="absent", with_secret=False)
    fails_while_others_are_served(hosts, "nosecret", "registration error", "does not exist")
    hosts.secret("absent")
    host = recovered(hosts, "nosecret", "available")
    assert host["status"]["goodCredentials"]["credentials"]["name"] == "absent"


def test_secret_without_password_until_it_is_fixed(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller()
    secret_without_password(hosts, "nopass")
    hosts.create("nopass", secret="nopass", with_secret=False)
    fails_while_others_are_served(hosts, "nopass", "registration error", "'password'")
    hosts.secret("nopass")
    recovered(hosts, "nopass", "available")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("idrac://127.0.0.1", "unknown scheme"),
        ("ipmi://127.0.0.1:99999", "bad port"),
        ("ipmi://bad_host", "bad host"),
    ],
    ids=["scheme", "port", "host"],
)
def test_malformed_address_until_it_is_fixed(
    address: str, expected: str, run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller()
    hosts.create("badaddr", address=address)
    fails_while_others_are_served(hosts, "badaddr", "registration error", expected)
    hosts.patch("badaddr", {"spec": {"bmc": {"address": GOOD_ADDRESS}}})
    recovered(hosts, "badaddr", "available")


def test_bad_boot_mac_until_it_is_fixed(run_controller: Run, hosts: conftest.Hosts) -> None:
    run_controller()
    # Passes the CRD's (unanchored, BMO-compatible) pattern; the controller wants a whole MAC.
    hosts.create("badmac", bootMACAddress="zz:52:54:00:00:00:07")
    fails_while_others_are_served(hosts, "badmac", "registration error", "not a MAC")
    hosts.patch("badmac", {"spec": {"bootMACAddress": "52:54:00:00:00:07"}})
    host = recovered(hosts, "badmac", "available")
    assert host["status"]["hardware"]["nics"][0]["mac"] == "52:54:00:00:00:07"


def test_missing_boot_mac_for_network_boot_until_it_is_set(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller()
    hosts.create("nomac", address=GOOD_ADDRESS, bootMACAddress=None)
    fails_while_others_are_served(hosts, "nomac", "registration error", "needs spec.bootMACAddress")
    hosts.patch("nomac", {"spec": {"bootMACAddress": "52:54:00:00:00:08"}})
    recovered(hosts, "nomac", "available")


def test_checksum_that_does_not_fit_its_type_until_fixed(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    controller = run_controller()
    backend = controller.backend
    assert isinstance(backend, fixture.FixtureBackend)
    hosts.create("badsum", image={**IMAGE, "checksumType": "sha512"})
    fails_while_others_are_served(hosts, "badsum", "provisioning error", "sha512")
    key = f"{hosts.namespace}/badsum"
    assert backend.completed(key, fixture.Op.PROVISION) == 0  # nothing was deployed
    hosts.patch("badsum", {"spec": {"image": {"checksumType": "sha256"}}})
    host = recovered(hosts, "badsum", "provisioned")
    assert host["status"]["provisioning"]["image"]["checksumType"] == "sha256"
    assert backend.completed(key, fixture.Op.PROVISION) == 1


@pytest.mark.parametrize("broken", ["secret", "address"])
def test_provisioned_host_with_broken_access_until_fixed(
    broken: str, run_controller: Run, hosts: conftest.Hosts
) -> None:
    controller = run_controller()
    backend = controller.backend
    assert isinstance(backend, fixture.FixtureBackend)
    hosts.create("prov", image=IMAGE)
    hosts.wait_state("prov", "provisioned")
    if broken == "secret":
        secret_without_password(hosts, "bmc")
        expected = "'password'"
    else:
        hosts.patch("prov", {"spec": {"bmc": {"address": "ipmi://127.0.0.1:0"}}})
        expected = "bad port"
    fails_while_others_are_served(hosts, "prov", "provisioned registration error", expected)
    assert hosts.state("prov") == "provisioned"  # broken access never deprovisions a host
    if broken == "secret":
        hosts.secret("bmc")
    else:
        hosts.patch("prov", {"spec": {"bmc": {"address": GOOD_ADDRESS}}})
    recovered(hosts, "prov", "provisioned")
    assert backend.completed(f"{hosts.namespace}/prov", fixture.Op.PROVISION) == 1


def test_broken_host_can_be_deleted_without_being_fixed(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller()
    hosts.create("doomed", secret="absent", with_secret=False, address="idrac://127.0.0.1")
    hosts.wait(
        "doomed",
        lambda h: conftest.status_of(h, "errorType") == "registration error",
        what="failed",
    )
    hosts.delete("doomed")
    hosts.wait_gone("doomed")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"image": {**IMAGE, "checksumType": "sha1"}}, "checksumType"),
        ({"bootMACAddress": "not-a-mac"}, "bootMACAddress"),
    ],
    ids=["checksum-type", "boot-mac"],
)
def test_values_the_schema_refuses_are_rejected_with_the_field_named(
    spec: dict[str, Any], field: str, hosts: conftest.Hosts
) -> None:
    with pytest.raises(exceptions.ApiException) as caught:
        hosts.create("refused", **spec)
    assert caught.value.status == 422
    assert field in str(caught.value.body)
    assert hosts.get("refused") is None
