"""An image's digest: stable for the same inputs, different when any input changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lab.images import debs, plan


def _plan(tmp_path: Path) -> plan.Plan:
    files = plan.file_hashes("agent", tmp_path, plan.tree_files(tmp_path))
    return plan.Plan(
        name="agent",
        packages=(debs.Package("busybox-static", "1:1.35.0-4"),),
        files=files,
        settings=(("cmdline", "console=ttyS0"),),
    )


def test_the_digest_follows_packages_files_and_settings(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("print('a')\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    first = _plan(tmp_path)
    assert first.digest() == _plan(tmp_path).digest()
    assert [label for label, _ in first.files] == ["agent/__main__.py"]
    (tmp_path / "__main__.py").write_text("print('b')\n")
    assert _plan(tmp_path).digest() != first.digest()
    newer = dataclasses.replace(first, packages=(debs.Package("busybox-static", "1:1.36"),))
    assert newer.digest() != first.digest()
    assert dataclasses.replace(first, settings=()).digest() != first.digest()


def test_deb_file_names_are_the_ones_apt_get_download_writes() -> None:
    package = debs.Package("busybox-static", "1:1.35.0-4+deb12u1+b1")
    assert package.filename == "busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb"
