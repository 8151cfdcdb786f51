"""Checks ``metallab up`` runs before it makes anything, so bad input leaves nothing behind.

``same_lab`` compares the lab being brought up with the one recorded by an earlier ``up`` of
the same name; ``tools`` names any missing program with its Debian package; ``ports`` refuses
BMC ports another program already listens on (only for a lab that is not up yet — a running
lab's own BMCs hold them). Called by the first action of ``lab.up``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from lab import errors, runner
from lab.config import model
from lab.hardware import bmcs, layout

TOOLS = (
    ("qemu-system-x86_64", "qemu-system-x86"),
    ("qemu-img", "qemu-utils"),
    ("libvirtd", "libvirt-daemon-system"),
    ("virtlogd", "libvirt-daemon-system"),
    ("dnsmasq", "dnsmasq-base"),
    ("ip", "iproute2"),
    ("unshare", "util-linux"),
)


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


def ports(lab: model.Lab) -> None:
    """IPMI listens on UDP, Redfish on TCP: try to bind each BMC port the lab will use."""
    wanted = {(bmcs.port(lab, host), host.bmc is model.BmcProtocol.IPMI) for host in lab.hosts}
    for port, udp in sorted(wanted):
        kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind((lab.bmc.address, port))
            except OSError as err:
                raise errors.LabError(
                    f"BMC port {lab.bmc.address}:{port}/{'udp' if udp else 'tcp'} is taken "
                    f"({err.strerror})",
                    fix="stop what listens there, or move spec.bmc.ipmiPortBase/redfishPort",
                ) from err
