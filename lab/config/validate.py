"""Cross-field checks of a decoded lab: sizes, names, networks, MACs, ports.

Called by ``lab.config.load`` after ``decode``; each failure is a ``LabError`` naming the host
or network at fault and what to change. Checks that need the running machine (a port already
taken, a route already on the host) belong to ``metallab up``'s actions, not here.
"""

from __future__ import annotations

import ipaddress
import re

from lab.config import decode, model, reader

MIN_MEMORY_MIB = 256
MIN_MEMORY_UEFI_MIB = 512
# A bound on the number alone; ``lab.hardware.preflight.memory`` checks it against the machine.
MAX_MEMORY_MIB = 1024 * 1024
MAX_CPUS = 16
MAX_PREFIX = 28  # gateway .1, host side .2, DHCP from .10: a /28 leaves room for 4 hosts
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
_SERIAL = re.compile(r"^[A-Za-z0-9._-]{1,20}$")
# RFC 1918: the only ranges a lab network may use. Anything else is somebody's address space (or
# loopback, link-local, multicast), and the host side of the lab's veth would route it.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def validate(lab: model.Lab) -> model.Lab:
    _networks(lab)
    _bmc(lab)
    _hosts(lab)
    return lab


def _kind_of(cidr: ipaddress.IPv4Network) -> str:
    for kind, test in (
        ("a loopback", cidr.is_loopback),
        ("a link-local", cidr.is_link_local),
        ("a multicast", cidr.is_multicast),
        ("a reserved", cidr.is_reserved or cidr.is_unspecified),
    ):
        if test:
            return kind
    return "a public" if cidr.is_global else "a special-purpose"


def _networks(lab: model.Lab) -> None:
    for net in lab.networks:
        if not any(net.cidr.subnet_of(private) for private in PRIVATE_RANGES):
            raise reader.fail(
                f"spec.networks.{net.name.value}.cidr",
                f"{net.cidr} is {_kind_of(net.cidr)} range, not a private one",
                "use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918)",
            )
        if net.cidr.prefixlen > MAX_PREFIX:
            raise reader.fail(
                f"spec.networks.{net.name.value}.cidr",
                f"{net.cidr} is too small for a lab network",
                f"use a prefix of /{MAX_PREFIX} or shorter",
            )
    for i, one in enumerate(lab.networks):
        for other in lab.networks[i + 1 :]:
            if one.cidr.overlaps(other.cidr):
                raise reader.fail(
                    f"spec.networks.{other.name.value}.cidr",
                    f"{other.cidr} overlaps {one.name.value}'s {one.cidr}",
                    "give each lab network its own address range",
                )
    for net in lab.networks:
        first, last = net.dhcp_range
        capacity = int(last) - int(first) + 1
        users = sum(1 for host in lab.hosts for nic in host.nics if nic.network is net.name)
        if users > capacity:
            raise reader.fail(
                f"spec.networks.{net.name.value}.cidr",
                f"{net.cidr} leases at most {capacity} addresses but {users} NICs use it",
                "use a larger network",
            )


def _bmc(lab: model.Lab) -> None:
    bmc = lab.bmc
    if bmc.address != decode.BMC_ADDRESS:
        raise reader.fail(
            "spec.bmc.address",
            f"{bmc.address!r}: the BMCs listen on {decode.BMC_ADDRESS} only",
            f"write address: {decode.BMC_ADDRESS} or leave it out",
        )
    for key, port in (("ipmiPortBase", bmc.ipmi_port_base), ("redfishPort", bmc.redfish_port)):
        if not 1024 <= port <= 65535:
            raise reader.fail(f"spec.bmc.{key}", f"port {port} out of range", "use 1024-65535")
    last_ipmi = bmc.ipmi_port_base + len(lab.hosts) - 1
    if bmc.ipmi_port_base <= bmc.redfish_port <= last_ipmi or last_ipmi > 65535:
        raise reader.fail(
            "spec.bmc.redfishPort",
            f"IPMI ports {bmc.ipmi_port_base}-{last_ipmi} clash with the Redfish port "
            f"{bmc.redfish_port} or leave the port range",
            "move ipmiPortBase or redfishPort apart",
        )
    if not bmc.username or len(bmc.username) > 16:
        raise reader.fail("spec.bmc.username", "must be 1-16 characters", "IPMI allows 16")
    if ":" in bmc.username:
        # HTTP basic auth splits user from password at the first ':', so Redfish would never
        # authenticate this user.
        raise reader.fail(
            "spec.bmc.username", f"{bmc.username!r} contains ':'", "use a name without ':'"
        )


