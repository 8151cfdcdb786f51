"""Hosts sharing a machine, and the Secrets the controller watches, on the real API server.

Two BareMetalHosts with the same boot MAC, or the same BMC address: the later-created one is
refused with a ``registration error`` naming the earlier one while the earlier one becomes
available, and registers once the earlier host is deleted. A host's credentials Secret gets
BMO's label ``environment.metal3.io: baremetal`` (the controller's Secret watch selects on
it), and a change of the Secret still reaches the host; a Secret no host uses stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from controller.provisioner import fixture
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
Run = Callable[..., conftest.Controller]


@pytest.mark.parametrize("shared", ["bootMACAddress", "bmc"])
def test_the_later_of_two_hosts_on_one_machine_is_refused(
    shared: str, run_controller: Run, hosts: conftest.Hosts
) -> None:
    run_controller()
    same = "redfish+http://127.0.0.1:8000/redfish/v1/Systems/shared"
    hosts.create("first", address=same, bootMACAddress="52:54:00:00:10:01")
    hosts.wait_state("first", "available")
    if shared == "bmc":
        hosts.create("second", address=same, bootMACAddress="52:54:00:00:10:02")
    else:
        hosts.create("second", bootMACAddress="52:54:00:00:10:01")
    host = hosts.wait(
        "second",
        lambda h: conftest.status_of(h, "errorType") == "registration error",
        what="refused",
    )
    message = conftest.status_of(host, "errorMessage")
    assert f"{hosts.namespace}/first" in message
    assert ("BMC address" if shared == "bmc" else "bootMACAddress") in message
    assert conftest.status_of(host, "provisioning", "state") == "registering"
    assert conftest.status_of(hosts.get("first"), "provisioning", "state") == "available"
    assert not conftest.status_of(hosts.get("first"), "errorType")

    hosts.delete("first")
    hosts.wait_gone("first")
    host = hosts.wait_state("second", "available")
    assert not conftest.status_of(host, "errorType")


def test_host_secrets_are_labelled_and_still_followed(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    backend = fixture.FixtureBackend()
    run_controller(backend=backend)
    hosts.secret("unused")
    hosts.secret("creds", password="old-pw-1")
    backend.expect_password(f"{hosts.namespace}/node", "new-pw-2")
    hosts.create("node", secret="creds", with_secret=False)
    hosts.wait(
        "node",
        lambda h: conftest.status_of(h, "errorType") == "registration error",
        what="refused the old password",
    )
    labels = hosts.core.read_namespaced_secret("creds", hosts.namespace).metadata.labels
    assert labels == {"environment.metal3.io": "baremetal"}
    assert not hosts.core.read_namespaced_secret("unused", hosts.namespace).metadata.labels

    hosts.secret("creds", password="new-pw-2")  # a replace: the label goes, and comes back
    hosts.wait_state("node", "available")
    labels = hosts.core.read_namespaced_secret("creds", hosts.namespace).metadata.labels
    assert labels == {"environment.metal3.io": "baremetal"}
