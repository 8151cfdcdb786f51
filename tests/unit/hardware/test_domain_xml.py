"""The domain XML of one host: emulation type, ACPI, SMBIOS, firmware, disks, NICs, console."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from lab.config import load, model
from lab.hardware import domains

EXAMPLES = Path(__file__).parents[2] / "config-examples"
STATE = Path("/state/labs/x")


def _xml(host: model.Host, accel: model.Acceleration = model.Acceleration.TCG) -> ET.Element:
    return ET.fromstring(domains.xml(host, state=STATE, accel=accel))


def test_tcg_hosts_are_qemu_domains_with_acpi_and_kvm_hosts_kvm_domains() -> None:
    host = load.load(None, name="x").hosts[0]
    assert _xml(host).get("type") == "qemu"
    assert _xml(host, model.Acceleration.KVM).get("type") == "kvm"
    assert _xml(host).find("features/acpi") is not None


def test_smbios_carries_vendor_product_serial() -> None:
    host = load.load(EXAMPLES / "valid-full.yaml", name="x").hosts[0]
    root = _xml(host)
    entries = {e.get("name"): e.text for e in root.findall("sysinfo[@type='smbios']/system/entry")}
    assert entries == {"manufacturer": "Contoso", "product": "R640", "serial": "CZ1234"}
    assert root.find("os/smbios").get("mode") == "sysinfo"  # type: ignore[union-attr]
    assert root.findtext("uuid") == host.uuid


def test_uefi_hosts_use_debian_ovmf_with_their_own_vars() -> None:
    control, worker = load.load(EXAMPLES / "valid-full.yaml", name="x").hosts
    loader = _xml(control).find("os/loader")
    assert loader is not None and loader.text == str(domains.OVMF_CODE)
    nvram = _xml(control).find("os/nvram")
    assert nvram is not None and nvram.text == str(STATE / "nvram" / "control-0_VARS.fd")
    assert _xml(worker).find("os/loader") is None


def test_disks_come_from_the_pool_with_serials_and_rotation() -> None:
    control = load.load(EXAMPLES / "valid-full.yaml", name="x").hosts[0]
    disks = _xml(control).findall("devices/disk")
    assert [d.find("source").get("volume") for d in disks] == [  # type: ignore[union-attr]
        "control-0-disk0.qcow2",
        "control-0-disk1.qcow2",
    ]
    targets = [d.find("target") for d in disks]
    assert [(t.get("dev"), t.get("bus"), t.get("rotation_rate")) for t in targets] == [  # type: ignore[union-attr]
        ("sda", "sata", "1"),
        ("sdb", "scsi", "7200"),
    ]
    assert [d.findtext("serial") for d in disks] == ["SSD-0", "HDD-1"]
    assert _xml(control).find("devices/controller[@model='virtio-scsi']") is not None


def test_nics_sit_on_lab_networks_with_their_macs_and_boot_falls_through_to_pxe() -> None:
    host = load.load(None, name="x").hosts[0]
    root = _xml(host)
    nics = [
        (i.find("source").get("network"), i.find("mac").get("address"))  # type: ignore[union-attr]
        for i in root.findall("devices/interface")
    ]
    assert nics == [(n.network.value, n.mac) for n in host.nics]
    assert [b.get("dev") for b in root.findall("os/boot")] == ["hd", "network"]


def test_the_serial_console_goes_to_a_file_per_host() -> None:
    host = load.load(None, name="x").hosts[1]
    source = _xml(host).find("devices/serial[@type='file']/source")
    assert source is not None
    assert source.get("path") == str(STATE / "consoles" / "node-1.log")
    assert source.get("append") == "on"
