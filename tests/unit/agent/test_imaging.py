"""Streaming an image onto a disk (a plain file): bytes written, each checksum algorithm,
checksum files, and every refusal — mismatch, too large, qcow2, unreachable, bad digest."""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import Iterator

import pytest

from agent import errors, imaging
from tests import imageserver

IMAGE = bytes(range(256)) * 5000  # 1.2 MiB: more than one chunk


@pytest.fixture
def served(tmp_path: pathlib.Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "os.img").write_bytes(IMAGE)
    (root / "os.qcow2").write_bytes(b"QFI\xfb" + bytes(1000))
    sha = hashlib.sha256(IMAGE).hexdigest()
    (root / "SHA256SUMS").write_text(f"{'0' * 64}  other.img\n{sha}  os.img\n")
    with imageserver.serve(root) as url:
        yield url


@pytest.fixture
def disk(tmp_path: pathlib.Path) -> str:
    path = tmp_path / "disk"
    with path.open("wb") as f:
        f.truncate(4 * 2**20)
    return str(path)


@pytest.mark.parametrize("algorithm", imaging.ALGORITHMS)
def test_writes_and_verifies(algorithm: str, served: str, disk: str) -> None:
    digest = hashlib.new(algorithm, IMAGE).hexdigest()
    info = imaging.ImageInfo(f"{served}/os.img", digest.upper(), algorithm)
    written = imaging.write(info, disk, 4 * 2**20)
    assert (written.size, written.digest) == (len(IMAGE), digest)
    data = pathlib.Path(disk).read_bytes()
    assert data[: len(IMAGE)] == IMAGE and data[len(IMAGE) :] == bytes(len(data) - len(IMAGE))


def test_checksum_file_url(served: str, disk: str) -> None:
    info = imaging.ImageInfo(f"{served}/os.img", f"{served}/SHA256SUMS", "sha256")
    assert imaging.write(info, disk, 4 * 2**20).size == len(IMAGE)


def test_checksum_mismatch(served: str, disk: str) -> None:
    info = imaging.ImageInfo(f"{served}/os.img", "1" * 64, "sha256")
    with pytest.raises(errors.ChecksumMismatch, match="expected 1111"):
        imaging.write(info, disk, 4 * 2**20)


def test_image_larger_than_disk(served: str, disk: str) -> None:
    info = imaging.ImageInfo(f"{served}/os.img", hashlib.md5(IMAGE).hexdigest(), "md5")
    with pytest.raises(errors.ImageTooLarge, match="larger than the root disk"):
        imaging.write(info, disk, 2**20)
    assert pathlib.Path(disk).read_bytes() == bytes(4 * 2**20)  # refused before writing


def test_qcow2_is_refused_with_the_fix(served: str, disk: str) -> None:
    for info in (
        imaging.ImageInfo(f"{served}/os.qcow2", "0" * 32, "md5", "qcow2"),
        imaging.ImageInfo(f"{served}/os.qcow2", "0" * 32, "md5", "raw"),
    ):
        with pytest.raises(errors.ImageError, match=r"qemu-img convert -O raw"):
            imaging.write(info, disk, 4 * 2**20)


def test_unreachable_image(served: str, disk: str) -> None:
    info = imaging.ImageInfo(f"{served}/missing.img", "0" * 32, "md5")
    with pytest.raises(errors.ImageError, match=r"cannot download .*missing\.img"):
        imaging.write(info, disk, 4 * 2**20)


@pytest.mark.parametrize(
    ("checksum", "kind", "message"),
    [("abc", "sha256", "not a sha256 hex digest"), ("0" * 32, "sha1", "not one of")],
)
def test_bad_checksums(checksum: str, kind: str, message: str, served: str, disk: str) -> None:
    with pytest.raises(errors.BadOrder, match=message):
        imaging.write(imaging.ImageInfo(f"{served}/os.img", checksum, kind), disk, 4 * 2**20)
