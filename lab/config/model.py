"""The lab's desired hardware as frozen values: hosts, their disks and NICs, networks, BMCs.

Produced by ``lab.config.decode`` (defaults already filled in, validated by
``lab.config.validate``) and read by the hardware actions of ``metallab up``, the inventory and
the status command. ``to_json`` gives the canonical form stored in the lab's state directory,
which is how a second ``up`` notices a different configuration.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
from typing import Any

API_VERSION = "metallab.dev/v1alpha1"
KIND = "Lab"


class Acceleration(enum.StrEnum):
    AUTO = "auto"
    KVM = "kvm"
    TCG = "tcg"


class BootMode(enum.StrEnum):
    LEGACY = "legacy"
    UEFI = "uefi"


class BmcProtocol(enum.StrEnum):
    REDFISH = "redfish"
    REDFISH_VIRTUALMEDIA = "redfish-virtualmedia"
    IPMI = "ipmi"
    MIXED = "mixed"


# metal3-dev-env's order for a mixed lab: host i gets MIXED_CYCLE[i % 3].
MIXED_CYCLE = (BmcProtocol.IPMI, BmcProtocol.REDFISH, BmcProtocol.REDFISH_VIRTUALMEDIA)


class DiskBus(enum.StrEnum):
    VIRTIO = "virtio"
    SATA = "sata"
    SCSI = "scsi"


class NetworkName(enum.StrEnum):
    PROVISIONING = "provisioning"
    EXTERNAL = "external"


@dataclasses.dataclass(frozen=True)
class Disk:
    size_gib: int
    serial: str
    bus: DiskBus
    rotational: bool | None


@dataclasses.dataclass(frozen=True)
class Nic:
    network: NetworkName
    mac: str


@dataclasses.dataclass(frozen=True)
class Host:
    name: str
    cpus: int
    memory_mib: int
    boot_mode: BootMode
    bmc: BmcProtocol
    disks: tuple[Disk, ...]
    nics: tuple[Nic, ...]
    uuid: str
    vendor: str
    product: str
    serial: str

    @property
    def boot_mac(self) -> str:
        """The MAC a controller PXE-boots from: the first NIC on the provisioning network."""
        for nic in self.nics:
            if nic.network is NetworkName.PROVISIONING:
                return nic.mac
        return self.nics[0].mac


@dataclasses.dataclass(frozen=True)
class Pxe:
    """What the provisioning network's DHCP server tells a PXE client to load."""

    boot_file: str
    tftp_root: str | None


@dataclasses.dataclass(frozen=True)
class Network:
    name: NetworkName
    cidr: ipaddress.IPv4Network
    pxe: Pxe | None

    @property
    def gateway(self) -> ipaddress.IPv4Address:
        """The bridge's address inside the lab; dnsmasq answers here."""
        return self.cidr.network_address + 1

    @property
    def host_address(self) -> ipaddress.IPv4Address:
        """The host side of the lab's veth pair on this network."""
        return self.cidr.network_address + 2

    @property
    def dhcp_range(self) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
        return self.cidr.network_address + 10, self.cidr.broadcast_address - 1


@dataclasses.dataclass(frozen=True)
class Bmc:
    address: str
    ipmi_port_base: int
    redfish_port: int
    username: str


@dataclasses.dataclass(frozen=True)
class Lab:
    name: str
    acceleration: Acceleration
    networks: tuple[Network, ...]
    bmc: Bmc
    hosts: tuple[Host, ...]

    def network(self, name: NetworkName) -> Network:
        for net in self.networks:
            if net.name is name:
                return net
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready canonical form; equal labs give equal documents."""
        document: dict[str, Any] = _plain(dataclasses.asdict(self))
        return document


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, ipaddress.IPv4Network):
        return str(value)
    return value
