"""Checks ``metallab up`` runs before it makes anything, so bad input leaves nothing behind.

``same_lab`` compares the lab being brought up with the one recorded by an earlier ``up`` of
the same name; ``tools`` names any missing program with its Debian package; ``firmware`` names
any missing firmware file (OVMF for UEFI hosts, QEMU's iPXE ROM for the virtio NICs) with its
package; ``ports`` refuses BMC ports another program already listens on (only for a lab that is
not up yet — a running lab's own BMCs hold them). Called by the first action of ``lab.up``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from hostkit import errors, runner
from hostkit import ports as lab_ports
from lab.config import model
from lab.hardware import bmcs, domains, layout

TOOLS = (
    ("qemu-system-x86_64", "qemu-system-x86"),
    ("qemu-img", "qemu-utils"),
    ("libvirtd", "libvirt-daemon-system"),
    ("virtlogd", "libvirt-daemon-system"),
    ("dnsmasq", "dnsmasq-base"),
    ("ip", "iproute2"),
    ("unshare", "util-linux"),
)
# QEMU loads a NIC's option ROM (iPXE) from here; without it a virtio NIC fails to start.
IPXE_ROM = Path("/usr/lib/ipxe/qemu/efi-virtio.rom")


def recorded(state: Path) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = json.loads(layout.desired(state).read_text())
    except (OSError, ValueError):
        return None
    return document


def same_lab(state: Path, lab: model.Lab) -> None:
    before = recorded(state)
    if before is None:
        return
    now = lab.to_json()
    if before != now:
        changed = sorted(key for key in now if before.get(key) != now.get(key))
        raise errors.LabError(
            f"lab {lab.name!r} is already up with a different configuration "
            f"(differs in: {', '.join(changed)})",
            fix=f"run `metallab down --name {lab.name}` first, or pick another --name",
        )


def tools() -> None:
    for binary, package in TOOLS:
        runner.require(binary, package=package)


def firmware(lab: model.Lab) -> None:
    """Every firmware file the lab's domains load exists, or the error names its package."""
    wanted = [(IPXE_ROM, "the virtio NICs' iPXE boot ROM", "ipxe-qemu")] if lab.hosts else []
    uefi = [host.name for host in lab.hosts if host.boot_mode is model.BootMode.UEFI]
    if uefi:
        why = f"UEFI firmware for {', '.join(uefi)}"
        wanted += [(domains.OVMF_CODE, why, "ovmf"), (domains.OVMF_VARS, why, "ovmf")]
    for path, why, package in wanted:
        if not path.is_file():
            raise runner.MissingBinary(
                f"{path} ({why}) is not installed",
                fix=f"install it (Debian: apt-get install {package})",
            )


def ports(lab: model.Lab) -> None:
    """IPMI listens on UDP, Redfish on TCP: each BMC port the lab will use must be free.

    ``hostkit.ports.is_free`` treats a TCP port in TIME_WAIT (a lab just downed) as free, as the
    Redfish emulator's own listening socket does."""
    wanted = {(bmcs.port(lab, host), host.bmc is model.BmcProtocol.IPMI) for host in lab.hosts}
    for port, udp in sorted(wanted):
        if not lab_ports.is_free(port, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM):
            raise lab_ports.PortInUse(
                f"BMC port {lab.bmc.address}:{port}/{'udp' if udp else 'tcp'} is taken "
                "by another process",
                fix="stop what listens there, or move spec.bmc.ipmiPortBase/redfishPort",
            )
