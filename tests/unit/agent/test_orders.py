"""Orders on a fake host: deploy picks the root disk by hints, streams the image and appends
the config drive; clean wipes every disk; bad orders and unknown kinds are refused by name."""

from __future__ import annotations

import base64
import hashlib
import pathlib
from collections.abc import Iterator

import pytest

from agent import errors, orders
from tests import imageserver
from tests.unit.agent import test_configdrive

IMAGE = b"\xeb\x63\x90" + bytes(509) + b"bootable" * 100000


@pytest.fixture
def served(tmp_path: pathlib.Path) -> Iterator[str]:
    (tmp_path / "www").mkdir()
    (tmp_path / "www/os.img").write_bytes(IMAGE)
    with imageserver.serve(tmp_path / "www") as url:
        yield url


def deploy_args(url: str, **extra: object) -> dict[str, object]:
    return {
        "image_info": {
            "url": f"{url}/os.img",
            "checksum": hashlib.sha256(IMAGE).hexdigest(),
            "checksum_type": "sha256",
            "disk_format": "raw",
        },
        "configdrive": {
            "meta_data": {"uuid": "u-1"},
            "user_data_b64": base64.b64encode(b"marker").decode(),
        },
        **extra,
    }


def test_deploy_writes_image_and_config_drive(host: pathlib.Path, served: str) -> None:
    machine = orders.Machine(host)
    details = orders.run(
        machine, "deploy", deploy_args(served, root_device_hints={"hctl": "2:0:0:0"})
    )
    assert details["root_device"] == "/dev/sda" and details["size"] == len(IMAGE)
    assert details["configdrive_partition"] == 1
    with (host / "dev/sda").open("rb") as f:
        written = f.read(len(IMAGE))
        assert written[:446] == IMAGE[:446] and written[512:] == IMAGE[512:]
        assert written[510:512] == b"\x55\xaa"  # the image gained a table for the drive
        f.seek(10 * 2**30 - 2**20)
        drive = test_configdrive.read_iso(f.read(2**20))
    assert drive["USER_DATA;1"] == b"marker"


def test_clean_wipes_every_disk(host: pathlib.Path, served: str) -> None:
    machine = orders.Machine(host)
    orders.run(machine, "deploy", deploy_args(served))  # default disk: vda
    with (host / "dev/vda").open("rb") as f:
        assert f.read(3) == IMAGE[:3]
    details = orders.run(machine, "clean", {"mode": "metadata"})
    assert [d["name"] for d in details["disks"]] == ["/dev/nvme0n1", "/dev/sda", "/dev/vda"]
    with (host / "dev/vda").open("rb") as f:
        assert f.read(2**20) == bytes(2**20)
        f.seek(5 * 2**30 - 2**20)
        assert f.read() == bytes(2**20)


@pytest.mark.parametrize(
    ("kind", "args", "message"),
    [
        ("format", {}, "unknown order 'format'"),
        ("deploy", {}, "'image_info' must be an object"),
        ("deploy", {"image_info": {"url": 3}}, "'url' must be a string"),
        ("clean", {"mode": "erase"}, "not 'metadata'"),
    ],
)
def test_bad_orders(host: pathlib.Path, kind: str, args: dict[str, object], message: str) -> None:
    with pytest.raises(errors.BadOrder, match=message):
        orders.run(orders.Machine(host), kind, args)


def test_no_disk_matches(host: pathlib.Path, served: str) -> None:
    args = deploy_args(served, root_device_hints={"serialNumber": "none"})
    with pytest.raises(errors.NoRootDisk):
        orders.run(orders.Machine(host), "deploy", args)
