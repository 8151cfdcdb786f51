"""IPMI boot-flag bytes ↔ boot settings, and the domain XML's boot order rewrite."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from vbmc import domain
from vbmc.ipmi import bmc

PXE, DISK, CDROM = domain.BootDevice.PXE, domain.BootDevice.DISK, domain.BootDevice.CDROM


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([0x80, 0x04], domain.BootSetting(PXE, persistent=False)),
        ([0xC0, 0x04], domain.BootSetting(PXE, persistent=True)),
        ([0xE0, 0x08], domain.BootSetting(DISK, persistent=True, efi=True)),
        ([0xA0, 0x14], domain.BootSetting(CDROM, persistent=False, efi=True)),
        ([0x80, 0x0C], domain.BootSetting(DISK, persistent=False)),
        ([0x80, 0x00], None),
        ([0x00, 0x04], None),
    ],
)
def test_decode(data: list[int], expected: domain.BootSetting | None) -> None:
    assert bmc.decode_boot_flags(data) == expected


@pytest.mark.parametrize("selector", [6, 15])
def test_devices_a_vm_lacks_are_rejected(selector: int) -> None:
    with pytest.raises(KeyError):
        bmc.decode_boot_flags([0x80, selector << 2])


@pytest.mark.parametrize("device", list(domain.BootDevice))
@pytest.mark.parametrize("persistent", [True, False])
@pytest.mark.parametrize("efi", [True, False])
def test_encode_then_decode(device: domain.BootDevice, persistent: bool, efi: bool) -> None:
    setting = domain.BootSetting(device, persistent=persistent, efi=efi)
    assert bmc.decode_boot_flags(bmc.encode_boot_flags(setting)) == setting


_PER_DEVICE = """<domain><os><type>hvm</type></os><devices>
<disk device='disk'><boot order='2'/></disk>
<interface type='network'><boot order='1'/></interface>
<disk device='cdrom'><boot order='3'/></disk>
</devices></domain>"""


def test_per_device_order_is_read() -> None:
    assert domain.first_boot_device(ET.fromstring(_PER_DEVICE)) is PXE


def test_rewrite_puts_the_device_first_and_drops_per_device_order() -> None:
    tree = ET.fromstring(_PER_DEVICE)
    domain.set_boot_order(tree, CDROM)
    assert [b.get("dev") for b in tree.findall("./os/boot")] == ["cdrom", "hd", "network"]
    assert tree.findall("./devices/*/boot") == []
    assert domain.first_boot_device(tree) is CDROM


def test_no_boot_element_means_disk() -> None:
    assert domain.first_boot_device(ET.fromstring("<domain><os/></domain>")) is DISK
