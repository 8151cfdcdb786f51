"""What ``metallab status`` shows per host: power, BMC URL, boot MAC, console log.

``hosts`` reads the lab recorded by ``up`` and asks the lab's libvirtd for each domain's power
state (``absent`` when the daemon or the domain is gone). Called by ``lab.cli.lab``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hostkit import errors
from lab.config import model
from lab.hardware import bmcs, domains, layout, libvirtd


@dataclasses.dataclass(frozen=True)
class HostStatus:
    host: str
    power: domains.Power
    bmc: str
    boot_mac: str
    console: str


def hosts(lab: model.Lab, state: Path) -> list[HostStatus]:
    powers: dict[str, domains.Power] = {}
    if libvirtd.running(state):
        try:
            conn = libvirtd.connect(state, wait=5.0)
        except errors.LabError:
            pass
        else:
            try:
                powers = {host.name: domains.power(conn, host.name) for host in lab.hosts}
            finally:
                conn.close()
    return [
        HostStatus(
            host=host.name,
            power=powers.get(host.name, domains.Power.ABSENT),
            bmc=bmcs.url(lab, host),
            boot_mac=host.boot_mac,
            console=str(layout.console_log(state, host.name)),
        )
        for host in lab.hosts
    ]