def _hosts(lab: model.Lab) -> None:
    names: set[str] = set()
    macs: dict[str, str] = {}
    for index, host in enumerate(lab.hosts):
        where = f"host {host.name} (spec.hosts[{index}])"
        if not _HOST_NAME.match(host.name):
            raise reader.fail(
                where,
                "invalid name",
                "use up to 32 lowercase letters, digits and '-', starting and ending alphanumeric",
            )
        if host.name in names:
            raise reader.fail(where, "duplicate host name", "give every host its own name")
        names.add(host.name)
        if not 1 <= host.cpus <= MAX_CPUS:
            raise reader.fail(where, f"{host.cpus} vCPUs", f"use 1-{MAX_CPUS}")
        minimum = MIN_MEMORY_UEFI_MIB if host.boot_mode is model.BootMode.UEFI else MIN_MEMORY_MIB
        if host.memory_mib < minimum:
            raise reader.fail(
                where,
                f"too little memory: {host.memory_mib} MiB",
                f"give a {host.boot_mode.value} host at least {minimum} MiB (memoryMiB)",
            )
        if host.memory_mib > MAX_MEMORY_MIB:
            raise reader.fail(
                where,
                f"too much memory: {host.memory_mib} MiB",
                f"give a host at most {MAX_MEMORY_MIB} MiB (memoryMiB)",
            )
        _disks(host, where)
        _nics(host, where, macs)


def _disks(host: model.Host, where: str) -> None:
    if not host.disks:
        raise reader.fail(where, "no disks", "give the host at least one disk")
    serials: set[str] = set()
    for disk in host.disks:
        if not 1 <= disk.size_gib <= 4096:
            raise reader.fail(where, f"disk of {disk.size_gib} GiB", "use 1-4096 GiB (sizeGiB)")
        if not _SERIAL.match(disk.serial):
            raise reader.fail(
                where, f"disk serial {disk.serial!r}", "use 1-20 letters, digits, '.', '_', '-'"
            )
        if disk.serial in serials:
            raise reader.fail(where, f"disk serial {disk.serial} used twice", "make it unique")
        serials.add(disk.serial)
        if disk.rotational is not None and disk.bus is model.DiskBus.VIRTIO:
            raise reader.fail(
                where,
                "rotational is set on a virtio disk, which cannot report it",
                "use bus: sata or bus: scsi for a disk with rotational",
            )


def _nics(host: model.Host, where: str, macs: dict[str, str]) -> None:
    if not any(nic.network is model.NetworkName.PROVISIONING for nic in host.nics):
        raise reader.fail(
            where, "no NIC on the provisioning network", "add {network: provisioning} to nics"
        )
    for nic in host.nics:
        if not _MAC.match(nic.mac):
            raise reader.fail(where, f"MAC {nic.mac!r} is malformed", "write aa:bb:cc:dd:ee:ff")
        if int(nic.mac[:2], 16) & 1:
            raise reader.fail(where, f"MAC {nic.mac} is multicast", "clear bit 0 of octet 1")
        if nic.mac in macs:
            raise reader.fail(
                where,
                f"MAC collision: {nic.mac} is also used by {macs[nic.mac]}",
                "give every NIC its own MAC or leave mac out to get a generated one",
            )
        macs[nic.mac] = host.name
