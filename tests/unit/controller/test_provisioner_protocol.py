"""The provisioner protocol's shape and the ``direct`` backend's refusals that need no BMC:
requests take keyword arguments only; both backends implement every call; ``direct`` refuses
to pretend it cleaned disks (no deploy agent yet) and to use virtual media over an address
without it — each with a message saying what to change."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect

import pytest

from controller.api import types
from controller.bmc import access, credentials
from controller.provisioner import base, direct, fixture

REQUESTS = [
    base.RegisterRequest,
    base.InspectRequest,
    base.PrepareRequest,
    base.ProvisionRequest,
    base.DeprovisionRequest,
    base.PowerRequest,
    base.BootDeviceRequest,
    base.InsertMediaRequest,
]


@pytest.mark.parametrize("request_type", REQUESTS, ids=lambda t: t.__name__)
def test_requests_are_keyword_only(request_type: type) -> None:
    assert all(f.kw_only for f in dataclasses.fields(request_type))
    with pytest.raises(TypeError):
        request_type("positional")


def _calls(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, inspect.iscoroutinefunction)}


def test_both_backends_implement_the_whole_protocol() -> None:
    wanted = {name for name in vars(base.Provisioner) if not name.startswith("_")}
    host = _host("redfish+http://127.0.0.1:1/redfish/v1/Systems/1")
    for provisioner in (fixture.FixtureBackend().build(host), direct.DirectBackend().build(host)):
        assert wanted <= _calls(type(provisioner)), type(provisioner).__name__


def _host(address: str) -> base.HostData:
    return base.HostData(
        key="ns/node",
        uid="uid-1",
        address=access.parse(address),
        credentials=credentials.Credentials("admin", "pw"),
        boot_mac="52:54:00:00:00:01",
        boot_mode=types.BootMode.UEFI,
        verify_certificates=True,
        provisioning_id="",
    )


def test_direct_refuses_automated_cleaning_without_the_agent() -> None:
    provisioner = direct.DirectBackend(timeout=1).build(
        _host("redfish+http://127.0.0.1:1/redfish/v1/Systems/1")
    )
    result = asyncio.run(provisioner.deprovision(base.DeprovisionRequest(clean=True)))
    assert result.status is base.Status.FAILED
    assert "deploy agent" in result.message and "automatedCleaningMode: disabled" in result.message


def test_direct_has_nothing_to_clean_after_its_own_refused_deployment() -> None:
    provisioner = direct.DirectBackend(timeout=1).build(
        _host("redfish+http://127.0.0.1:1/redfish/v1/Systems/1")
    )
    request = base.DeprovisionRequest(clean=True, deployed=False)
    result = asyncio.run(provisioner.deprovision(request))
    # It goes on to power the host off (here: a BMC that does not answer), not to refuse cleaning.
    assert result.status is base.Status.FAILED
    assert "deploy agent" not in result.message


@pytest.mark.parametrize(
    "address", ["ipmi://127.0.0.1:1", "redfish+http://127.0.0.1:1/redfish/v1/Systems/1"]
)
def test_direct_virtual_media_needs_a_virtual_media_address(address: str) -> None:
    provisioner = direct.DirectBackend(timeout=1).build(_host(address))
    for call in (
        provisioner.insert_media(base.InsertMediaRequest(url="http://127.0.0.1/x.iso")),
        provisioner.eject_media(),
    ):
        result = asyncio.run(call)
        assert result.status is base.Status.FAILED
        assert "redfish-virtualmedia://" in result.message
