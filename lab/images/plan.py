"""What an image build depends on, and the digest that names its output.

A ``Plan`` lists the exact Debian packages, the hash of every file the build copies or runs
(the recipe's own source, the repo's ``agent/``) and the recipe's settings; ``digest`` hashes
all of it, so any change rebuilds and nothing else does. Pure; built by the recipes and
used by ``lab.images.build``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from lab.images import debs


@dataclasses.dataclass(frozen=True)
class Plan:
    name: str
    packages: tuple[debs.Package, ...]
    files: tuple[tuple[str, str], ...]  # (label, sha256 of its content), sorted
    settings: tuple[tuple[str, str], ...] = ()

    def digest(self) -> str:
        document = {
            "name": self.name,
            "packages": [[p.name, p.version] for p in self.packages],
            "files": [list(f) for f in self.files],
            "settings": [list(s) for s in self.settings],
        }
        encoded = json.dumps(document, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]


def file_hashes(label: str, root: Path, files: Iterable[Path]) -> tuple[tuple[str, str], ...]:
    """``(label/relative path, sha256)`` for each of ``files`` under ``root``, sorted."""
    return tuple(
        sorted((f"{label}/{path.relative_to(root).as_posix()}", _sha256(path)) for path in files)
    )


def tree_files(root: Path) -> list[Path]:
    """The files of a source tree, without caches."""
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
