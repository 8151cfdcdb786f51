"""A small ISO9660 writer: a volume label and a tree of small files, laid out in one pass
(system area, primary volume descriptor, terminator, path tables, directories, file data).
Names are stored in ISO9660's upper case with ``;1``; Linux shows them lower case (its
default ``map=normal``), which is how cloud-init and the test OS read a config drive.
Called by ``configdrive``."""

from __future__ import annotations

import struct
import time

BLOCK = 2048


def _both16(value: int) -> bytes:
    return struct.pack("<H", value) + struct.pack(">H", value)


def _both32(value: int) -> bytes:
    return struct.pack("<I", value) + struct.pack(">I", value)


def _date7() -> bytes:
    t = time.gmtime()
    return bytes([t.tm_year - 1900, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, 0])


def _date17() -> bytes:
    return time.strftime("%Y%m%d%H%M%S00", time.gmtime()).encode() + b"\x00"


def _record(name: bytes, lba: int, size: int, directory: bool) -> bytes:
    length = 33 + len(name) + (1 - len(name) % 2)
    record = (
        bytes([length, 0])
        + _both32(lba)
        + _both32(size)
        + _date7()
        + bytes([2 if directory else 0, 0, 0])
        + _both16(1)
        + bytes([len(name)])
        + name
    )
    return record + bytes(length - len(record))


def _blocks(size: int) -> int:
    return max(1, -(-size // BLOCK))


def build(label: str, files: dict[str, bytes]) -> bytes:
    """An ISO image holding ``files`` (paths like ``openstack/latest/user_data``)."""
    dirs: list[str] = [""]
    for path in sorted(files):
        parts = path.split("/")[:-1]
        for i in range(len(parts)):
            d = "/".join(parts[: i + 1])
            if d not in dirs:
                dirs.append(d)
    dirs.sort(key=lambda d: (d.count("/") if d else -1, d))
    children = {
        d: sorted(p for p in files if p.rsplit("/", 1)[0] == d or ("/" not in p and d == ""))
        for d in dirs
    }
    subdirs = {
        d: [s for s in dirs if s and (s.rsplit("/", 1)[0] if "/" in s else "") == d] for d in dirs
    }
    # Layout: 16 system + PVD + terminator + L and M path tables, then one block per
    # directory (small trees), then the files.
    dir_lba = {d: 20 + i for i, d in enumerate(dirs)}
    file_lba: dict[str, int] = {}
    next_lba = 20 + len(dirs)
    for path in sorted(files):
        file_lba[path] = next_lba
        next_lba += _blocks(len(files[path]))

    def iso_name(path: str, directory: bool) -> bytes:
        base = path.rsplit("/", 1)[-1].upper()
        return base.encode() if directory else (base + ";1").encode()

    image = bytearray(next_lba * BLOCK)
    for d in dirs:
        parent = d.rsplit("/", 1)[0] if "/" in d else ""
        body = _record(b"\x00", dir_lba[d], BLOCK, True)
        body += _record(b"\x01", dir_lba[parent], BLOCK, True)
        entries = [(iso_name(s, True), dir_lba[s], BLOCK, True) for s in subdirs[d]]
        entries += [(iso_name(f, False), file_lba[f], len(files[f]), False) for f in children[d]]
        for name, lba, size, is_dir in sorted(entries):
            body += _record(name, lba, size, is_dir)
        if len(body) > BLOCK:
            raise ValueError(f"directory {d!r} has too many entries for one block")
        image[dir_lba[d] * BLOCK : dir_lba[d] * BLOCK + len(body)] = body
    for path, data in files.items():
        image[file_lba[path] * BLOCK : file_lba[path] * BLOCK + len(data)] = data

    def path_table(big: bool) -> bytes:
        fmt_i, fmt_h = (">I", ">H") if big else ("<I", "<H")
        out = b""
        for d in dirs:
            name = iso_name(d, True) if d else b"\x00"
            parent = d.rsplit("/", 1)[0] if "/" in d else ""
            entry = bytes([len(name), 0]) + struct.pack(fmt_i, dir_lba[d])
            entry += struct.pack(fmt_h, dirs.index(parent) + 1) + name
            out += entry + bytes(len(name) % 2)
        return out

    little, big = path_table(False), path_table(True)
    image[18 * BLOCK : 18 * BLOCK + len(little)] = little
    image[19 * BLOCK : 19 * BLOCK + len(big)] = big
    pvd = (
        b"\x01CD001\x01\x00"
        + b"LINUX".ljust(32)
        + label.encode().ljust(32)
        + bytes(8)
        + _both32(next_lba)
        + bytes(32)
        + _both16(1)
        + _both16(1)
        + _both16(BLOCK)
        + _both32(len(little))
        + struct.pack("<I", 18)
        + bytes(4)
        + struct.pack(">I", 19)
        + bytes(4)
        + _record(b"\x00", dir_lba[""], BLOCK, True)
        + b" " * (128 * 4 + 37 * 3)
        + _date17() * 2
        + b"0" * 16
        + b"\x00"
        + b"0" * 16
        + b"\x00"
        + b"\x01\x00"
    )
    image[16 * BLOCK : 16 * BLOCK + len(pvd)] = pvd
    image[17 * BLOCK : 17 * BLOCK + 7] = b"\xffCD001\x01"
    return bytes(image)
