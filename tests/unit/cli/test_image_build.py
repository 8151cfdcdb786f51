"""``metallab image build node``: a cached image is reported in one line; an unknown target
is refused by the parser; a corrupt image is one error line naming the fix."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from lab.cli import main
from lab.images.node import build, sshkey


def _cached_image(cache: Path, data: bytes) -> Path:
    image_dir = build.directory(sshkey.ensure())
    image_dir.mkdir(parents=True)
    (image_dir / build.QCOW2).write_bytes(data)
    sha = hashlib.sha256(b"QFI\xfb").hexdigest()
    (image_dir / f"{build.QCOW2}.sha256").write_text(f"{sha}  {build.QCOW2}\n")
    (image_dir / build.RECORD).write_text(json.dumps({"seconds": 1}))
    return image_dir


def test_a_cached_build_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("METALLAB_CACHE", str(tmp_path))
    image_dir = _cached_image(tmp_path, b"QFI\xfb")
    assert main.main(["image", "build", "node"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"✓ node image {image_dir / build.QCOW2} (0 MiB, sha256 ")


def test_a_corrupt_image_is_one_error_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("METALLAB_CACHE", str(tmp_path))
    _cached_image(tmp_path, b"QFI\xfa")
    assert main.main(["image", "build", "node"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("metallab: error: the node image ")
    assert err.endswith("run 'metallab image build node --force'")
    assert len(err.splitlines()) == 1


def test_unknown_target_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main.main(["image", "build", "nodes"])
    assert "invalid choice: 'nodes'" in capsys.readouterr().err
