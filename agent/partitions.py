"""Partition tables on a disk (a block device or a plain file): read the partitions of an MBR
or GPT disk, and append one partition at the end of the disk (for the config drive), moving
a GPT's backup header to the real end of the disk — an image written onto a larger disk
leaves it where the image ended. Called by ``configdrive`` and ``cleaning``."""

from __future__ import annotations

import dataclasses
import os
import struct
import uuid
import zlib

from agent import errors

SECTOR = 512
GPT_SIGNATURE = b"EFI PART"
# The "Linux filesystem" GPT type; MBR type 0x83.
LINUX_GUID = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8e47de4")
_MB = 2**20


@dataclasses.dataclass(frozen=True)
class Partition:
    number: int
    start: int  # bytes
    size: int  # bytes


def _pread(fd: int, size: int, offset: int) -> bytes:
    return os.pread(fd, size, offset)


def write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view, offset = view[done:], offset + done


def size_of(fd: int) -> int:
    return os.lseek(fd, 0, os.SEEK_END)


def _is_gpt(fd: int) -> bool:
    return _pread(fd, 8, SECTOR) == GPT_SIGNATURE


def _has_mbr(fd: int) -> bool:
    return _pread(fd, 2, 510) == b"\x55\xaa"


def read(fd: int) -> list[Partition]:
    """The partitions of the disk (none when it has no table)."""
    if _is_gpt(fd):
        header = _pread(fd, 92, SECTOR)
        entries_lba, count, entry_size = struct.unpack_from("<QII", header, 72)
        table = _pread(fd, count * entry_size, entries_lba * SECTOR)
        out = []
        for i in range(count):
            entry = table[i * entry_size : (i + 1) * entry_size]
            if entry[:16] == bytes(16):
                continue
            first, last = struct.unpack_from("<QQ", entry, 32)
            out.append(Partition(i + 1, first * SECTOR, (last - first + 1) * SECTOR))
        return out
    if not _has_mbr(fd):
        return []
    mbr = _pread(fd, SECTOR, 0)
    out = []
    for i in range(4):
        kind = mbr[446 + i * 16 + 4]
        start, count = struct.unpack_from("<II", mbr, 446 + i * 16 + 8)
        if kind != 0xEE and count:  # type 0 with sectors: still in use (hybrid ISOs)
            out.append(Partition(i + 1, start * SECTOR, count * SECTOR))
    return out


def append(fd: int, size: int) -> Partition:
    """Add a partition of ``size`` bytes (rounded up to 1 MiB) at the end of the disk."""
    size = -(-size // _MB) * _MB
    disk = size_of(fd)
    if _is_gpt(fd):
        return _append_gpt(fd, size, disk)
    return _append_mbr(fd, size, disk)


def _append_mbr(fd: int, size: int, disk: int) -> Partition:
    # A disk without a table keeps its first sector's boot code; the table is added to it.
    mbr = bytearray(_pread(fd, SECTOR, 0).ljust(SECTOR, b"\0"))
    if not _has_mbr(fd):
        mbr[446:512] = bytes(64) + b"\x55\xaa"
    used = read(fd)
    end = max([p.start + p.size for p in used], default=_MB)
    start = (disk - size) // _MB * _MB
    if start < end or disk > 2**32 * SECTOR:
        raise errors.AgentError(
            f"no room for a {size} byte config drive after the image's partitions: use a "
            "larger disk"
        )
    for i in range(4):
        offset = 446 + i * 16
        if mbr[offset + 4] == 0 and mbr[offset + 12 : offset + 16] == bytes(4):
            mbr[offset : offset + 16] = struct.pack(
                "<B3sB3sII",
                0,
                b"\xff\xff\xfe",
                0x83,
                b"\xff\xff\xfe",
                start // SECTOR,
                size // SECTOR,
            )
            write_at(fd, bytes(mbr), 0)
            return Partition(i + 1, start, size)
    raise errors.AgentError(
        "the image's MBR has four partitions already: no slot for the config drive; use a "
        "GPT image or one with at most three partitions"
    )


def _append_gpt(fd: int, size: int, disk: int) -> Partition:
    header = bytearray(_pread(fd, SECTOR, SECTOR))
    header_size = struct.unpack_from("<I", header, 12)[0]
    entries_lba, count, entry_size = struct.unpack_from("<QII", header, 72)
    table = bytearray(_pread(fd, count * entry_size, entries_lba * SECTOR))
    table_sectors = -(-count * entry_size // SECTOR)
    last_lba = disk // SECTOR - 1
    last_usable = last_lba - table_sectors - 1
    used = read(fd)
    end = max([p.start + p.size for p in used], default=_MB)
    start = ((last_usable + 1) * SECTOR - size) // _MB * _MB
    if start < end:
        raise errors.AgentError(
            f"no room for a {size} byte config drive after the image's partitions: use a "
            "larger disk"
        )
    slot = next(
        (i for i in range(count) if table[i * entry_size : i * entry_size + 16] == bytes(16)), None
    )
    if slot is None:
        raise errors.AgentError("the image's GPT has no free entry for the config drive")
    entry = struct.pack(
        "<16s16sQQQ72s",
        LINUX_GUID.bytes_le,
        uuid.uuid4().bytes_le,
        start // SECTOR,
        (start + size) // SECTOR - 1,
        0,
        "config-2".encode("utf-16-le"),
    )
    table[slot * entry_size : slot * entry_size + len(entry)] = entry
    table_crc = zlib.crc32(table)
    backup_entries = last_lba - table_sectors

    def finish(copy: bytearray, mine: int, other: int, entries: int) -> bytes:
        struct.pack_into("<QQ", copy, 24, mine, other)
        struct.pack_into("<Q", copy, 48, last_usable)
        struct.pack_into("<Q", copy, 72, entries)
        struct.pack_into("<I", copy, 88, table_crc)
        struct.pack_into("<I", copy, 16, 0)
        struct.pack_into("<I", copy, 16, zlib.crc32(bytes(copy[:header_size])))
        return bytes(copy)

    write_at(fd, bytes(table), entries_lba * SECTOR)
    write_at(fd, finish(bytearray(header), 1, last_lba, entries_lba), SECTOR)
    write_at(fd, bytes(table), backup_entries * SECTOR)
    write_at(fd, finish(bytearray(header), last_lba, 1, backup_entries), last_lba * SECTOR)
    return Partition(slot + 1, start, size)
