"""The ``direct`` backend's BMC operations against real BMC services on 127.0.0.1.

Boot device on both kinds (sushy-tools' emulator and a pyghmi BMC in its own process), read
back from the BMC; Redfish virtual media inserted and ejected through sushy (the emulator
downloads the ISO from a loopback HTTP server); deprovisioning without cleaning powering the
host off; an unreachable BMC (nothing listening on the port) giving a clear registration
error and recovering once the address is fixed; a soft power off the host ignores
becoming a hard one; and a BMC that accepts power on but never powers the host on giving a
``power management error`` with an Event, retried with backoff instead of polled for ever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from controller.api import types
from controller.bmc import access, credentials, ipmi, redfish
from controller.hoststate import context as ctx_mod
from controller.provisioner import base, direct
from hostkit import ports
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
Run = Callable[..., conftest.Controller]
GOOD = credentials.Credentials(conftest.USER, conftest.PASSWORD)
POLLS = 60  # of a busy operation, 0.5 s apart at most


def _host(address: str) -> base.HostData:
    return base.HostData(
        key="ns/node",
        uid="uid-ops",
        address=access.parse(address),
        credentials=GOOD,
        boot_mac="52:54:00:12:34:56",
        boot_mode=types.BootMode.UEFI,
        verify_certificates=True,
        provisioning_id="",
    )


def _client(address: str) -> redfish.RedfishClient | ipmi.IpmiClient:
    parsed = access.parse(address)
    if parsed.protocol is access.Protocol.REDFISH:
        return redfish.RedfishClient(parsed, GOOD, timeout=10)
    return ipmi.IpmiClient(parsed, GOOD, timeout=10)


def _address(kind: str, redfish_bmc: str, ipmi_bmc: str) -> str:
    return redfish_bmc if kind == "redfish" else ipmi_bmc


async def _until_done(call: Callable[[], object]) -> base.Result:
    for _ in range(POLLS):
        result = await call()  # type: ignore[misc]
        assert isinstance(result, base.Result)
        if result.status is not base.Status.BUSY:
            return result
        await asyncio.sleep(min(result.retry_after, 0.5))
    raise AssertionError(f"still busy after {POLLS} polls")


@pytest.mark.parametrize("kind", ["redfish", "ipmi"])
def test_boot_device_is_set_on_the_bmc(kind: str, redfish_bmc: str, ipmi_bmc: str) -> None:
    address = _address(kind, redfish_bmc, ipmi_bmc)
    provisioner = direct.DirectBackend(timeout=10).build(_host(address))
    for device in (base.BootDevice.PXE, base.BootDevice.DISK):
        request = base.BootDeviceRequest(device=device, persistent=True)
        result = asyncio.run(provisioner.set_boot_device(request))
        assert result.status is base.Status.DONE, result.message
        assert _client(address).boot_device() == device.value


def test_redfish_virtual_media_insert_and_eject(
    redfish_bmc: str, file_server: tuple[Path, str]
) -> None:
    directory, url = file_server
    (directory / "boot.iso").write_bytes(b"\0" * 4096)
    address = redfish_bmc.replace("redfish+http://", "redfish-virtualmedia+http://")
    provisioner = direct.DirectBackend(timeout=10).build(_host(address))
    client = redfish.RedfishClient(access.parse(address), GOOD, timeout=10)

    result = asyncio.run(provisioner.insert_media(base.InsertMediaRequest(url=f"{url}/boot.iso")))
    assert result.status is base.Status.DONE, result.message
    assert client.media() == f"{url}/boot.iso"
    assert client.boot_device() == "cdrom"
    # Inserting again replaces the image (the drive is ejected first).
    (directory / "other.iso").write_bytes(b"\0" * 4096)
    result = asyncio.run(provisioner.insert_media(base.InsertMediaRequest(url=f"{url}/other.iso")))
    assert result.status is base.Status.DONE, result.message
    assert client.media() == f"{url}/other.iso"

    result = asyncio.run(provisioner.eject_media())
    assert result.status is base.Status.DONE, result.message
    assert client.media() is None


@pytest.mark.parametrize("kind", ["redfish", "ipmi"])
def test_deprovisioning_without_cleaning_powers_the_host_off(
    kind: str, redfish_bmc: str, ipmi_bmc: str
) -> None:
    address = _address(kind, redfish_bmc, ipmi_bmc)
    provisioner = direct.DirectBackend(timeout=10).build(_host(address))
    on = asyncio.run(_until_done(lambda: provisioner.set_power(base.PowerRequest(on=True))))
    assert on.status is base.Status.DONE, on.message
    assert _client(address).powered_on() is True

    request = base.DeprovisionRequest(clean=False)
    result = asyncio.run(_until_done(lambda: provisioner.deprovision(request)))
    assert result.status is base.Status.DONE, result.message
    assert _client(address).powered_on() is False
    refused = asyncio.run(provisioner.deprovision(base.DeprovisionRequest(clean=True)))
    assert refused.status is base.Status.FAILED and "deploy agent" in refused.message


@pytest.mark.parametrize("kind", ["redfish", "ipmi"])
def test_unreachable_bmc_is_a_registration_error_until_the_address_is_fixed(
    kind: str, redfish_bmc: str, ipmi_bmc: str, run_controller: Run, hosts: conftest.Hosts
) -> None:
    good = _address(kind, redfish_bmc, ipmi_bmc)
    if kind == "redfish":  # a TCP port nobody listens on: connection refused
        closed = f"redfish+http://127.0.0.1:{ports.free(socket.SOCK_STREAM)}{access.parse(good).system_path}"
    else:  # a UDP port nobody listens on: no answer at all
        closed = f"ipmi://127.0.0.1:{ports.free(socket.SOCK_DGRAM)}"
    run_controller(backend=direct.DirectBackend(timeout=3))
    hosts.secret("creds", username=conftest.USER, password=conftest.PASSWORD)
    hosts.create(
        "far",
        secret="creds",
        address=closed,
        online=False,
        bootMACAddress="52:54:00:12:34:56",
        annotations={"inspect.metal3.io": "disabled"},
        with_secret=False,
    )
    host = hosts.wait(
        "far",
        lambda h: (conftest.status_of(h, "errorCount") or 0) >= 2,
        timeout=60,
        what="retrying a registration error",
    )
    assert conftest.status_of(host, "errorType") == "registration error"
    message = conftest.status_of(host, "errorMessage")
    assert "did not answer" in message and access.parse(closed).netloc in message
    assert conftest.status_of(host, "provisioning", "state") == "registering"

    hosts.patch("far", {"spec": {"bmc": {"address": good}}})
    host = hosts.wait_state("far", "available", timeout=60)
    assert not conftest.status_of(host, "errorType")
    assert conftest.status_of(host, "errorCount") == 0


def _available_ipmi_host(
    run_controller: Run, hosts: conftest.Hosts, name: str, address: str, timing: ctx_mod.Timing
) -> None:
    """Run a direct controller with ``timing``; create host ``name`` (online, not inspected)
    on the IPMI BMC at ``address`` and wait until it is available."""
    run_controller(backend=direct.DirectBackend(timeout=5), timing=timing)
    hosts.secret("creds", username=conftest.USER, password=conftest.PASSWORD)
    hosts.create(
        name,
        secret="creds",
        address=address,
        online=True,
        bootMACAddress="52:54:00:12:34:56",
        annotations={"inspect.metal3.io": "disabled"},
        with_secret=False,
    )
    hosts.wait_state(name, "available", timeout=60)


def test_ignored_soft_power_off_becomes_hard(run_controller: Run, hosts: conftest.Hosts) -> None:
    timing = dataclasses.replace(conftest.FAST_TIMING, soft_power_off=3.0)
    with conftest.pyghmi_bmc(ignore_soft_off=True) as address:
        _available_ipmi_host(run_controller, hosts, "stuck", address, timing)
        hosts.wait("stuck", lambda h: conftest.status_of(h, "poweredOn") is True, what="on")
        client = _client(address)
        client.set_power(False, hard=False)  # the BMC's "OS" really ignores a soft off
        assert client.powered_on() is True

        hosts.patch("stuck", {"spec": {"online": False}})
        hosts.wait(
            "stuck",
            lambda h: conftest.status_of(h, "poweredOn") is False,
            timeout=60,
            what="powered off (hard, after the soft off was ignored)",
        )
        assert client.powered_on() is False


def test_power_that_never_changes_is_a_power_management_error(
    run_controller: Run, hosts: conftest.Hosts
) -> None:
    timing = dataclasses.replace(conftest.FAST_TIMING, power_change=3.0)
    with conftest.pyghmi_bmc(ignore_power=True) as address:
        _available_ipmi_host(run_controller, hosts, "deaf", address, timing)
        host = hosts.wait(
            "deaf",
            lambda h: conftest.status_of(h, "errorType") == "power management error",
            timeout=60,
            what="in power management error",
        )
        assert "still off after 3s" in conftest.status_of(host, "errorMessage")
        assert conftest.status_of(host, "operationalStatus") == "error"
        assert conftest.status_of(host, "poweredOn") is False
        host = hosts.wait(
            "deaf",
            lambda h: (conftest.status_of(h, "errorCount") or 0) >= 2,
            timeout=60,
            what="retried after backing off",
        )
        assert conftest.status_of(host, "errorType") == "power management error"
        hosts.wait(
            "deaf",
            lambda _: "PowerManagementError" in hosts.events("deaf"),
            timeout=30,
            what="reported by an Event",
        )
        assert _client(address).powered_on() is False
