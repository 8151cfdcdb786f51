"""Stable identities derived from names: MACs, domain UUIDs and serial numbers.

``lab.config.decode`` calls these for every value the lab file leaves out, so the same lab and
host names always give the same MAC, UUID and serial — a re-created lab keeps its inventory,
and a controller that remembered a boot MAC still finds its host.
"""

from __future__ import annotations

import hashlib
import uuid

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
