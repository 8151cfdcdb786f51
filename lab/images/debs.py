"""Debian packages as build inputs: resolve exact versions, fetch the .debs, unpack them.

Versions come from the machine's apt lists (``apt-cache show``, offline); ``fetch`` runs
``apt-get download`` for the ones missing from ``~/.cache/metallab/debs`` — the mirror is the
one the machine's apt configuration names, never one written here. ``extract`` is
``dpkg-deb -x``. Called by the image recipes (``lab.images.agent``, ``lab.images.testos``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from hostkit import errors, runner
from lab import paths

Progress = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Package:
    name: str
    version: str

    @property
    def filename(self) -> str:
        """``apt-get download``'s file name: the epoch's ``:`` is URL-quoted."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_amd64.deb"


def directory() -> Path:
    return paths.cache() / "debs"


def _stanzas(names: Sequence[str]) -> dict[str, dict[str, str]]:
    """``apt-cache show`` of the candidate versions, one call for all ``names``."""
    apt_cache = runner.require("apt-cache", package="apt")
    done = runner.run([apt_cache, "show", "--no-all-versions", *names], check=False)
    found: dict[str, dict[str, str]] = {}
    for stanza in done.stdout.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            key, sep, value = line.partition(": ")
            if sep and not line.startswith(" "):
                fields[key] = value
        if "Package" in fields:
            found.setdefault(fields["Package"], fields)
    missing = [name for name in names if name not in found]
    if missing:
        raise errors.LabError(
            f"Debian packages {', '.join(missing)} are not in the machine's apt lists",
            fix="run `apt-get update` (the image builds read the apt configuration's mirror)",
        )
    return found


def resolve(names: Sequence[str]) -> tuple[Package, ...]:
    """The candidate versions apt would install of ``names``, in order."""
    found = _stanzas(names)
    return tuple(Package(name, found[name]["Version"]) for name in names)


def kernel_package(meta: str) -> Package:
    """The versioned kernel package a metapackage such as ``linux-image-amd64`` points at."""
    depends = _stanzas([meta])[meta].get("Depends", "")
    for alternative in depends.split(","):
        name = alternative.split("(")[0].strip()
        if name.startswith("linux-image-"):
            return resolve([name])[0]
    raise errors.LabError(
        f"{meta} depends on no linux-image package ({depends!r})",
        fix="check the machine's apt lists (apt-get update)",
    )


def fetch(packages: Iterable[Package], *, progress: Progress) -> dict[str, Path]:
    """Each package's .deb in the cache, downloading only the missing ones."""
    root = directory()
    root.mkdir(parents=True, exist_ok=True)
    wanted = list(packages)
    missing = [p for p in wanted if not (root / p.filename).exists()]
    if missing:
        progress(f"• Downloading {len(missing)} Debian packages with apt-get")
        apt_get = runner.require("apt-get", package="apt")
        specs = [f"{p.name}={p.version}" for p in missing]
        runner.run([apt_get, "download", "-q", *specs], cwd=root, timeout=600)
    found = {p.name: root / p.filename for p in wanted}
    for name, path in found.items():
        if not path.exists():
            raise errors.LabError(
                f"apt-get download left no {path.name} in {root}",
                fix=f"run `apt-get download {name}` in {root} to see why",
            )
    return found


def extract(deb: Path, destination: Path) -> None:
    dpkg_deb = runner.require("dpkg-deb", package="dpkg")
    runner.run([dpkg_deb, "-x", str(deb), str(destination)], timeout=300)
