"""Docker-archive tars: the layout ``ctr images import`` reads, reproducible byte for byte."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

from lab.images.node import archive


def _write(tmp_path: Path, name: str) -> Path:
    program = tmp_path / "prog"
    program.write_bytes(b"\x7fELF fake program")
    out = tmp_path / name
    archive.write(
        out,
        "registry.k8s.io/pause:3.10.1",
        [archive.Entry("/pause", program), archive.Entry("/bin/sh", link="/pause")],
        ["/pause"],
    )
    return out


def test_manifest_config_and_layer_agree(tmp_path: Path) -> None:
    out = _write(tmp_path, "pause.tar")
    with tarfile.open(out) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert manifest[0]["RepoTags"] == ["registry.k8s.io/pause:3.10.1"]
        config_bytes = tar.extractfile(manifest[0]["Config"]).read()  # type: ignore[union-attr]
        layer_bytes = tar.extractfile(manifest[0]["Layers"][0]).read()  # type: ignore[union-attr]
    assert manifest[0]["Config"] == hashlib.sha256(config_bytes).hexdigest() + ".json"
    config = json.loads(config_bytes)
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(layer_bytes).hexdigest()]
    assert config["config"]["Entrypoint"] == ["/pause"]
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    with tarfile.open(fileobj=io.BytesIO(layer_bytes)) as layer:
        members = {m.name: m for m in layer.getmembers()}
    assert members["pause"].mode == 0o755 and members["pause"].uid == 0
    assert members["bin"].isdir() and members["bin/sh"].linkname == "/pause"


def test_same_files_give_the_same_bytes(tmp_path: Path) -> None:
    assert _write(tmp_path, "a.tar").read_bytes() == _write(tmp_path, "b.tar").read_bytes()
    assert not list(tmp_path.glob("*.partial"))
