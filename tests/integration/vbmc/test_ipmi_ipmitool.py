"""The IPMI BMC driven by real ``ipmitool -I lanplus``: power (on, off, cycle, reset, soft),
boot device, info, credentials.

Each power or boot command is checked against the libvirt domain itself, not only against what
the BMC answers. Power commands are answered at once and carried out right after (as on real
BMCs), so the checks wait, bounded, for the domain to get there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.integration.vbmc import clients
from tests.integration.vbmc.conftest import Bmcs, power_off


def _active(conn: libvirt.virConnect, domain: str) -> bool:
    return bool(conn.lookupByName(domain).isActive())


def _wait_active(conn: libvirt.virConnect, domain: str, want: bool) -> None:
    clients.wait_for(
        lambda: _active(conn, domain), lambda active: active == want, what=f"{domain} on={want}"
    )


def _boot_devs(conn: libvirt.virConnect, domain: str) -> list[str]:
    xml = conn.lookupByName(domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    return [b.get("dev", "") for b in ET.fromstring(xml).findall("./os/boot")]


def test_power_on_status_off(bmcs: Bmcs, libvirt_conn: libvirt.virConnect) -> None:
    domain = bmcs.ipmi.domain
    power_off(libvirt_conn, domain)
    assert clients.ipmitool(bmcs.ipmi, "power", "status").stdout.strip() == "Chassis Power is off"
    on = clients.ipmitool(bmcs.ipmi, "power", "on")
    assert on.returncode == 0, on.stderr
    _wait_active(libvirt_conn, domain, True)
    assert clients.ipmitool(bmcs.ipmi, "power", "status").stdout.strip() == "Chassis Power is on"
    assert "System Power         : on" in clients.ipmitool(bmcs.ipmi, "chassis", "status").stdout
    off = clients.ipmitool(bmcs.ipmi, "power", "off")
    assert off.returncode == 0, off.stderr
    _wait_active(libvirt_conn, domain, False)
    assert clients.ipmitool(bmcs.ipmi, "power", "status").stdout.strip() == "Chassis Power is off"


@pytest.mark.parametrize(("command", "answer"), [("cycle", "Cycle"), ("reset", "Reset")])
def test_power_cycle_and_reset_restart_the_qemu_process(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect, command: str, answer: str
) -> None:
    dom = libvirt_conn.lookupByName(bmcs.ipmi.domain)
    if not dom.isActive():
        dom.create()
    before = dom.ID()
    done = clients.ipmitool(bmcs.ipmi, "power", command)
    assert done.returncode == 0, done.stderr
    assert f"Chassis Power Control: {answer}" in done.stdout
    # A fresh handle each time: a virDomain caches its ID; -1 while the domain is off.
    clients.wait_for(
        lambda: libvirt_conn.lookupByName(bmcs.ipmi.domain).ID(),
        lambda now: now not in (before, -1),
        what=f"the domain to run in a new QEMU process after power {command}",
    )
    power_off(libvirt_conn, bmcs.ipmi.domain)


def test_power_soft_presses_the_acpi_power_button(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect
) -> None:
    """The firmware-only guest here ignores the button, so what is checked is that QEMU got
    it: QEMU reports an ACPI power-button press as its ``POWERDOWN`` event. (tests/e2e has a
    guest that powers off on the button.)"""
    dom = libvirt_conn.lookupByName(bmcs.ipmi.domain)
    if not dom.isActive():
        dom.create()
    with clients.qemu_events(bmcs.ipmi.libvirt_uri, bmcs.ipmi.domain, "POWERDOWN") as seen:
        soft = clients.ipmitool(bmcs.ipmi, "power", "soft")
        assert soft.returncode == 0, soft.stderr
        assert "Chassis Power Control: Soft" in soft.stdout
        clients.wait_for(lambda: list(seen), bool, what="QEMU's POWERDOWN event")
    assert _active(libvirt_conn, bmcs.ipmi.domain), "a soft off leaves it to the guest"
    power_off(libvirt_conn, bmcs.ipmi.domain)


def test_power_cycle_of_a_server_that_is_off_is_refused(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect
) -> None:
    power_off(libvirt_conn, bmcs.ipmi.domain)
    cycle = clients.ipmitool(bmcs.ipmi, "power", "cycle")
    assert cycle.returncode != 0
    assert "not supported in present state" in cycle.stderr
    assert not _active(libvirt_conn, bmcs.ipmi.domain)


def test_bootdev_pxe_persistent_is_written_to_the_domain(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect
) -> None:
    done = clients.ipmitool(bmcs.ipmi, "chassis", "bootdev", "pxe", "options=persistent")
    assert done.returncode == 0, done.stderr
    assert _boot_devs(libvirt_conn, bmcs.ipmi.domain)[0] == "network"
    param = clients.ipmitool(bmcs.ipmi, "chassis", "bootparam", "get", "5").stdout
    assert "Force PXE" in param
    assert "Options apply to all future boots" in param
    disk = clients.ipmitool(bmcs.ipmi, "chassis", "bootdev", "disk", "options=persistent")
    assert disk.returncode == 0, disk.stderr
    assert _boot_devs(libvirt_conn, bmcs.ipmi.domain)[0] == "hd"


def test_one_time_bootdev_reverts_after_the_next_power_on(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect
) -> None:
    power_off(libvirt_conn, bmcs.ipmi.domain)
    clients.ipmitool(bmcs.ipmi, "chassis", "bootdev", "disk", "options=persistent")
    once = clients.ipmitool(bmcs.ipmi, "chassis", "bootdev", "cdrom")
    assert once.returncode == 0, once.stderr
    assert _boot_devs(libvirt_conn, bmcs.ipmi.domain)[0] == "cdrom"
    assert (
        "Force Boot from CD/DVD"
        in clients.ipmitool(bmcs.ipmi, "chassis", "bootparam", "get", "5").stdout
    )
    clients.ipmitool(bmcs.ipmi, "power", "on")
    _wait_active(libvirt_conn, bmcs.ipmi.domain, True)
    dom = libvirt_conn.lookupByName(bmcs.ipmi.domain)
    live = [b.get("dev") for b in ET.fromstring(dom.XMLDesc()).findall("./os/boot")]
    assert live[0] == "cdrom", "the running guest boots the one-time device"
    clients.wait_for(
        lambda: _boot_devs(libvirt_conn, bmcs.ipmi.domain)[0],
        lambda first: first == "hd",
        what="the next boot to be disk again",
    )
    power_off(libvirt_conn, bmcs.ipmi.domain)


def test_efiboot_flag_round_trips(bmcs: Bmcs) -> None:
    done = clients.ipmitool(bmcs.ipmi, "chassis", "bootdev", "pxe", "options=efiboot,persistent")
    assert done.returncode == 0, done.stderr
    param = clients.ipmitool(bmcs.ipmi, "chassis", "bootparam", "get", "5").stdout
    assert "BIOS EFI boot" in param
    assert "Force PXE" in param


def test_mc_info_and_guid(bmcs: Bmcs) -> None:
    info = clients.ipmitool(bmcs.ipmi, "mc", "info")
    assert info.returncode == 0, info.stderr
    assert "IPMI Version              : 2.0" in info.stdout
    guid = clients.ipmitool(bmcs.ipmi, "mc", "guid")
    assert guid.returncode == 0, guid.stderr
    assert bmcs.uuids["ipmi0"].lower() in guid.stdout.lower()


def test_wrong_password_is_refused(bmcs: Bmcs) -> None:
    refused = clients.ipmitool(bmcs.ipmi, "-v", "power", "status", password="not-the-password")
    assert refused.returncode != 0
    # Refused at authentication (RAKP 2's HMAC), not a BMC that does not answer at all ...
    assert "RAKP 2 HMAC is invalid" in refused.stderr, refused.stderr
    assert "Chassis Power" not in refused.stdout
    # ... and the same BMC, asked the same thing with the right password, answers.
    assert "Chassis Power is" in clients.ipmitool(bmcs.ipmi, "power", "status").stdout


def test_unknown_user_is_refused_with_an_answer(bmcs: Bmcs) -> None:
    other = bmcs.ipmi.__class__(**{**bmcs.ipmi.__dict__, "username": "intruder"})
    refused = clients.ipmitool(other, "-v", "power", "status")
    assert refused.returncode != 0
    assert "RAKP 2 message indicates an error : unauthorized name" in refused.stderr
