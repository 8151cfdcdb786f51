"""The config drive: a valid ISO9660 ``config-2`` volume (read back with pycdlib and blkid)
appended as a partition at the end of MBR, GPT and table-less disks, with both GPT headers
valid and the image's own partitions untouched."""

from __future__ import annotations

import io
import json
import os
import pathlib
import struct
import subprocess
import zlib

import pycdlib
import pytest

from agent import configdrive, partitions

MIB = 2**20
DRIVE = configdrive.ConfigDrive(
    meta_data={"uuid": "u-1", "name": "node-0"},
    user_data=b"#cloud-config\nmarker: hello\n",
    network_data={"links": []},
)


def read_iso(data: bytes) -> dict[str, bytes]:
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    out = {}
    try:
        for child in iso.list_children(iso_path="/OPENSTACK/LATEST"):
            name = child.file_identifier().decode()
            if name not in (".", "..") and "\x00" not in name and "\x01" not in name:
                buf = io.BytesIO()
                iso.get_file_from_iso_fp(buf, iso_path=f"/OPENSTACK/LATEST/{name}")
                out[name] = buf.getvalue()
        label = iso.pvd.volume_identifier.decode().strip()
    finally:
        iso.close()
    out["label"] = label.encode()
    return out


def test_iso_holds_the_three_files_and_the_label() -> None:
    files = read_iso(configdrive.image(DRIVE))
    assert files["label"] == b"config-2"
    assert json.loads(files["META_DATA.JSON;1"]) == DRIVE.meta_data
    assert files["USER_DATA;1"] == DRIVE.user_data
    assert json.loads(files["NETWORK_DATA.JSON;1"]) == {"links": []}


