"""The container images preloaded into the node image: kubeadm's control plane (each a single
static binary from this project's Go builds) and a busybox test image for checking pods.

Called by ``lab.images.node.build``; writes docker-archive tars with
``lab.images.node.archive`` and returns where they are and what they are called.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hostkit import errors, runner
from lab.images.node import archive, recipe

BUSYBOX = Path("/bin/busybox")
BUSYBOX_REPOSITORY = "metallab.local/busybox"


@dataclass(frozen=True)
class Built:
    reference: str
    tar: Path


def busybox_reference() -> str:
    """``metallab.local/busybox:<version>`` of the build machine's static busybox."""
    if not BUSYBOX.is_file():
        raise runner.MissingBinary(
            f"{BUSYBOX} is missing; the node image's test image is made from it",
            fix="apt-get install busybox-static",
        )
    banner = (
        runner.run([str(BUSYBOX)], check=False).stdout
        + runner.run([str(BUSYBOX), "--help"], check=False).stdout
    )
    found = re.search(r"BusyBox v(\d+\.\d+\.\d+)", banner)
    if found is None:
        raise errors.LabError(f"{BUSYBOX} prints no 'BusyBox vX.Y.Z' banner: is it busybox?")
    return f"{BUSYBOX_REPOSITORY}:{found.group(1)}"


def _busybox_entries() -> list[archive.Entry]:
    applets = runner.run([str(BUSYBOX), "--list-full"]).stdout.split()
    links = [archive.Entry(f"/{path}", link="/bin/busybox") for path in applets]
    return [archive.Entry("/bin/busybox", BUSYBOX), *(e for e in links if e.path != "/bin/busybox")]


def write_all(kubernetes_version: str, programs: dict[str, Path], out: Path) -> list[Built]:
    """Write every image's archive under ``out``; ``programs`` maps binary name to file."""
    out.mkdir(parents=True, exist_ok=True)
    built = []
    for image in recipe.container_images(kubernetes_version):
        tar = out / f"{image.program}.tar"
        entries = [archive.Entry(image.path, programs[image.program])]
        archive.write(tar, image.reference, entries, image.entrypoint)
        built.append(Built(image.reference, tar))
    tar = out / "busybox.tar"
    archive.write(tar, busybox_reference(), _busybox_entries(), ("/bin/sh",))
    built.append(Built(busybox_reference(), tar))
    return built
