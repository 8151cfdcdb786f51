"""The hosts as libvirt domains: the XML of one emulated server, defined but powered off.

``xml`` is pure (unit-tested): acceleration type (``qemu`` is TCG), ACPI so a guest poweroff
powers the domain off, SMBIOS vendor/product/serial, disks from the lab pool with serials and
rotation rates, one virtio NIC per lab network with its fixed MAC, legacy BIOS or Debian's
OVMF, and the serial console written to a per-host file (through the lab's virtlogd). Boot
order is disk then network, so an empty host falls through to PXE like a fresh server. A host
starts powered off: its BMC powers it on. Called by ``lab.up``, ``lab.down`` and ``status``.
"""

from __future__ import annotations

import enum
from pathlib import Path
from xml.etree import ElementTree as ET

import libvirt

from hostkit import errors
from lab.config import model
from lab.hardware import layout, pool

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
_ROTATION = {True: "7200", False: "1"}
REBOOT_TIMEOUT_MS = 5000


class Power(enum.StrEnum):
    ON = "on"
    OFF = "off"
    PAUSED = "paused"
    ABSENT = "absent"


def xml(host: model.Host, *, state: Path, accel: model.Acceleration) -> str:
    root = ET.Element("domain", type="kvm" if accel is model.Acceleration.KVM else "qemu")
    ET.SubElement(root, "name").text = host.name
    ET.SubElement(root, "uuid").text = host.uuid
    ET.SubElement(root, "memory", unit="MiB").text = str(host.memory_mib)
    ET.SubElement(root, "vcpu").text = str(host.cpus)
    sysinfo = ET.SubElement(root, "sysinfo", type="smbios")
    system = ET.SubElement(sysinfo, "system")
    for key, value in (
        ("manufacturer", host.vendor),
        ("product", host.product),
        ("serial", host.serial),
    ):
        ET.SubElement(system, "entry", name=key).text = value
    _os(ET.SubElement(root, "os"), host, state)
    ET.SubElement(ET.SubElement(root, "features"), "acpi")
    ET.SubElement(root, "clock", offset="utc")
    for event, action in (("on_poweroff", "destroy"), ("on_reboot", "restart")):
        ET.SubElement(root, event).text = action
    ET.SubElement(root, "on_crash").text = "destroy"
    devices = ET.SubElement(root, "devices")
    _disks(devices, host)
    for nic in host.nics:
        iface = ET.SubElement(devices, "interface", type="network")
        ET.SubElement(iface, "source", network=nic.network.value)
        ET.SubElement(iface, "mac", address=nic.mac)
        ET.SubElement(iface, "model", type="virtio")
    serial = ET.SubElement(devices, "serial", type="file")
    ET.SubElement(serial, "source", path=str(layout.console_log(state, host.name)), append="on")
    ET.SubElement(serial, "target", port="0")
    ET.SubElement(devices, "memballoon", model="none")
    return ET.tostring(root, encoding="unicode")


def _os(node: ET.Element, host: model.Host, state: Path) -> None:
    ET.SubElement(node, "type", arch="x86_64", machine="q35").text = "hvm"
    if host.boot_mode is model.BootMode.UEFI:
        ET.SubElement(node, "loader", readonly="yes", type="pflash").text = str(OVMF_CODE)
        ET.SubElement(node, "nvram", template=str(OVMF_VARS)).text = str(
            layout.nvram(state, host.name)
        )
    ET.SubElement(node, "boot", dev="hd")
    ET.SubElement(node, "boot", dev="network")
    # Firmware messages on the serial console; with nothing to boot, retry like a real server.
    ET.SubElement(node, "bios", useserial="yes", rebootTimeout=str(REBOOT_TIMEOUT_MS))
    ET.SubElement(node, "smbios", mode="sysinfo")


def _disks(devices: ET.Element, host: model.Host) -> None:
    letters = {bus: iter("abcdefghijklmnopqrstuvwxyz") for bus in model.DiskBus}
    if any(disk.bus is model.DiskBus.SCSI for disk in host.disks):
        ET.SubElement(devices, "controller", type="scsi", model="virtio-scsi")
    for index, disk in enumerate(host.disks):
        # sata and scsi disks share the sd* namespace; virtio disks are vd*.
        prefix, letter_bus = (
            ("vd", model.DiskBus.VIRTIO)
            if disk.bus is model.DiskBus.VIRTIO
            else ("sd", model.DiskBus.SATA)
        )
        node = ET.SubElement(devices, "disk", type="volume", device="disk")
        ET.SubElement(node, "driver", name="qemu", type="qcow2")
        ET.SubElement(node, "source", pool=pool.POOL, volume=pool.volume_name(host, index))
        target = ET.SubElement(
            node, "target", dev=prefix + next(letters[letter_bus]), bus=disk.bus.value
        )
        if disk.rotational is not None:
            target.set("rotation_rate", _ROTATION[disk.rotational])
        ET.SubElement(node, "serial").text = disk.serial


def _lookup(conn: libvirt.virConnect, name: str) -> libvirt.virDomain | None:
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError:
        return None


def ensure(
    conn: libvirt.virConnect, host: model.Host, *, state: Path, accel: model.Acceleration
) -> None:
    """Define ``host`` if missing. An existing domain is left as is: its BMC may have changed
    its boot device, and the lab file it came from is known to be the same."""
    if _lookup(conn, host.name) is not None:
        return
    layout.console_log(state, host.name).parent.mkdir(parents=True, exist_ok=True)
    layout.nvram(state, host.name).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn.defineXML(xml(host, state=state, accel=accel))
    except libvirt.libvirtError as err:
        raise errors.LabError(
            f"cannot define host {host.name}: {err}",
            fix="see the lab's libvirtd log (logs/libvirtd.log in its state directory)",
        ) from err


def remove(conn: libvirt.virConnect, name: str) -> None:
    found = _lookup(conn, name)
    if found is None:
        return
    if found.isActive():
        found.destroy()
    found.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)


def names(conn: libvirt.virConnect) -> list[str]:
    return [dom.name() for dom in conn.listAllDomains()]


def power(conn: libvirt.virConnect, name: str) -> Power:
    found = _lookup(conn, name)
    if found is None:
        return Power.ABSENT
    state, _ = found.state()
    if state in (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_BLOCKED):
        return Power.ON
    if state == libvirt.VIR_DOMAIN_PAUSED:
        return Power.PAUSED
    return Power.OFF
