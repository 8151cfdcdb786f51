"""The host's inventory, read from sysfs, procfs and DMI under a root directory (``/`` in the
ramdisk, a fake tree in tests), in ironic-python-agent's inventory shape: ``cpu``,
``memory``, ``interfaces``, ``disks``, ``system_vendor``, ``boot``, ``hostname``.

The ramdisk has no udev, so the ``by-path`` names are derived from each device's sysfs path
the way udev's ``path_id`` does (``pci-0000:00:04.0``, ``…-ata-1``, ``…-scsi-0:0:0:0``,
``…-nvme-1``), unless ``/dev/disk/by-path`` exists. Called by ``client`` (first heartbeat),
``orders`` (root-disk choice, cleaning).
"""

from __future__ import annotations

import fcntl
import os
import pathlib
import platform
import re
import socket
import struct
from collections.abc import Callable
from typing import Any

Json = dict[str, Any]
IpOf = Callable[[str], str]

# Block devices that are never disks a host could boot from.
_NOT_DISKS = re.compile(r"^(loop|ram|zram|dm-|md|sr|fd|nbd)")
_PCI = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$")
_HCTL = re.compile(r"^\d+:\d+:\d+:\d+$")
_SIOCGIFADDR = 0x8915


def _read(path: pathlib.Path, default: str = "") -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return default


def _int(text: str, default: int = 0) -> int:
    try:
        return int(text, 0) if text.startswith("0x") else int(text)
    except ValueError:
        return default


def kernel_ip(name: str) -> str:
    """The interface's IPv4 address from the kernel (empty when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(
                sock.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15])
            )
        except OSError:
            return ""
    return socket.inet_ntoa(packed[20:24])


def cpu(root: pathlib.Path) -> Json:
    text = _read(root / "proc/cpuinfo")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    first: dict[str, str] = {}
    for line in blocks[0].splitlines() if blocks else []:
        key, _, value = line.partition(":")
        first.setdefault(key.strip(), value.strip())
    mhz = first.get("cpu MHz", "0")
    max_khz = _read(root / "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    clock = int(_int(max_khz) / 1000) if max_khz else int(float(mhz or 0))
    return {
        "model_name": first.get("model name", ""),
        "frequency": str(clock),
        "count": len(blocks),
        "architecture": platform.machine(),
        "flags": first.get("flags", "").split(),
    }


def memory(root: pathlib.Path) -> Json:
    total_kib = 0
    for line in _read(root / "proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            total_kib = _int(line.split()[1])
    # Physical memory: the sum of the memory blocks the kernel knows (meminfo's total lacks
    # what the kernel reserved); fall back to the total rounded up to a MiB.
    blocks = root / "sys/devices/system/memory"
    size = _int("0x" + _read(blocks / "block_size_bytes", "0")) if blocks.is_dir() else 0
    online = sum(1 for b in (blocks.glob("memory*") if size else ()) if _read(b / "online") == "1")
    physical_mb = (online * size) // 2**20 if online else -(-total_kib // 1024)
    return {"total": total_kib * 1024, "physical_mb": physical_mb}


def interfaces(root: pathlib.Path, ip_of: IpOf) -> list[Json]:
    out = []
    net = root / "sys/class/net"
    for path in sorted(net.iterdir()) if net.is_dir() else []:
        if not (path / "device").exists():
            continue  # lo, bridges, tunnels: not a physical NIC
        dev = path / "device"
        speed = _int(_read(path / "speed", "0"))
        out.append(
            {
                "name": path.name,
                "mac_address": _read(path / "address").lower(),
                "ipv4_address": ip_of(path.name),
                "has_carrier": _read(path / "carrier") == "1",
                "vendor": _read(dev / "vendor"),
                "product": _read(dev / "device"),
                "speed_mbps": max(speed, 0),
                "driver": _link_name(dev / "driver"),
            }
        )
    return out


def _link_name(path: pathlib.Path) -> str:
    try:
        return os.path.basename(os.readlink(path))
    except OSError:
        return ""


def _sys_path(root: pathlib.Path, name: str) -> list[str]:
    """The components of the disk's device path under /sys/devices."""
    link = root / "sys/block" / name
    try:
        target = os.readlink(link)
    except OSError:
        return []
    return [p for p in target.split("/") if p not in ("", "..", ".")]


