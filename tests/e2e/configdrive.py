"""A test helper that does what a deployment does after writing an image: a config drive.

``iso`` makes an OpenStack config drive (ISO9660 labelled ``config-2`` holding
``openstack/latest/{meta_data.json,user_data}``) with xorriso; ``append`` writes it into the
last sectors of a disk file and records it as a new primary partition in the disk's MBR, the
layout Ironic's agent leaves. Used by the test OS e2e tests.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from hostkit import runner

SECTOR = 512
_TABLE = 446  # the MBR's four 16-byte partition entries start here
_ENTRY = 16
_LINUX = 0x83


def iso(directory: Path, *, user_data: str, meta_data: dict[str, str]) -> Path:
    tree = directory / "config-drive"
    latest = tree / "openstack" / "latest"
    latest.mkdir(parents=True)
    (latest / "meta_data.json").write_text(json.dumps(meta_data))
    (latest / "user_data").write_text(user_data)
    out = directory / "config-drive.iso"
    runner.run(
        [
            "xorriso",
            "-as",
            "mkisofs",
            "-quiet",
            "-o",
            str(out),
            "-V",
            "config-2",
            "-J",
            "-R",
            str(tree),
        ]
    )
    return out


def append(disk: Path, drive: Path) -> int:
    """Put ``drive`` at the end of ``disk`` as a new MBR partition; returns its number."""
    size = disk.stat().st_size
    sectors = -(-drive.stat().st_size // SECTOR)
    start = size // SECTOR - sectors - 1
    with disk.open("r+b") as out:
        out.seek(_TABLE)
        table = out.read(4 * _ENTRY)
        slots = [table[i * _ENTRY : (i + 1) * _ENTRY] for i in range(4)]
        used = [struct.unpack_from("<II", slot, 8) for slot in slots if slot[4] != 0]
        last_used = max((first + count for first, count in used), default=1)
        assert start >= last_used, f"{disk} has no room after sector {last_used}"
        free = next(i for i, slot in enumerate(slots) if slot[4] == 0)
        # CHS fields say "use LBA" (0xfe,0xff,0xff), as partitioning tools write them.
        entry = struct.pack(
            "<B3sB3sII", 0, b"\xfe\xff\xff", _LINUX, b"\xfe\xff\xff", start, sectors
        )
        out.seek(_TABLE + free * _ENTRY)
        out.write(entry)
        out.seek(start * SECTOR)
        out.write(drive.read_bytes())
    return free + 1