def test_blkid_sees_an_iso9660_config_2(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "cd.iso"
    path.write_bytes(configdrive.image(DRIVE))
    out = subprocess.run(
        ["blkid", "-p", "-o", "export", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "TYPE=iso9660" in out and "LABEL=config-2" in out


def disk(tmp_path: pathlib.Path, size: int = 64 * MIB) -> pathlib.Path:
    path = tmp_path / "disk"
    with path.open("wb") as f:
        f.truncate(size)
    return path


def mbr_image(path: pathlib.Path) -> None:
    mbr = bytearray(512)
    mbr[446:462] = struct.pack("<B3sB3sII", 0x80, b"\0\0\0", 0x83, b"\0\0\0", 2048, 4 * 2048)
    mbr[510:512] = b"\x55\xaa"
    with path.open("r+b") as f:
        f.write(mbr)


def gpt_image(path: pathlib.Path, image_size: int = 8 * MIB) -> None:
    """A GPT as an image writer leaves it: backup header at the end of the *image*."""
    entries = bytearray(128 * 128)
    entries[:56] = struct.pack("<16s16sQQQ", b"\x01" * 16, b"\x02" * 16, 2048, 10239, 0)
    last = image_size // 512 - 1
    header = bytearray(92)
    struct.pack_into(
        "<8sIII4sQQQQ16sQIII",
        header,
        0,
        b"EFI PART",
        0x10000,
        92,
        0,
        bytes(4),
        1,
        last,
        34,
        last - 33,
        b"\x03" * 16,
        2,
        128,
        128,
        zlib.crc32(entries),
    )
    struct.pack_into("<I", header, 16, zlib.crc32(header))
    protective = struct.pack("<B3sB3sII", 0, b"\0\2\0", 0xEE, b"\xff\xff\xff", 1, last)
    with path.open("r+b") as f:
        f.seek(446)
        f.write(protective + bytes(48) + b"\x55\xaa")
        f.seek(512)
        f.write(header)
        f.seek(1024)
        f.write(entries)


def partition_bytes(path: pathlib.Path, part: partitions.Partition) -> bytes:
    with path.open("rb") as f:
        f.seek(part.start)
        return f.read(part.size)


def test_mbr_disk_gets_a_partition_at_the_end(tmp_path: pathlib.Path) -> None:
    path = disk(tmp_path)
    mbr_image(path)
    part = configdrive.write(str(path), DRIVE)
    assert part.number == 2 and part.start + part.size == 64 * MIB
    fd = os.open(path, os.O_RDONLY)
    try:
        assert [p.number for p in partitions.read(fd)] == [1, 2]
    finally:
        os.close(fd)
    assert read_iso(partition_bytes(path, part))["USER_DATA;1"] == DRIVE.user_data


def test_gpt_disk_gets_an_entry_and_moved_valid_headers(tmp_path: pathlib.Path) -> None:
    path = disk(tmp_path)
    gpt_image(path)
    part = configdrive.write(str(path), DRIVE)
    data = path.read_bytes()
    last = len(data) // 512 - 1
    for lba, other in ((1, last), (last, 1)):
        header = bytearray(data[lba * 512 : lba * 512 + 92])
        crc = struct.unpack_from("<I", header, 16)[0]
        struct.pack_into("<I", header, 16, 0)
        assert zlib.crc32(header) == crc
        mine, alternate, _, last_usable, _, entries_lba, count, size, entries_crc = (
            struct.unpack_from("<QQQQ16sQIII", header, 24)
        )
        assert (mine, alternate, last_usable) == (lba, other, last - 33)
        assert zlib.crc32(data[entries_lba * 512 : entries_lba * 512 + count * size]) == (
            entries_crc
        )
    assert part.number == 2 and part.start + part.size <= (last - 32) * 512
    assert read_iso(partition_bytes(path, part))["label"] == b"config-2"
    fd = os.open(path, os.O_RDONLY)
    try:
        assert partitions.read(fd)[0] == partitions.Partition(1, 2048 * 512, 8192 * 512)
    finally:
        os.close(fd)
    table = subprocess.run(
        ["parted", "-s", "-m", str(path), "unit", "s", "print"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "gpt" in table.stdout and "config-2" in table.stdout
    assert "fix" not in table.stderr.lower() and "error" not in table.stderr.lower()


def test_disk_without_table_gets_an_mbr(tmp_path: pathlib.Path) -> None:
    path = disk(tmp_path)
    part = configdrive.write(str(path), DRIVE)
    assert part.number == 1 and path.read_bytes()[510:512] == b"\x55\xaa"


def test_full_mbr_is_refused(tmp_path: pathlib.Path) -> None:
    path = disk(tmp_path)
    mbr = bytearray(512)
    for i in range(4):
        mbr[446 + i * 16 : 462 + i * 16] = struct.pack(
            "<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048 * (i + 1), 2048
        )
    mbr[510:512] = b"\x55\xaa"
    path.write_bytes(bytes(mbr) + bytes(64 * MIB - 512))
    with pytest.raises(Exception, match="four partitions"):
        configdrive.write(str(path), DRIVE)


def test_hybrid_iso_mbr_keeps_its_entries(tmp_path: pathlib.Path) -> None:
    """The test OS image's layout (xorriso isohybrid): the ISO from sector 0, an EFI image
    after it, and an entry of type 0 that still holds sectors — none of them is reused."""
    path = disk(tmp_path)
    mbr = bytearray(512)
    for i, (kind, start, count) in enumerate(
        ((0x17, 0, 22528), (0xEF, 22528, 2368), (0, 24896, 64))
    ):
        mbr[446 + i * 16 : 462 + i * 16] = struct.pack(
            "<B3sB3sII", 0, b"\0\0\0", kind, b"\0\0\0", start, count
        )
    mbr[510:512] = b"\x55\xaa"
    with path.open("r+b") as f:
        f.write(mbr)
    part = configdrive.write(str(path), DRIVE)
    assert part.number == 4
    fd = os.open(path, os.O_RDONLY)
    try:
        assert [p.number for p in partitions.read(fd)] == [1, 2, 3, 4]
    finally:
        os.close(fd)
