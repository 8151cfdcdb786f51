"""Stable identities derived from names: MACs, domain UUIDs, serial numbers, default ranges.

``lab.config.decode`` calls these for every value the lab file leaves out, so the same lab and
host names always give the same MAC, UUID and serial — a re-created lab keeps its inventory,
and a controller that remembered a boot MAC still finds its host. A lab's default network
ranges and BMC ports come from its name too, so two labs with different names coexist.
"""

from __future__ import annotations

import hashlib
import uuid

from lab import paths

# Locally administered, unicast (bit 1 of the first octet set, bit 0 clear); QEMU's own
# 52:54:00 prefix is left to libvirt's defaults so our MACs never collide with them.
_MAC_PREFIX = (0x52, 0x54, 0x01)
_NAMESPACE = uuid.UUID("6f1c1a8e-4d5b-4b8e-9b1a-6d6574616c6c")


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("/".join(parts).encode()).digest()


def mac(lab: str, host: str, index: int) -> str:
    """The MAC of NIC number ``index`` of ``host``."""
    tail = _digest("mac", lab, host, str(index))[:3]
    return ":".join(f"{octet:02x}" for octet in (*_MAC_PREFIX, *tail))


def system_uuid(lab: str, host: str) -> str:
    """The libvirt domain UUID, which is also the host's Redfish system id."""
    return str(uuid.uuid5(_NAMESPACE, f"{lab}/{host}"))


def serial(lab: str, host: str) -> str:
    """The chassis serial number written to SMBIOS."""
    return "ML" + _digest("serial", lab, host).hex()[:10].upper()


def disk_serial(host: str, index: int) -> str:
    """A disk serial; at most 20 characters, the limit of ATA and virtio-blk."""
    return f"{host[:14]}-d{index}"[:20]


# The lab named ``metallab`` keeps the defaults metal3-dev-env users know; every other name gets
# its own ranges and ports, so labs with different names and no explicit settings coexist.
DEFAULT_PROVISIONING_CIDR = "172.22.0.0/24"
DEFAULT_EXTERNAL_CIDR = "192.168.111.0/24"
DEFAULT_IPMI_PORT_BASE = 6230
DEFAULT_REDFISH_PORT = 8000
# Other labs take a pair of adjacent /24s (provisioning, external) out of 172.16.0.0/12, skipping
# 172.17.0.0/16 (Docker's default bridge) and 172.22.0.0/23 (the default lab's provisioning).
_PAIRS = tuple(j for j in range(2048) if not 128 <= j < 256 and j != 768)
# ... and a slot of 64 IPMI ports from 10000 plus one Redfish port from 27000, all below the
# kernel's ephemeral range (32768-) so outgoing connections never take them.
_PORT_SLOTS = 256
_IPMI_SLOT_BASE, _IPMI_SLOT_SIZE, _REDFISH_SLOT_BASE = 10000, 64, 27000


def default_cidrs(lab: str) -> tuple[str, str]:
    """The provisioning and external CIDRs of a lab whose file sets none."""
    if lab == paths.DEFAULT_LAB:
        return DEFAULT_PROVISIONING_CIDR, DEFAULT_EXTERNAL_CIDR
    pair = _PAIRS[int.from_bytes(_digest("networks", lab)[:4], "big") % len(_PAIRS)]
    first = 2 * pair
    return (
        f"172.{16 + first // 256}.{first % 256}.0/24",
        f"172.{16 + (first + 1) // 256}.{(first + 1) % 256}.0/24",
    )


def default_bmc_ports(lab: str) -> tuple[int, int]:
    """The IPMI port base and the Redfish port of a lab whose file sets none."""
    if lab == paths.DEFAULT_LAB:
        return DEFAULT_IPMI_PORT_BASE, DEFAULT_REDFISH_PORT
    slot = int.from_bytes(_digest("ports", lab)[:4], "big") % _PORT_SLOTS
    return _IPMI_SLOT_BASE + _IPMI_SLOT_SIZE * slot, _REDFISH_SLOT_BASE + slot
