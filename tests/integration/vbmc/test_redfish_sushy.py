"""The Redfish BMCs driven by the real ``sushy`` client over verified TLS: power, boot override,
virtual media, and per-host credentials on the one shared emulator.

Each action is checked against the libvirt domain. The ISO for virtual media is made by the
test (pycdlib) and served from 127.0.0.1; sushy-tools fetches it and uploads it into the
libvirtd's ``default`` pool.
"""

from __future__ import annotations

import functools
import http.server
import io
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pycdlib
import pytest
import requests
import sushy

from tests.integration.vbmc import clients
from tests.integration.vbmc.conftest import Bmcs, power_off


def _system(bmcs: Bmcs, host: str, *, password: str | None = None) -> object:
    rf = bmcs.redfish[0] if host == "rf0" else bmcs.redfish[1]
    root = sushy.Sushy(
        bmcs.redfish_root(),
        username=rf.username,
        password=rf.password if password is None else password,
        verify=str(bmcs.ca.cert),
    )
    return root.get_system(f"/redfish/v1/Systems/{bmcs.uuids[host]}")


@pytest.fixture(scope="module")
def iso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = Path(tmp_path_factory.mktemp("iso"))
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, joliet=3, vol_ident="VBMCTEST")
    marker = b"metallab vbmc test\n"
    iso.add_fp(io.BytesIO(marker), len(marker), "/MARKER.TXT;1", joliet_path="/marker.txt")
    iso.write(str(directory / "boot.iso"))
    iso.close()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/boot.iso"
    server.shutdown()
    server.server_close()


def test_power_on_and_force_off(bmcs: Bmcs, libvirt_conn: libvirt.virConnect) -> None:
    domain = bmcs.redfish[0].domain
    power_off(libvirt_conn, domain)
    system = _system(bmcs, "rf0")
    assert system.power_state == sushy.PowerState.OFF  # type: ignore[attr-defined]
    system.reset_system(sushy.RESET_ON)  # type: ignore[attr-defined]
    assert libvirt_conn.lookupByName(domain).isActive()
    system.refresh()  # type: ignore[attr-defined]
    assert system.power_state == sushy.PowerState.ON  # type: ignore[attr-defined]
    system.reset_system(sushy.RESET_FORCE_OFF)  # type: ignore[attr-defined]
    clients.wait_for(
        lambda: libvirt_conn.lookupByName(domain).isActive(),
        lambda active: not active,
        what=f"{domain} to power off",
    )


def test_boot_override_is_written_to_the_domain(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect
) -> None:
    domain = bmcs.redfish[0].domain
    system = _system(bmcs, "rf0")
    system.set_system_boot_options(  # type: ignore[attr-defined]
        sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS
    )
    tree = ET.fromstring(libvirt_conn.lookupByName(domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    first = min(
        (int(el.find("boot").get("order", "99")), el.tag)  # type: ignore[union-attr]
        for el in tree.findall("./devices/*")
        if el.find("boot") is not None
    )
    assert first[1] == "interface"
    system.refresh()  # type: ignore[attr-defined]
    assert system.boot.target == sushy.BOOT_SOURCE_TARGET_PXE  # type: ignore[attr-defined]


def test_virtual_media_insert_and_eject(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect, iso_url: str
) -> None:
    domain = bmcs.redfish[1].domain
    power_off(libvirt_conn, domain)
    system = _system(bmcs, "rf1")
    cd = next(
        vm
        for vm in system.virtual_media.get_members()  # type: ignore[attr-defined]
        if "CD" in [str(t) for t in vm.media_types] or "Cd" in vm.identity
    )
    cd.insert_media(iso_url, inserted=True, write_protected=True)
    cd.refresh()
    assert cd.inserted
    assert cd.image == iso_url
    xml = libvirt_conn.lookupByName(domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    cdroms = [d for d in ET.fromstring(xml).findall("./devices/disk") if d.get("device") == "cdrom"]
    sources = [d.find("source").get("file", "") for d in cdroms if d.find("source") is not None]  # type: ignore[union-attr]
    assert any("boot-iso" in s for s in sources), sources
    cd.eject_media()
    cd.refresh()
    assert not cd.inserted


def test_each_host_takes_only_its_own_password(bmcs: Bmcs) -> None:
    rf0, rf1 = bmcs.redfish
    url = f"{bmcs.redfish_root()}/Systems/{bmcs.uuids['rf0']}"
    own = requests.get(url, auth=(rf0.username, rf0.password), verify=str(bmcs.ca.cert), timeout=30)
    assert own.status_code == 200
    other = requests.get(
        url, auth=(rf1.username, rf1.password), verify=str(bmcs.ca.cert), timeout=30
    )
    assert other.status_code == 401
    wrong = requests.get(url, auth=(rf0.username, "nope"), verify=str(bmcs.ca.cert), timeout=30)
    assert wrong.status_code == 401
    with pytest.raises(sushy.exceptions.AccessError):
        _system(bmcs, "rf0", password="nope")


def test_only_the_labs_domains_are_served(bmcs: Bmcs) -> None:
    rf0 = bmcs.redfish[0]
    listed = requests.get(
        f"{bmcs.redfish_root()}/Systems",
        auth=(rf0.username, rf0.password),
        verify=str(bmcs.ca.cert),
        timeout=30,
    )
    assert listed.status_code == 200
    members = {m["@odata.id"].rsplit("/", 1)[1] for m in listed.json()["Members"]}
    assert {bmcs.uuids["rf0"], bmcs.uuids["rf1"]} <= members
    assert bmcs.uuids["ipmi0"] not in members


def test_service_root_is_open_and_tls_is_signed_by_the_lab_ca(bmcs: Bmcs) -> None:
    root = requests.get(bmcs.redfish_root(), verify=str(bmcs.ca.cert), timeout=30)
    assert root.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(bmcs.redfish_root(), verify=True, timeout=30)
