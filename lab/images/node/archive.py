"""Container images as docker-archive tars (what ``ctr images import`` and ``docker load``
read), written here from files on disk: one layer, no registry, no container engine.

The layer is reproducible (owner root, mtime 0, sorted), so an archive's digest depends only
on its files. Called by ``lab.images.node.containers``.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Entry:
    """A file of the image at ``path`` (absolute): a copy of ``source`` or a symlink to ``link``."""

    path: str
    source: Path | None = None
    link: str = ""


def _info(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = kind, mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _parents(entries: Sequence[Entry]) -> list[str]:
    parents = {
        str(parent)
        for entry in entries
        for parent in PurePosixPath(entry.path.lstrip("/")).parents
        if str(parent) != "."
    }
    return sorted(parents)


def _write_layer(layer: tarfile.TarFile, entries: Sequence[Entry]) -> None:
    for directory in _parents(entries):
        layer.addfile(_info(directory, tarfile.DIRTYPE, 0o755))
    for entry in sorted(entries, key=lambda e: e.path):
        name = entry.path.lstrip("/")
        if entry.source is None:
            info = _info(name, tarfile.SYMTYPE, 0o777)
            info.linkname = entry.link
            layer.addfile(info)
            continue
        info = _info(name, tarfile.REGTYPE, 0o755)
        info.size = entry.source.stat().st_size
        with entry.source.open("rb") as data:
            layer.addfile(info, data)


def _add_bytes(outer: tarfile.TarFile, name: str, data: bytes) -> None:
    info = _info(name, tarfile.REGTYPE, 0o644)
    info.size = len(data)
    outer.addfile(info, io.BytesIO(data))


def write(out: Path, reference: str, entries: Sequence[Entry], entrypoint: Sequence[str]) -> str:
    """Write the archive of image ``reference`` to ``out``; return its layer's diff ID."""
    with tempfile.TemporaryFile(dir=out.parent) as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as layer:
            _write_layer(layer, entries)
        layer_size = raw.tell()
        raw.seek(0)
        sha = hashlib.sha256()
        for chunk in iter(lambda: raw.read(1 << 20), b""):
            sha.update(chunk)
        diff_id = sha.hexdigest()
        config = {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": {"Env": [PATH_ENV], "Entrypoint": list(entrypoint) or None},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
            "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "metallab"}],
        }
        config_bytes = json.dumps(config, sort_keys=True).encode()
        config_name = f"{hashlib.sha256(config_bytes).hexdigest()}.json"
        manifest = [
            {"Config": config_name, "RepoTags": [reference], "Layers": [f"{diff_id}/layer.tar"]}
        ]
        staging = out.with_name(out.name + ".partial")
        with tarfile.open(staging, mode="w", format=tarfile.PAX_FORMAT) as outer:
            outer.addfile(_info(diff_id, tarfile.DIRTYPE, 0o755))
            info = _info(f"{diff_id}/layer.tar", tarfile.REGTYPE, 0o644)
            info.size = layer_size
            raw.seek(0)
            outer.addfile(info, raw)
            _add_bytes(outer, config_name, config_bytes)
            _add_bytes(outer, "manifest.json", json.dumps(manifest).encode())
        staging.replace(out)
    return f"sha256:{diff_id}"
