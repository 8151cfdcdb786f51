"""A fake host for agent tests: a directory tree shaped like a ramdisk's /sys, /proc and
/dev — a virtio disk, a SATA disk, an NVMe disk (each a sparse plain file under dev/), a CD
drive and a loop device that are not disks, two NICs and loopback, DMI and CPU facts. Used by
the agent's unit tests and by the agent ↔ conductor integration test."""

from __future__ import annotations

import dataclasses
import os
import pathlib

GIB = 2**30
MACS = ("52:54:00:aa:00:01", "52:54:00:aa:00:02")


@dataclasses.dataclass(frozen=True)
class Disk:
    name: str
    sysfs: str  # path under sys/devices
    size: int
    model: str
    vendor: str = ""
    serial: str = ""
    wwid: str = ""
    rotational: bool = False
    hctl: str = ""


DISKS = (
    Disk("vda", "pci0000:00/0000:00:04.0/virtio2/block/vda", 5 * GIB, "", "0x1af4", "vd-serial"),
    Disk(
        "sda",
        "pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0/block/sda",
        10 * GIB,
        "QEMU HARDDISK",
        "ATA",
        "QM00005",
        "naa.5000c5001234567890abcdef12345678",
        True,
        "2:0:0:0",
    ),
    Disk(
        "nvme0n1",
        "pci0000:00/0000:00:05.0/nvme/nvme0/nvme0n1",
        3 * GIB,
        "QEMU NVMe Ctrl",
        "",
        "nvme-serial",
        "eui.0123456789abcdef",
    ),
)


def _write(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def build(root: pathlib.Path, disks: tuple[Disk, ...] = DISKS) -> pathlib.Path:
    """Create the fake host under ``root`` and return it."""
    for disk in disks:
        node = root / "sys/devices" / disk.sysfs
        _write(node / "size", str(disk.size // 512))
        _write(node / "queue/rotational", "1" if disk.rotational else "0")
        device = node / "device"
        device.mkdir(parents=True)
        for name, value in (("model", disk.model), ("vendor", disk.vendor)):
            if value:
                _write(device / name, value)
        if disk.serial and disk.name == "sda":  # ATA: only in SCSI VPD page 0x80
            raw = disk.serial.encode()
            (device / "vpd_pg80").write_bytes(bytes([0, 0x80, 0, len(raw)]) + raw)
        elif disk.serial:
            _write((device if disk.name != "vda" else node) / "serial", disk.serial)
        if disk.wwid:
            _write((node if disk.name.startswith("nvme") else device) / "wwid", disk.wwid)
        if disk.hctl:
            (device / "scsi_device" / disk.hctl).mkdir(parents=True)
        if disk.name.startswith("nvme"):
            _write(node / "nsid", "1")
        block = root / "sys/block"
        block.mkdir(parents=True, exist_ok=True)
        os.symlink(f"../devices/{disk.sysfs}", block / disk.name)
        dev = root / "dev" / disk.name
        dev.parent.mkdir(parents=True, exist_ok=True)
        with dev.open("wb") as f:
            f.truncate(disk.size)
    _write(root / "sys/class/ata_port/ata3/port_no", "1")
    for other, path in (("sr0", "pci0000:00/0000:00:1f.2/ata1/x/block/sr0"), ("loop0", "")):
        node = root / "sys/devices" / (path or f"virtual/block/{other}")
        (node / "device").mkdir(parents=True)
        _write(node / "size", str(GIB // 512))
        os.symlink(f"../devices/{path or f'virtual/block/{other}'}", root / "sys/block" / other)
    for index, mac in enumerate(MACS):
        nic = root / "sys/class/net" / f"enp{index + 1}s0"
        _write(nic / "address", mac)
        _write(nic / "speed", "1000")
        _write(nic / "carrier", "1")
        _write(nic / "device/vendor", "0x1af4")
        _write(nic / "device/device", "0x1041")
    _write(root / "sys/class/net/lo/address", "00:00:00:00:00:00")
    cpu = "processor\t: {n}\nmodel name\t: QEMU Virtual CPU version 2.5+\ncpu MHz\t\t: 2400.000\n"
    cpu += "flags\t\t: fpu vme sse2 lm\n"
    _write(root / "proc/cpuinfo", "\n".join(cpu.format(n=n) for n in range(2)))
    _write(root / "proc/meminfo", "MemTotal:         250000 kB\nMemFree:  1000 kB")
    _write(root / "proc/sys/kernel/hostname", "node-0")
    dmi = root / "sys/class/dmi/id"
    for name, value in (
        ("sys_vendor", "metallab"),
        ("product_name", "emulated-server"),
        ("product_serial", "ML-0001"),
        ("bios_vendor", "SeaBIOS"),
        ("bios_version", "1.16.2"),
        ("bios_date", "04/01/2014"),
    ):
        _write(dmi / name, value)
    return root
