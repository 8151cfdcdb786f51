"""The inventory read from a fake sysfs/procfs/DMI tree: disks (and what is not a disk),
by-path names derived without udev, WWNs, HCTL, NICs, CPU, memory, system vendor."""

from __future__ import annotations

import pathlib

from agent import inventory
from tests import fakehost


def collect(host: pathlib.Path) -> inventory.Json:
    return inventory.collect(host, ip_of=lambda name: "192.168.222.10" if name == "enp1s0" else "")


def test_disks_are_found_and_cd_and_loop_are_not(host: pathlib.Path) -> None:
    names = [d["name"] for d in collect(host)["disks"]]
    assert names == ["/dev/nvme0n1", "/dev/sda", "/dev/vda"]


def test_sata_disk_has_every_field(host: pathlib.Path) -> None:
    sda = next(d for d in collect(host)["disks"] if d["name"] == "/dev/sda")
    assert sda == {
        "name": "/dev/sda",
        "model": "QEMU HARDDISK",
        "vendor": "ATA",
        "size": 10 * fakehost.GIB,
        "rotational": True,
        "serial": "QM00005",
        "wwn": "0x5000c50012345678",
        "wwn_with_extension": "0x5000c5001234567890abcdef12345678",
        "wwn_vendor_extension": "0x90abcdef12345678",
        "hctl": "2:0:0:0",
        "by_path": "/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
        "type": "HDD",
    }


def test_virtio_and_nvme_paths_types_and_serials(host: pathlib.Path) -> None:
    disks = {d["name"]: d for d in collect(host)["disks"]}
    assert disks["/dev/vda"]["by_path"] == "/dev/disk/by-path/pci-0000:00:04.0"
    assert disks["/dev/vda"]["serial"] == "vd-serial"
    assert disks["/dev/vda"]["type"] == "SSD"
    assert disks["/dev/nvme0n1"]["by_path"] == "/dev/disk/by-path/pci-0000:00:05.0-nvme-1"
    assert disks["/dev/nvme0n1"]["type"] == "NVME"
    assert disks["/dev/nvme0n1"]["wwn"] == "eui.0123456789abcdef"


def test_udev_by_path_links_win_when_present(host: pathlib.Path) -> None:
    links = host / "dev/disk/by-path"
    links.mkdir(parents=True)
    (links / "pci-0000:00:04.0-virtio").symlink_to("../../vda")
    (links / "pci-0000:00:04.0-virtio-part1").symlink_to("../../vda1")
    vda = next(d for d in collect(host)["disks"] if d["name"] == "/dev/vda")
    assert vda["by_path"] == "/dev/disk/by-path/pci-0000:00:04.0-virtio"


def test_nics_skip_loopback_and_carry_ip(host: pathlib.Path) -> None:
    nics = collect(host)["interfaces"]
    assert [n["mac_address"] for n in nics] == list(fakehost.MACS)
    assert nics[0]["ipv4_address"] == "192.168.222.10"
    assert nics[1]["ipv4_address"] == ""
    assert nics[0]["speed_mbps"] == 1000
    assert (nics[0]["vendor"], nics[0]["product"]) == ("0x1af4", "0x1041")


def test_cpu_memory_system(host: pathlib.Path) -> None:
    facts = collect(host)
    assert facts["cpu"]["count"] == 2
    assert facts["cpu"]["model_name"] == "QEMU Virtual CPU version 2.5+"
    assert facts["cpu"]["frequency"] == "2400"
    assert facts["cpu"]["flags"] == ["fpu", "vme", "sse2", "lm"]
    assert facts["memory"] == {"total": 250000 * 1024, "physical_mb": 245}
    assert facts["system_vendor"]["serial_number"] == "ML-0001"
    assert facts["system_vendor"]["firmware"]["version"] == "1.16.2"
    assert facts["hostname"] == "node-0"
    assert facts["boot"] == {"current_boot_mode": "bios"}


def test_empty_tree_gives_an_empty_inventory(tmp_path: pathlib.Path) -> None:
    facts = inventory.collect(tmp_path, ip_of=lambda name: "")
    assert facts["disks"] == [] and facts["interfaces"] == []
    assert facts["cpu"]["count"] == 0


def test_unset_kernel_hostname_is_empty(host: pathlib.Path) -> None:
    (host / "proc/sys/kernel/hostname").write_text("(none)\n")
    assert collect(host)["hostname"] == ""
