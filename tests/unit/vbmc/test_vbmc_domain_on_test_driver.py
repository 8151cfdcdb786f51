"""``vbmc.domain.Domain`` on libvirt's in-process ``test:///default`` driver: power transitions,
persistent and one-time boot devices (kept across a BMC restart), and errors that name the
domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from vbmc import domain

URI = "test:///default"


@pytest.fixture
def name() -> Iterator[str]:
    conn = libvirt.open(URI)
    dom_name = f"vbmc-unit-{uuid.uuid4().hex[:8]}"
    conn.defineXML(
        f"<domain type='test'><name>{dom_name}</name><memory>65536</memory>"
        "<os><type>hvm</type><boot dev='hd'/></os></domain>"
    )
    yield dom_name
    dom = conn.lookupByName(dom_name)
    if dom.isActive():
        dom.destroy()
    dom.undefine()
    conn.close()


def test_power_transitions(name: str) -> None:
    chassis = domain.Domain(URI, name)
    assert not chassis.is_on()
    chassis.power_on()
    chassis.power_on()
    assert chassis.is_on()
    chassis.cycle()
    chassis.reset()
    assert chassis.is_on()
    chassis.power_off()
    chassis.power_off()
    assert not chassis.is_on()


@pytest.mark.parametrize("action", ["cycle", "reset"])
def test_restart_of_a_server_that_is_off_is_refused(name: str, action: str) -> None:
    chassis = domain.Domain(URI, name)
    with pytest.raises(domain.PowerStateError):
        getattr(chassis, action)()
    assert not chassis.is_on()


def test_persistent_boot_device(name: str) -> None:
    chassis = domain.Domain(URI, name)
    chassis.set_boot(domain.BootSetting(domain.BootDevice.PXE, persistent=True, efi=True))
    assert chassis.boot() == domain.BootSetting(domain.BootDevice.PXE, persistent=True, efi=True)
    chassis.power_on()
    chassis.power_off()
    assert chassis.boot().device is domain.BootDevice.PXE


def test_one_time_boot_device_reverts_after_power_on(name: str) -> None:
    chassis = domain.Domain(URI, name)
    chassis.set_boot(domain.BootSetting(domain.BootDevice.PXE, persistent=True))
    chassis.set_boot(domain.BootSetting(domain.BootDevice.CDROM, persistent=False))
    chassis.set_boot(domain.BootSetting(domain.BootDevice.DISK, persistent=False))
    assert chassis.boot().device is domain.BootDevice.DISK
    chassis.power_on()
    assert chassis.boot() == domain.BootSetting(domain.BootDevice.PXE, persistent=True)


def test_boot_flags_and_a_pending_revert_survive_a_bmc_restart(name: str, tmp_path: Path) -> None:
    flags = tmp_path / "boot-flags.json"
    before = domain.Domain(URI, name, flags_path=flags)
    before.set_boot(domain.BootSetting(domain.BootDevice.PXE, persistent=True, efi=True))
    before.set_boot(domain.BootSetting(domain.BootDevice.CDROM, persistent=False))
    # A new BMC process: a new Domain reading the same file.
    after = domain.Domain(URI, name, flags_path=flags)
    assert after.boot() == domain.BootSetting(domain.BootDevice.CDROM, persistent=False)
    after.power_on()
    assert after.boot() == domain.BootSetting(domain.BootDevice.PXE, persistent=True, efi=True)
    assert domain.Domain(URI, name, flags_path=flags).boot().efi


def test_an_unreadable_flags_file_falls_back_to_the_defaults(name: str, tmp_path: Path) -> None:
    flags = tmp_path / "boot-flags.json"
    flags.write_text("{not json")
    assert domain.Domain(URI, name, flags_path=flags).boot() == domain.BootSetting(
        domain.BootDevice.DISK
    )


def test_a_missing_domain_is_named(name: str) -> None:
    chassis = domain.Domain(URI, "no-such-domain")
    with pytest.raises(domain.DomainError, match="no-such-domain"):
        chassis.is_on()
