"""Root-disk choice: every BMO root device hint parsed and matched, the default (smallest
disk of at least 4 GiB), and errors that name the problem."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from agent import errors, hints, inventory

GIB = 2**30


@pytest.fixture
def disks(host: pathlib.Path) -> list[dict[str, Any]]:
    return inventory.disks(host)


def pick(raw: Any, disks: list[dict[str, Any]]) -> str:
    return str(hints.choose(hints.parse(raw), disks)["name"])


def test_default_is_the_smallest_disk_of_at_least_4_gib(disks: list[dict[str, Any]]) -> None:
    assert pick(None, disks) == "/dev/vda"  # nvme0n1 (3 GiB) is too small


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ({"deviceName": "/dev/sda"}, "/dev/sda"),
        ({"deviceName": "sda"}, "/dev/sda"),
        ({"deviceName": "/dev/disk/by-path/pci-0000:00:05.0-nvme-1"}, "/dev/nvme0n1"),
        ({"hctl": "2:0:0:0"}, "/dev/sda"),
        ({"model": "HARDDISK"}, "/dev/sda"),
        ({"vendor": "0x1af4"}, "/dev/vda"),
        ({"serialNumber": "nvme-serial"}, "/dev/nvme0n1"),
        ({"minSizeGigabytes": 6}, "/dev/sda"),
        ({"minSizeGigabytes": 1}, "/dev/nvme0n1"),
        ({"wwn": "0x5000C50012345678"}, "/dev/sda"),
        ({"wwnWithExtension": "0x5000c5001234567890abcdef12345678"}, "/dev/sda"),
        ({"wwnVendorExtension": "0x90abcdef12345678"}, "/dev/sda"),
        ({"rotational": True}, "/dev/sda"),
        ({"rotational": False}, "/dev/nvme0n1"),
        ({"rotational": False, "minSizeGigabytes": 4}, "/dev/vda"),
    ],
)
def test_each_hint(raw: dict[str, Any], name: str, disks: list[dict[str, Any]]) -> None:
    assert pick(raw, disks) == name


def test_no_match_names_the_hints_and_the_disks(disks: list[dict[str, Any]]) -> None:
    with pytest.raises(errors.NoRootDisk, match=r"serial.*nope.*/dev/sda.*fix the hints"):
        pick({"serialNumber": "nope"}, disks)


def test_no_disk_large_enough(disks: list[dict[str, Any]]) -> None:
    small = [d for d in disks if d["size"] < 4 * GIB]
    with pytest.raises(errors.NoRootDisk, match="at least 4 GiB"):
        pick(None, small)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "must be an object"),
        ({"size": 3}, "unknown key 'size'"),
        ({"model": 3}, "model must be a string"),
        ({"minSizeGigabytes": "4"}, "integer"),
        ({"minSizeGigabytes": True}, "integer"),
        ({"rotational": "yes"}, "true or false"),
    ],
)
def test_bad_hints(raw: Any, message: str) -> None:
    with pytest.raises(errors.BadOrder, match=message):
        hints.parse(raw)
