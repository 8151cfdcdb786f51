"""The real agent (a host process on a fake sysfs tree, a plain file as each disk) talking
real HTTPS to the real conductor on 127.0.0.1, driven by the ``direct`` backend's in-band
steps: inspection → deployment (image bytes and the config-2 partition read back from the
disk file) → cleaning, then the faults: checksum mismatch, unreachable image, no disk
matching the hints, an agent that never calls back, forged/replayed tokens, unknown MACs and
malformed JSON — each a clear failure, the conductor still serving afterwards."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import http.client
import io
import json
import pathlib
import re
import socket
import ssl
import subprocess
from typing import Any

import pycdlib
import pytest

from controller.api import host as api_host
from controller.api import types
from controller.conductor import service, sessions
from controller.provisioner import base, inband
from tests import fakehost
from tests.integration.conductor import conftest

IMAGE = b"\xeb\x63\x90" + bytes(509) + b"metallab test image\n" * 200000  # ~4 MiB
GIB = 2**30


def publish(images: tuple[pathlib.Path, str], data: bytes = IMAGE) -> api_host.Image:
    root, url = images
    (root / "os.img").write_bytes(data)
    return api_host.Image(
        f"{url}/os.img",
        hashlib.sha256(data).hexdigest(),
        types.ChecksumType.SHA256,
        types.ImageFormat.RAW,
    )


def read_config_drive(disk: pathlib.Path) -> dict[str, bytes]:
    with disk.open("rb") as f:
        f.seek(disk.stat().st_size - 2**20)
        data = f.read()
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    out = {"label": iso.pvd.volume_identifier.strip()}
    for name in ("META_DATA.JSON;1", "USER_DATA;1", "NETWORK_DATA.JSON;1"):
        buf = io.BytesIO()
        iso.get_file_from_iso_fp(buf, iso_path=f"/OPENSTACK/LATEST/{name}")
        out[name] = buf.getvalue()
    iso.close()
    return out


def run(step: Any) -> base.Result:
    return asyncio.run(conftest.until_settled(step))


def test_inspect_deploy_clean(rig: conftest.Rig, images: tuple[pathlib.Path, str]) -> None:
    inspected = run(rig.inband.inspect)
    assert inspected.status is base.Status.DONE, inspected.message
    assert "metallab-agent: ready" in rig.booter.output()
    hardware = inspected.hardware
    assert hardware is not None
    assert [d.name for d in hardware.storage] == ["/dev/nvme0n1", "/dev/sda", "/dev/vda"]
    assert [n.pxe for n in hardware.nics] == [True, False]
    assert hardware.system_vendor is not None
    assert hardware.system_vendor.serial_number == "ML-0001"
    assert rig.booter.process is None  # powered off after inspection
    assert rig.conductor.sessions.view(conftest.HOST.uid) is None  # token dropped

    image = publish(images)
    drive = base.ConfigDrive(user_data=b"#!/bin/sh\necho MARKER-42\n", network_data={"links": []})
    step = lambda: rig.inband.deploy(image, {"deviceName": "/dev/sda"}, drive)  # noqa: E731
    deployed = run(step)
    assert deployed.status is base.Status.DONE, deployed.message
    assert rig.booter.disk_boots == 1 and rig.booter.boots == 2
    sda = rig.root / "dev/sda"
    with sda.open("rb") as f:
        written = f.read(len(IMAGE))
    assert written[:446] == IMAGE[:446] and written[512:] == IMAGE[512:]
    drive_files = read_config_drive(sda)
    assert drive_files["label"] == b"config-2"
    assert drive_files["USER_DATA;1"] == drive.user_data
    meta = json.loads(drive_files["META_DATA.JSON;1"])
    assert meta == inband.default_meta_data(conftest.HOST.uid, conftest.HOST.key)
    assert meta["metal3-name"] == "node-0" and meta["uuid"] == conftest.HOST.uid
    assert json.loads(drive_files["NETWORK_DATA.JSON;1"]) == {"links": []}
    assert (rig.root / "dev/vda").open("rb").read(4096) == bytes(4096)  # only sda written

    cleaned = run(rig.inband.clean)
    assert cleaned.status is base.Status.DONE, cleaned.message
    for disk in fakehost.DISKS:
        path = rig.root / "dev" / disk.name
        with path.open("rb") as f:
            assert f.read(2**20) == bytes(2**20)
            f.seek(disk.size - 2**20)
            assert f.read() == bytes(2**20)
        blkid = subprocess.run(["blkid", "-p", str(path)], capture_output=True, check=False)
        assert blkid.stdout == b""


@pytest.mark.parametrize(
    "case",
    [
        (None, IMAGE, "0" * 64, "image checksum mismatch: .* expected 0000"),
        ({"serialNumber": "no-such"}, IMAGE, "", "no root disk: no disk matches rootDeviceHints"),
        ({"deviceName": "/dev/nvme0n1"}, b"", "", "image not written: cannot download"),
    ],
)
def test_deploy_faults(
    rig: conftest.Rig, images: tuple[pathlib.Path, str], case: tuple[Any, bytes, str, str]
) -> None:
    hints, data, checksum, message = case
    image = publish(images)
    if checksum:
        image = api_host.Image(
            image.url, checksum, types.ChecksumType.SHA256, types.ImageFormat.RAW
        )
    if not data:
        image = api_host.Image(
            image.url + ".missing", image.checksum, types.ChecksumType.SHA256, types.ImageFormat.RAW
        )
    result = run(lambda: rig.inband.deploy(image, hints, None))
    assert result.status is base.Status.FAILED
    assert re.search(message, result.message), result.message
    assert rig.booter.process is None and rig.booter.disk_boots == 0
    assert rig.conductor.sessions.view(conftest.HOST.uid) is None


def test_agent_that_never_calls_back(conductor: service.Conductor, host: pathlib.Path) -> None:
    class Silent(conftest.ProcessBooter):
        async def boot_agent(self, boot: str) -> base.Result:
            return base.Result.done()  # the host "boots" but no agent ever runs

    conductor.config = dataclasses.replace(conductor.config, agent_timeout=1.0)
    silent = Silent(conductor, host, host)
    driver = inband.InBand(conductor, conftest.HOST, silent, inband.Memory())
    result = run(driver.inspect)
    assert result.status is base.Status.FAILED
    assert "did not call back within 1s" in result.message


def post(conductor: service.Conductor, path: str, body: bytes, token: str = "") -> tuple[int, Any]:
    context = ssl.create_default_context(cafile=str(conductor.config.ca_file))
    connection = http.client.HTTPSConnection(
        "127.0.0.1", conductor.config.agent_port, context=context, timeout=10
    )
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request("POST", path, body=body, headers=headers)
    reply = connection.getresponse()
    status, data = reply.status, json.loads(reply.read() or b"null")
    connection.close()
    return status, data


def test_bad_agents_are_refused_and_the_conductor_carries_on(conductor: service.Conductor) -> None:
    live = conductor.sessions
    boot = live.begin(
        conftest.HOST.uid, "lab", "node-0", sessions.Purpose.INSPECT, conftest.BOOT_MAC
    )
    found = live.boot_config(boot=boot)
    assert found is not None
    token = found[0]
    lookup = json.dumps({"macs": [conftest.BOOT_MAC]}).encode()
    assert post(conductor, "/v1/lookup", lookup)[0] == 401  # no token
    assert post(conductor, "/v1/lookup", lookup, "forged")[0] == 401
    unknown = json.dumps({"macs": ["52:54:00:ff:ff:ff"]}).encode()
    assert post(conductor, "/v1/lookup", unknown, token)[0] == 403  # not this token's host
    status, reply = post(conductor, "/v1/lookup", b"{not json", token)
    assert status == 400 and "not JSON" in reply["error"]
    status, reply = post(conductor, "/v1/lookup", lookup, token)
    assert status == 200 and reply["host"]["name"] == "node-0"
    bad_inventory = json.dumps({"inventory": {"cpu": "fast"}}).encode()
    status, reply = post(conductor, "/v1/heartbeat", bad_inventory, token)
    assert status == 400 and "inventory" in reply["error"]
    assert post(conductor, "/v1/heartbeat", b"[]", token)[0] == 400
    assert post(conductor, "/v1/orders/00ff/result", b'{"ok": true}', token)[0] == 400
    assert post(conductor, "/v1/nowhere", b"{}", token)[0] == 404
    live.begin(conftest.HOST.uid, "lab", "node-0", sessions.Purpose.INSPECT, conftest.BOOT_MAC)
    assert post(conductor, "/v1/heartbeat", b"{}", token)[0] == 401  # replayed: a new boot
    with pytest.raises(ssl.SSLError):  # TLS is verified against the lab CA only
        ssl.create_default_context().wrap_socket(
            socket.create_connection(("127.0.0.1", conductor.config.agent_port)),
            server_hostname="127.0.0.1",
        )