def by_path(root: pathlib.Path, name: str, hctl: str) -> str:
    """The disk's ``/dev/disk/by-path`` name, from udev when present, else from sysfs."""
    links = root / "dev/disk/by-path"
    if links.is_dir():
        for link in sorted(links.iterdir()):
            if os.path.basename(os.readlink(link)) == name and "-part" not in link.name:
                return f"/dev/disk/by-path/{link.name}"
    parts = _sys_path(root, name)
    pci = [p for p in parts if _PCI.match(p)]
    if not pci:
        return ""
    path = f"pci-{pci[-1]}"
    ata = [p for p in parts if re.fullmatch(r"ata\d+", p)]
    if ata:
        port = _read(root / "sys/class/ata_port" / ata[0] / "port_no", ata[0][3:])
        path += f"-ata-{port}"
    elif name.startswith("nvme"):
        path += f"-nvme-{_read(root / 'sys/block' / name / 'nsid', '1')}"
    elif hctl:
        path += f"-scsi-{hctl}"
    return f"/dev/disk/by-path/{path}"


def _hctl(root: pathlib.Path, name: str) -> str:
    scsi = root / "sys/block" / name / "device/scsi_device"
    if scsi.is_dir():
        for entry in scsi.iterdir():
            if _HCTL.match(entry.name):
                return entry.name
    return ""


def _vpd_serial(device: pathlib.Path) -> str:
    """The unit serial number from SCSI VPD page 0x80 (ATA disks have no ``serial`` file)."""
    try:
        page = (device / "vpd_pg80").read_bytes()
    except OSError:
        return ""
    if len(page) < 4 or page[1] != 0x80:
        return ""
    length = int.from_bytes(page[2:4], "big")
    return page[4 : 4 + length].decode("ascii", errors="replace").strip()


def _wwn(root: pathlib.Path, name: str) -> tuple[str, str, str]:
    """(wwn, wwn_with_extension, wwn_vendor_extension) as udev's ID_WWN* report them."""
    block = root / "sys/block" / name
    wwid = _read(block / "device/wwid") or _read(block / "wwid")
    if wwid.startswith("naa."):
        value = "0x" + wwid[4:].lower()
        if len(value) == 34:  # NAA type 6: 16 bytes, the last 8 are the vendor extension
            return value[:18], value, "0x" + value[18:]
        return value, value, ""
    if wwid.startswith("eui."):
        value = "eui." + wwid[4:].lower()
        return value, value, ""
    return "", "", ""


def disks(root: pathlib.Path) -> list[Json]:
    out = []
    block = root / "sys/block"
    for path in sorted(block.iterdir()) if block.is_dir() else []:
        name = path.name
        if _NOT_DISKS.match(name) or not (path / "device").exists():
            continue
        dev = path / "device"
        hctl = _hctl(root, name)
        wwn, wwn_ext, wwn_vendor = _wwn(root, name)
        rotational = _read(path / "queue/rotational", "0") == "1"
        out.append(
            {
                "name": f"/dev/{name}",
                "model": _read(dev / "model"),
                "vendor": _read(dev / "vendor"),
                "size": _int(_read(path / "size", "0")) * 512,
                "rotational": rotational,
                "serial": _read(dev / "serial") or _read(path / "serial") or _vpd_serial(dev),
                "wwn": wwn,
                "wwn_with_extension": wwn_ext,
                "wwn_vendor_extension": wwn_vendor,
                "hctl": hctl,
                "by_path": by_path(root, name, hctl),
                "type": "NVME" if name.startswith("nvme") else ("HDD" if rotational else "SSD"),
            }
        )
    return out


def system_vendor(root: pathlib.Path) -> Json:
    dmi = root / "sys/class/dmi/id"
    return {
        "manufacturer": _read(dmi / "sys_vendor"),
        "product_name": _read(dmi / "product_name"),
        "serial_number": _read(dmi / "product_serial"),
        "firmware": {
            "vendor": _read(dmi / "bios_vendor"),
            "version": _read(dmi / "bios_version"),
            "build_date": _read(dmi / "bios_date"),
        },
    }


def boot_mode(root: pathlib.Path) -> str:
    return "uefi" if (root / "sys/firmware/efi").is_dir() else "bios"


def hostname(root: pathlib.Path) -> str:
    name = _read(root / "proc/sys/kernel/hostname")
    return "" if name in ("", "(none)") else name  # "(none)": the kernel's unset hostname


def collect(root: pathlib.Path = pathlib.Path("/"), ip_of: IpOf = kernel_ip) -> Json:
    """The whole inventory (IPA's shape)."""
    return {
        "cpu": cpu(root),
        "memory": memory(root),
        "interfaces": interfaces(root, ip_of),
        "disks": disks(root),
        "system_vendor": system_vendor(root),
        "boot": {"current_boot_mode": boot_mode(root)},
        "hostname": hostname(root),
    }
