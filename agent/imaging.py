"""Image writing: stream a raw image over HTTP(S) straight onto a disk, hashing it on the way
(md5/sha256/sha512), in fixed 1 MiB chunks — hosts have 256 MiB of RAM, so nothing is
buffered beyond one chunk. Called by ``orders`` for deploy.

qcow2 is refused before anything is written: turning qcow2 into raw needs random access to
its cluster tables (L2 tables and data clusters may come in any order), which a one-pass
stream into a stdlib-only agent cannot do without holding the image. Convert it once where it
is published (``qemu-img convert -O raw``) and set ``format: raw``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import ssl
import urllib.error
import urllib.request

from agent import errors

CHUNK = 2**20
ALGORITHMS = ("md5", "sha256", "sha512")
HEX_LENGTHS = {"md5": 32, "sha256": 64, "sha512": 128}
QCOW2_MAGIC = b"QFI\xfb"
TIMEOUT = 30.0


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    """Ironic's ``image_info`` fields the agent uses."""

    url: str
    checksum: str  # hex digest, or the URL of a checksum file
    checksum_type: str  # md5 | sha256 | sha512
    disk_format: str = "raw"


@dataclasses.dataclass(frozen=True)
class Written:
    device: str
    size: int
    digest: str


def _open(url: str, context: ssl.SSLContext | None) -> urllib.response.addinfourl:
    if not url.startswith(("http://", "https://")):
        raise errors.ImageError(f"image URL {url!r} is not http:// or https://: fix spec.image")
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT, context=context)  # type: ignore[no-any-return]
    except (urllib.error.URLError, OSError) as err:
        raise errors.ImageError(
            f"cannot download {url}: {err}; check that the image server is up and the URL is right"
        ) from err


def resolve_checksum(info: ImageInfo, context: ssl.SSLContext | None = None) -> str:
    """The expected hex digest: the checksum itself, or the image's line of a checksum file
    (``<hex>  <name>`` lines, or a file holding one digest)."""
    if info.checksum_type not in ALGORITHMS:
        raise errors.BadOrder(
            f"checksum type {info.checksum_type!r} is not one of {', '.join(ALGORITHMS)}"
        )
    value = info.checksum.strip()
    if value.startswith(("http://", "https://")):
        with _open(value, context) as reply:
            text = reply.read(2**20).decode(errors="replace")
        name = info.url.rsplit("/", 1)[-1]
        lines = [line.split() for line in text.splitlines() if line.strip()]
        found = [p[0] for p in lines if len(p) >= 2 and p[-1].lstrip("*") == name]
        if not found and len(lines) == 1:
            found = [lines[0][0]]
        if not found:
            raise errors.ImageError(f"checksum file {value} has no line for {name}")
        value = found[0]
    value = value.lower()
    if len(value) != HEX_LENGTHS[info.checksum_type] or any(
        c not in "0123456789abcdef" for c in value
    ):
        raise errors.BadOrder(f"checksum {value!r} is not a {info.checksum_type} hex digest")
    return value


def write(
    info: ImageInfo,
    device: str,
    disk_size: int,
    *,
    context: ssl.SSLContext | None = None,
) -> Written:
    """Stream the image onto ``device`` (a block device or a plain file) and verify it."""
    if info.disk_format not in ("raw", ""):
        raise errors.ImageError(
            f"image format {info.disk_format!r} cannot be written by the agent: it streams raw "
            "images only (qcow2 needs random access to convert); publish a raw image "
            "(qemu-img convert -O raw) and set format: raw"
        )
    expected = resolve_checksum(info, context)
    digest = hashlib.new(info.checksum_type)
    written = 0
    with _open(info.url, context) as reply:
        length = reply.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > disk_size:
            raise errors.ImageTooLarge(
                f"image {info.url} is {int(length)} bytes, larger than the root disk {device} "
                f"({disk_size} bytes): use a larger disk or rootDeviceHints"
            )
        fd = os.open(device, os.O_WRONLY)
        try:
            while True:
                try:
                    chunk = reply.read(CHUNK)
                except OSError as err:
                    raise errors.ImageError(f"download of {info.url} broke off: {err}") from err
                if not chunk:
                    break
                if written == 0 and chunk.startswith(QCOW2_MAGIC):
                    raise errors.ImageError(
                        f"image {info.url} is qcow2 although its format says raw: convert it "
                        "(qemu-img convert -O raw) or fix spec.image.format"
                    )
                if written + len(chunk) > disk_size:
                    raise errors.ImageTooLarge(
                        f"image {info.url} is larger than the root disk {device} "
                        f"({disk_size} bytes): use a larger disk or rootDeviceHints"
                    )
                digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
                written += len(chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
    actual = digest.hexdigest()
    if actual != expected:
        raise errors.ChecksumMismatch(
            f"image {info.url} has {info.checksum_type} {actual}, expected {expected}: the "
            "image or spec.image.checksum is wrong"
        )
    return Written(device=device, size=written, digest=actual)
