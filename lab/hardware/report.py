"""What ``metallab status`` shows per host: power, BMC URL, boot MAC, console log.

``hosts`` reads the lab recorded by ``up`` and asks the lab's libvirtd for each domain's power
state: ``absent`` when the domain is gone, ``unknown`` when the daemon itself is down or does
not answer, which ``status`` then names with ``Report.libvirtd`` (the problem and the fix)
instead of blaming the hosts. Called by ``lab.cli.lab``.
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


@dataclasses.dataclass(frozen=True)
class Report:
    libvirtd: str | None  # None while the lab's libvirtd answers, else what is wrong and the fix
    hosts: tuple[HostStatus, ...]


def hosts(lab: model.Lab, state: Path) -> Report:
    powers: dict[str, domains.Power] = {}
    problem: str | None = None
    if not libvirtd.running(state):
        problem = (
            "the lab's libvirtd is not running (killed or crashed) — "
            f"run `metallab up --name {lab.name}` to restart it"
        )
    else:
        try:
            conn = libvirtd.connect(state, wait=5.0)
        except errors.LabError as err:
            problem = str(err)
        else:
            try:
                powers = {host.name: domains.power(conn, host.name) for host in lab.hosts}
            finally:
                conn.close()
    missing = domains.Power.UNKNOWN if problem else domains.Power.ABSENT
    rows = tuple(
        HostStatus(
            host=host.name,
            power=powers.get(host.name, missing),
            bmc=bmcs.url(lab, host),
            boot_mac=host.boot_mac,
            console=str(layout.console_log(state, host.name)),
        )
        for host in lab.hosts
    )
    return Report(libvirtd=problem, hosts=rows)
