"""Metadata cleaning: partition tables (MBR, both GPT copies) and the signatures at the
start and end of each partition are zeroed, and blkid finds nothing afterwards; data in
the middle of a partition is left (this is metadata cleaning, not erasure)."""

from __future__ import annotations

import pathlib
import subprocess

from agent import cleaning, configdrive
from tests.unit.agent import test_configdrive

MIB = 2**20


def blkid(path: pathlib.Path) -> str:
    done = subprocess.run(
        ["blkid", "-p", "-o", "export", str(path)], capture_output=True, text=True, check=False
    )
    return done.stdout


def test_wipes_tables_and_signatures(tmp_path: pathlib.Path) -> None:
    path = test_configdrive.disk(tmp_path)
    test_configdrive.gpt_image(path)
    part = configdrive.write(str(path), test_configdrive.DRIVE)
    with path.open("r+b") as f:
        f.seek(2048 * 512 + 3 * MIB // 2)
        f.write(b"payload")
    assert "PTTYPE=gpt" in blkid(path)
    done = cleaning.wipe(str(path))
    assert done.partitions == 2
    data = path.read_bytes()
    assert data[:MIB] == bytes(MIB) and data[-MIB:] == bytes(MIB)
    assert data[part.start : part.start + part.size] == bytes(part.size)
    assert b"payload" in data  # the middle of the image's partition is not erased
    assert blkid(path) == ""


def test_blank_disk_stays_blank(tmp_path: pathlib.Path) -> None:
    path = test_configdrive.disk(tmp_path, 3 * MIB // 2)
    assert cleaning.wipe(str(path)).partitions == 0
    assert path.read_bytes() == bytes(3 * MIB // 2)
