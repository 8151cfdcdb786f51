"""A fixture host's whole life on the real API server: registration to provisioned and back.

Covers the happy path through every state of the table a host normally visits, the status
fields BMO users read (operationalStatus, poweredOn, hardware, operationHistory, credentials,
conditions), the HardwareData object, Events, and deletion through the finalizer.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.controller import conftest

pytestmark = pytest.mark.integration

IMAGE = {
    "url": "http://127.0.0.1:8080/images/node.qcow2",
    "checksum": "0" * 64,
    "checksumType": "sha256",
    "format": "qcow2",
}


def test_host_goes_from_registration_to_provisioned_and_back(
    run_controller: Callable[..., conftest.Controller], hosts: conftest.Hosts
) -> None:
    run_controller()
    hosts.create("node-0")
    host = hosts.wait_state("node-0", "available")
    status = host["status"]
    assert status["operationalStatus"] == "OK"
    assert status["goodCredentials"]["credentials"]["name"] == "bmc"
    assert status["hardware"]["nics"][0]["mac"] == "52:54:00:00:00:01"
    assert status["operationHistory"]["register"]["end"]
    assert status["operationHistory"]["inspect"]["end"]
    assert types_of(status["conditions"]) == {"Ready": "True", "Provisioned": "False"}
    assert (
        "finalizers" in host["metadata"]
        and "baremetalhost.metal3.io" in host["metadata"]["finalizers"]
    )

    hosts.patch("node-0", {"spec": {"image": IMAGE}})
    host = hosts.wait_state("node-0", "provisioned")
    assert host["status"]["provisioning"]["image"]["url"] == IMAGE["url"]
    assert host["status"]["poweredOn"] is True

    hosts.patch("node-0", {"spec": {"image": None}})
    host = hosts.wait_state("node-0", "available")
    assert "image" not in host["status"]["provisioning"]
    assert {
        "Registering",
        "Inspecting",
        "Preparing",
        "Available",
        "Provisioning",
        "Provisioned",
        "Deprovisioning",
    } <= set(hosts.events("node-0"))

    hosts.delete("node-0")
    hosts.wait_gone("node-0")


def types_of(conditions: list[dict[str, str]]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in conditions}
