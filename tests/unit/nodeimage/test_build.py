"""The node image's cache: a no-op second build, checked images, space checked first, and no
half-written image left by a failed build."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from hostkit import errors
from lab.images.node import build, recipe, rootfs, sshkey


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("METALLAB_CACHE", str(tmp_path))
    return tmp_path


def _finished(qcow2_bytes: bytes = b"QFI\xfb image") -> Path:
    """A cache entry as a finished build leaves it, for the current inputs."""
    image_dir = build.directory(sshkey.ensure())
    image_dir.mkdir(parents=True)
    (image_dir / build.QCOW2).write_bytes(qcow2_bytes)
    sha = hashlib.sha256(qcow2_bytes).hexdigest()
    (image_dir / f"{build.QCOW2}.sha256").write_text(f"{sha}  {build.QCOW2}\n")
    (image_dir / build.RECORD).write_text(json.dumps({"seconds": 1}))
    return image_dir


def test_a_cached_image_is_returned_without_building(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_dir = _finished()
    monkeypatch.setenv("PATH", "/nonexistent")  # no go, no debootstrap: nothing may run
    image = build.ensure()
    assert image.qcow2 == image_dir / build.QCOW2
    assert build.cached() == image


def test_the_digest_is_stable_and_follows_the_inputs(cache: Path) -> None:
    key = sshkey.ensure()
    assert build.digest(key) == build.digest(sshkey.ensure())
    assert build.digest(key) != build.digest(key + "x")


def test_a_corrupt_image_is_named_with_the_fix(cache: Path) -> None:
    image_dir = _finished()
    (image_dir / build.QCOW2).write_bytes(b"QFI\xfb imagf")
    with pytest.raises(errors.LabError, match=r"node\.qcow2 is corrupt.*--force"):
        build.ensure()


def test_a_missing_image_is_named_with_the_fix(cache: Path) -> None:
    image_dir = _finished()
    (image_dir / build.QCOW2).unlink()
    with pytest.raises(errors.LabError, match=r"node\.qcow2 is missing.*--force"):
        build.ensure()


def test_too_little_space_is_refused_with_the_numbers(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(errors.LabError, match=r"needs .* GiB free in .*, which has .* GiB"):
        build.check_space(tmp_path, free + (1 << 40))
    build.check_space(tmp_path, 1)


def test_a_failed_build_leaves_no_partial_image(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # the first step (go build) fails
    with pytest.raises(errors.LabError, match="Go toolchain is not installed"):
        build.ensure()
    node_dir = cache / "images" / "node"
    assert list(node_dir.iterdir()) == []
    assert build.cached() is None


def test_debootstrap_missing_package_names_it_and_the_fix() -> None:
    err = rootfs.debootstrap_failure(
        "I: Resolving dependencies of required packages...\n"
        "E: Couldn't find these debs: containerdd\n",
        "",
        "http://mirror.invalid/debian",
    )
    assert "no package containerdd" in str(err)
    assert "recipe.py PACKAGES" in err.fix


def test_debootstrap_download_and_dpkg_failures_are_named() -> None:
    download = rootfs.debootstrap_failure(
        "E: Couldn't download packages: runc\n", "", "http://mirror.invalid/debian"
    )
    assert "could not download runc from http://mirror.invalid/debian" in str(download)
    configure = rootfs.debootstrap_failure(
        "W: Failure trying to run: chroot ... dpkg --configure -a\n",
        "dpkg: error processing package cloud-init (--configure):\n",
        "http://mirror.invalid/debian",
    )
    assert "package cloud-init failed to install" in str(configure)
    other = rootfs.debootstrap_failure("E: boom\n", "", "http://m.invalid/debian")
    assert recipe.SUITE in str(other) and "apt-get update" in other.fix
