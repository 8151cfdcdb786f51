"""The ``direct`` provisioner against real BMC services on 127.0.0.1, end to end.

sushy-tools' emulator (fake driver, HTTP basic auth, per-test state dir) stands in for a
Redfish BMC and a pyghmi BMC in its own process for an IPMI one. Good credentials register;
wrong ones give ``registration error`` and recover once the Secret is fixed; ``online``
really changes the power the BMC reports; a direct host asked to provision fails with a clear
``provisioning error``. Also measures nothing: latency numbers come from the benchmark.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
import sushy

from controller.bmc import access, credentials, ipmi, redfish
from controller.provisioner import direct
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
SYSTEM, USER, PASSWORD = conftest.SYSTEM, conftest.USER, conftest.PASSWORD


GOOD = credentials.Credentials(USER, PASSWORD)
BAD = credentials.Credentials(USER, "wrong")


def test_redfish_client_power_and_inventory(redfish_bmc: str) -> None:
    client = redfish.RedfishClient(access.parse(redfish_bmc), GOOD, timeout=10)
    details = client.inventory()
    assert details["nics"][0]["mac"] == "52:54:00:12:34:56"
    client.set_boot_device("pxe")
    client.set_power(True)
    deadline = time.monotonic() + 30
    while not client.powered_on():  # the fake driver applies power changes after 1-11 s
        assert time.monotonic() < deadline, "power never came on"
        time.sleep(0.5)
    with pytest.raises(Exception, match="refused the credentials"):
        redfish.RedfishClient(access.parse(redfish_bmc), BAD, timeout=10).powered_on()
    root = sushy.Sushy(access.parse(redfish_bmc).base_url, username=USER, password=PASSWORD)
    assert root.get_system(f"/redfish/v1/Systems/{SYSTEM}").power_state == sushy.POWER_STATE_ON


def test_ipmi_client_logs_in_to_a_pyghmi_bmc(ipmi_bmc: str) -> None:
    client = ipmi.IpmiClient(access.parse(ipmi_bmc), GOOD, timeout=10)
    client.set_power(True)
    assert client.powered_on() is True
    client.set_boot_device("pxe", persistent=True)
    client.set_power(False)
    assert client.powered_on() is False
    with pytest.raises(Exception, match="refused"):
        ipmi.IpmiClient(access.parse(ipmi_bmc), BAD, timeout=10).powered_on()


@pytest.mark.parametrize("bmc", ["redfish", "ipmi"])
def test_direct_hosts_register_recover_and_follow_online(
    bmc: str,
    redfish_bmc: str,
    ipmi_bmc: str,
    run_controller: Callable[..., conftest.Controller],
    hosts: conftest.Hosts,
) -> None:
    address = redfish_bmc if bmc == "redfish" else ipmi_bmc
    run_controller(backend=direct.DirectBackend(timeout=10))
    hosts.secret("creds", username=USER, password="wrong")
    hosts.create(
        "node",
        secret=None,
        address=address,
        online=False,
        bootMACAddress="52:54:00:12:34:56",
    )
    hosts.patch("node", {"spec": {"bmc": {"credentialsName": "creds"}}})
    if bmc == "ipmi":  # inspection of IPMI hosts needs the agent: skip it, as Metal3 allows
        hosts.patch("node", {"metadata": {"annotations": {"inspect.metal3.io": "disabled"}}})
    host = hosts.wait(
        "node",
        lambda h: conftest.status_of(h, "errorType") == "registration error",
        timeout=60,
        what="in registration error",
    )
    assert "refused" in conftest.status_of(host, "errorMessage")

    hosts.secret("creds", username=USER, password=PASSWORD)
    host = hosts.wait_state("node", "available", timeout=90)
    assert conftest.status_of(host, "goodCredentials", "credentials", "name") == "creds"
    if bmc == "redfish":
        assert conftest.status_of(host, "hardware", "nics")[0]["mac"] == "52:54:00:12:34:56"

    hosts.patch("node", {"spec": {"online": True}})
    hosts.wait(
        "node", lambda h: conftest.status_of(h, "poweredOn") is True, timeout=90, what="powered on"
    )
    client: redfish.RedfishClient | ipmi.IpmiClient = (
        redfish.RedfishClient(access.parse(address), GOOD)
        if bmc == "redfish"
        else ipmi.IpmiClient(access.parse(address), GOOD)
    )
    assert client.powered_on() is True
    hosts.patch("node", {"spec": {"online": False}})
    hosts.wait(
        "node",
        lambda h: conftest.status_of(h, "poweredOn") is False,
        timeout=90,
        what="powered off",
    )
    assert client.powered_on() is False

    hosts.patch(
        "node", {"spec": {"image": {"url": "http://127.0.0.1/i.qcow2", "checksum": "c" * 32}}}
    )
    host = hosts.wait(
        "node",
        lambda h: conftest.status_of(h, "errorType") == "provisioning error",
        timeout=60,
        what="failing to provision",
    )
    assert "deploy agent" in conftest.status_of(host, "errorMessage")
    hosts.delete("node")
    hosts.wait_gone("node", timeout=60)
    assert json.dumps(host).count(PASSWORD) == 0
