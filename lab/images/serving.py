"""The lab's boot network services: where they listen, what the image server serves.

``endpoints`` chooses (once, then reads back) the ports of the image server and of the
controller's conductor (agent API over HTTPS, boot files over HTTP), all on the host side of
the provisioning veth — the one address the lab's VMs reach the host by. ``publish`` fills
the served tree (links to the current agent and test OS builds, the generic iPXE script);
``component`` is the image server for ``hostkit.supervisor`` (``lab.controller_component``
supervises it next to the controller). Called by ``lab.up``, which hands the URLs to the
controller and to dnsmasq.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from hostkit import ports, supervisor
from lab.config import model
from lab.images import cache, ipxe

CHAIN_SCRIPT = "boot.ipxe"


@dataclasses.dataclass(frozen=True)
class Endpoints:
    address: str  # the host side of the provisioning network's veth
    images_port: int
    conductor_port: int
    boot_port: int

    @property
    def images_url(self) -> str:
        return f"http://{self.address}:{self.images_port}"

    @property
    def agent_url(self) -> str:
        return f"https://{self.address}:{self.conductor_port}"

    @property
    def boot_url(self) -> str:
        return f"http://{self.address}:{self.boot_port}"

    @property
    def chain_url(self) -> str:
        return f"{self.images_url}/{CHAIN_SCRIPT}"

    def url(self, image: str, artefact: str) -> str:
        return f"{self.images_url}/{image}/{artefact}"


def directory(state: Path) -> Path:
    return state / "boot"


def served(state: Path) -> Path:
    return directory(state) / "served"


def endpoints(state: Path, lab: model.Lab) -> Endpoints:
    """The lab's boot endpoints, chosen on the first ``up`` and kept in the state directory."""
    path = directory(state) / "endpoints.json"
    try:
        return Endpoints(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        pass
    address = str(lab.network(model.NetworkName.PROVISIONING).host_address)
    chosen = Endpoints(address, ports.free(), ports.free(), ports.free())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataclasses.asdict(chosen)))
    return chosen


def publish(state: Path, chosen: Endpoints, images: list[str]) -> None:
    """Point the served tree at the current build of each of ``images``; write the script."""
    root = served(state)
    root.mkdir(parents=True, exist_ok=True)
    for name in images:
        link = root / name
        link.unlink(missing_ok=True)
        cache.current(name)  # an error saying how to build it when it is missing
        link.symlink_to(cache.root() / name)  # follows rebuilds while the lab is up
    (root / CHAIN_SCRIPT).write_text(ipxe.chain_script(chosen.boot_url))


def component(state: Path, chosen: Endpoints) -> supervisor.Component:
    """The image server as a supervised component, ready once it serves the iPXE script."""
    return supervisor.Component(
        name="images",
        argv=[
            sys.executable,
            "-m",
            "lab.images.server",
            "--address",
            chosen.address,
            "--port",
            str(chosen.images_port),
            "--directory",
            str(served(state)),
        ],
        ready_url=chosen.chain_url,
    )
