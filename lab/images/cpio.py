"""A newc ("070701") cpio writer, so initramfs archives are deterministic and need no root.

The kernel unpacks every initrd it is given into one root filesystem; entries are written in
sorted path order with uid/gid 0 and a fixed mtime, and ``/dev/console`` can be a character
device although the builder is not allowed to ``mknod``. Used by ``lab.images.initramfs`` and
for the empty ``/boot-config.cpio`` placeholder of ``agent.iso``.
"""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import IO

MTIME = 0
_TRAILER = "TRAILER!!!"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One archive member: ``path`` is relative to the root (no leading ``/``)."""

    path: str
    mode: int  # file type bits included (stat.S_IFREG | 0o755, ...)
    data: bytes = b""
    rdev: tuple[int, int] = (0, 0)  # major, minor of a device node


def directory(path: str, mode: int = 0o755) -> Entry:
    return Entry(path, stat.S_IFDIR | mode)


def symlink(path: str, target: str) -> Entry:
    return Entry(path, stat.S_IFLNK | 0o777, target.encode())


def char_device(path: str, major: int, minor: int, mode: int = 0o600) -> Entry:
    return Entry(path, stat.S_IFCHR | mode, rdev=(major, minor))


def from_tree(root: Path) -> list[Entry]:
    """Every file, directory and symlink under ``root``, permissions kept, owners dropped."""
    entries = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            entries.append(symlink(relative, str(path.readlink())))
        elif stat.S_ISDIR(info.st_mode):
            entries.append(directory(relative, stat.S_IMODE(info.st_mode)))
        elif stat.S_ISREG(info.st_mode):
            entries.append(Entry(relative, info.st_mode, path.read_bytes()))
    return entries


def _header(entry: Entry, inode: int) -> bytes:
    name = entry.path.encode() + b"\0"
    fields = (
        inode,
        entry.mode,
        0,  # uid
        0,  # gid
        2 if stat.S_ISDIR(entry.mode) else 1,  # nlink
        MTIME,
        len(entry.data),
        0,  # dev major
        0,  # dev minor
        entry.rdev[0],
        entry.rdev[1],
        len(name),
        0,  # check
    )
    header = b"070701" + b"".join(b"%08X" % value for value in fields) + name
    return header + _pad(len(header))


def _pad(length: int) -> bytes:
    return _pad_to(length, 4)


def write(out: IO[bytes], entries: Iterable[Entry]) -> None:
    """Write ``entries`` (in the given order: parents before children) and the trailer."""
    written = 0
    inode = 1
    for entry in [*entries, Entry(_TRAILER, 0)]:
        chunk = _header(entry, inode) + entry.data + _pad(len(entry.data))
        out.write(chunk)
        written += len(chunk)
        inode += 1
    # Pad to 512-byte blocks like GNU cpio does.
    out.write(_pad_to(written, 512))


def _pad_to(length: int, block: int) -> bytes:
    return b"\0" * (-length % block)
