"""Each host's BMC as the lab hands it out: address, port, URL and credentials.

Every IPMI host gets its own port (``ipmiPortBase`` + the host's index); all Redfish hosts share
one emulator port and are told apart by their system id (the domain UUID). Passwords are made
once per lab and kept (mode 0600) in the state directory, so a second ``up`` gives the same
Secrets. Read by the BMC step of ``lab.up``, ``lab.inventory`` and ``status``.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from pathlib import Path

from hostkit import files
from lab.config import model
from lab.hardware import layout

# IPMI 2.0 passwords are at most 20 bytes; 12 random bytes make 16 URL-safe characters.
_PASSWORD_BYTES = 12


@dataclasses.dataclass(frozen=True)
class Access:
    host: str
    protocol: model.BmcProtocol
    port: int
    url: str
    username: str
    password: str = dataclasses.field(repr=False)


def port(lab: model.Lab, host: model.Host) -> int:
    if host.bmc is model.BmcProtocol.IPMI:
        return lab.bmc.ipmi_port_base + lab.hosts.index(host)
    return lab.bmc.redfish_port


def url(lab: model.Lab, host: model.Host) -> str:
    where = f"{lab.bmc.address}:{port(lab, host)}"
    if host.bmc is model.BmcProtocol.IPMI:
        return f"ipmi://{where}"
    return f"{host.bmc.value}+https://{where}/redfish/v1/Systems/{host.uuid}"


def _passwords(state: Path, lab: model.Lab) -> dict[str, str]:
    path = layout.credentials(state)
    try:
        known: dict[str, str] = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    wanted = {
        h.name: known.get(h.name) or secrets.token_urlsafe(_PASSWORD_BYTES) for h in lab.hosts
    }
    if wanted != known:
        files.write_private(path, json.dumps(wanted))
    return wanted


def access(state: Path, lab: model.Lab) -> list[Access]:
    passwords = _passwords(state, lab)
    return [
        Access(
            host=host.name,
            protocol=host.bmc,
            port=port(lab, host),
            url=url(lab, host),
            username=lab.bmc.username,
            password=passwords[host.name],
        )
        for host in lab.hosts
    ]
