"""Metadata cleaning (``automatedCleaningMode: metadata``): on every disk, erase what makes
data findable — the signatures at the start and end of each partition (filesystems, RAID
and LVM labels: what ``wipefs`` finds lives in the first and last MiB), then the partition
tables themselves (MBR, both GPT copies) in the disk's first and last MiB. Called by
``orders`` for clean."""

from __future__ import annotations

import dataclasses
import os

from agent import partitions

WIPE = 2**20


@dataclasses.dataclass(frozen=True)
class Cleaned:
    device: str
    partitions: int


def _zero(fd: int, start: int, length: int, limit: int) -> None:
    start = max(0, start)
    length = min(length, limit - start)
    if length > 0:
        partitions.write_at(fd, bytes(length), start)


def wipe(device: str) -> Cleaned:
    fd = os.open(device, os.O_RDWR)
    try:
        size = partitions.size_of(fd)
        found = partitions.read(fd)
        for part in found:
            end = min(part.start + part.size, size)
            _zero(fd, part.start, min(WIPE, part.size), size)
            _zero(fd, max(part.start, end - WIPE), WIPE, end)
        _zero(fd, 0, WIPE, size)
        _zero(fd, size - WIPE, WIPE, size)
        os.fsync(fd)
    finally:
        os.close(fd)
    return Cleaned(device=device, partitions=len(found))
