"""The hardware found by inspection, BMO's ``HardwareDetails``: CPU, RAM, NICs, disks, vendor.

Declared once (``api.declare``); ``status.hardware`` of a BareMetalHost and ``spec.hardware``
of its HardwareData hold it. Provisioners return it from ``inspect``; the deploy agent's
inventory and the Redfish inventory are read into it at their edge.
"""

from __future__ import annotations

import dataclasses

from controller.api import declare, types

MAC_PATTERN = "[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}"
_VLAN_ID = {"format": "int32", "minimum": 0, "maximum": 4094}


@dataclasses.dataclass(frozen=True)
class CPU:
    """CPUs."""

    arch: str = declare.field("arch", "Architecture.", default="")
    model: str = declare.field("model", "Model.", default="")
    clock_megahertz: float = declare.field(
        "clockMegahertz", "Clock speed in MHz.", default=0.0, format="double"
    )
    flags: tuple[str, ...] = declare.field("flags", "CPU flags.", default=())
    count: int = declare.field("count", "Number of CPUs.", default=0)


@dataclasses.dataclass(frozen=True)
class VLAN:
    """A VLAN."""

    id: int = declare.field("id", "802.1Q VLAN id.", default=0, schema=_VLAN_ID)
    name: str = declare.field("name", "VLAN name.", default="")


@dataclasses.dataclass(frozen=True)
class LLDP:
    """LLDP data."""

    port_id: str = declare.field("portID", "Switch port id.", default="")
    switch_id: str = declare.field("switchID", "Switch chassis id.", default="")
    switch_system_name: str = declare.field("switchSystemName", "Switch system name.", default="")


@dataclasses.dataclass(frozen=True)
class NIC:
    """One network interface."""

    name: str = declare.field("name", "Interface name.", default="")
    model: str = declare.field("model", "Vendor and product ids.", default="")
    mac: str = declare.field("mac", "MAC address.", default="", pattern=MAC_PATTERN)
    ip: str = declare.field("ip", "IPv4 or IPv6 address, if any.", default="")
    speed_gbps: int = declare.field("speedGbps", "Speed in Gbit/s.", default=0)
    vlans: tuple[VLAN, ...] = declare.field("vlans", "VLANs available.", default=())
    vlan_id: int = declare.field("vlanId", "Untagged VLAN id.", default=0, schema=_VLAN_ID)
    pxe: bool = declare.field("pxe", "Whether the NIC can PXE boot.", default=False)
    pci_address: str = declare.field("pciAddress", "PCI address.", default="")
    lldp: LLDP | None = declare.field("lldp", "LLDP data.")


@dataclasses.dataclass(frozen=True)
class Storage:
    """One storage device."""

    name: str = declare.field("name", "Stable Linux device name.", default="")
    alternate_names: tuple[str, ...] = declare.field(
        "alternateNames", "Other Linux device names.", default=()
    )
    rotational: bool = declare.field("rotational", "Whether the disk is rotational.", default=False)
    type: types.DiskType | None = declare.field("type", "Device type.")
    size_bytes: int = declare.field("sizeBytes", "Size in bytes.", default=0, format="int64")
    vendor: str = declare.field("vendor", "Vendor.", default="")
    model: str = declare.field("model", "Model.", default="")
    serial_number: str = declare.field("serialNumber", "Serial number.", default="")
    wwn: str = declare.field("wwn", "WWN.", default="")
    wwn_vendor_extension: str = declare.field(
        "wwnVendorExtension", "WWN vendor extension.", default=""
    )
    wwn_with_extension: str = declare.field("wwnWithExtension", "WWN with extension.", default="")
    hctl: str = declare.field("hctl", "SCSI address.", default="")


@dataclasses.dataclass(frozen=True)
class SystemVendor:
    """System vendor."""

    manufacturer: str = declare.field("manufacturer", "Manufacturer.", default="")
    product_name: str = declare.field("productName", "Product name.", default="")
    serial_number: str = declare.field("serialNumber", "Serial number.", default="")


@dataclasses.dataclass(frozen=True)
class BIOS:
    """BIOS."""

    date: str = declare.field("date", "Release date.", default="")
    vendor: str = declare.field("vendor", "Vendor.", default="")
    version: str = declare.field("version", "Version.", default="")


@dataclasses.dataclass(frozen=True)
class Firmware:
    """System firmware."""

    bios: BIOS | None = declare.field("bios", "BIOS.")


@dataclasses.dataclass(frozen=True)
class HardwareDetails:
    """Hardware found by inspection."""

    system_vendor: SystemVendor | None = declare.field("systemVendor", "System vendor.")
    firmware: Firmware | None = declare.field("firmware", "System firmware.")
    ram_mebibytes: int = declare.field("ramMebibytes", "Memory in MiB.", default=0)
    nics: tuple[NIC, ...] = declare.field("nics", "Network interfaces.", default=())
    storage: tuple[Storage, ...] = declare.field("storage", "Storage devices.", default=())
    cpu: CPU | None = declare.field("cpu", "CPUs.")
    hostname: str = declare.field("hostname", "Host name at inspection time.", default="")
