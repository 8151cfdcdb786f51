"""Fixtures for the agent ↔ conductor tests: a lab CA and server certificate for 127.0.0.1,
a running conductor on loopback ports, a fake host tree (tests/fakehost.py) whose "BMC"
boots the real agent as a host process (``ProcessBooter``), and a loopback image server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import os
import pathlib
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from controller.bmc import access, credentials
from controller.conductor import config, service
from controller.provisioner import base, inband
from lab import pki, ports
from tests import fakehost, imageserver

REPO = pathlib.Path(__file__).resolve().parents[3]
BOOT_MAC = fakehost.MACS[0]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> pki.Pair:
    d = tmp_path_factory.mktemp("pki")
    ca = pki.ensure_ca(pki.Pair(d / "ca.crt", d / "ca.key"), common_name="test CA")
    pki.issue(
        ca,
        pki.Pair(d / "conductor.crt", d / "conductor.key"),
        common_name="conductor",
        usage=pki.Usage.SERVER,
        validity=datetime.timedelta(days=1),
    )
    return ca


@pytest.fixture
def conductor(tls: pki.Pair, tmp_path: pathlib.Path) -> Iterator[service.Conductor]:
    agent_port, boot_port = ports.free(), ports.free()
    d = tls.cert.parent
    settings = config.Config(
        agent_url=f"https://127.0.0.1:{agent_port}",
        boot_url=f"http://127.0.0.1:{boot_port}",
        listen_address="127.0.0.1",
        agent_port=agent_port,
        boot_port=boot_port,
        kernel_url="http://127.0.0.1:1/vmlinuz",
        initrd_url="http://127.0.0.1:1/initrd.img",
        cert_file=d / "conductor.crt",
        key_file=d / "conductor.key",
        ca_file=tls.cert,
        agent_timeout=20.0,
        heartbeat_s=0.3,
    )
    running = service.Conductor(settings, tmp_path / "conductor")
    (tmp_path / "conductor").mkdir()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def host(tmp_path: pathlib.Path) -> pathlib.Path:
    return fakehost.build(tmp_path / "host")


@pytest.fixture
def images(tmp_path: pathlib.Path) -> Iterator[tuple[pathlib.Path, str]]:
    root = tmp_path / "www"
    root.mkdir()
    with imageserver.serve(root) as url:
        yield root, url


def unpack_newc(data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    offset = 0
    while True:
        header = data[offset : offset + 110]
        assert header[:6] == b"070701"
        fields = [int(header[6 + 8 * i : 14 + 8 * i], 16) for i in range(13)]
        size, name_size = fields[6], fields[11]
        name = data[offset + 110 : offset + 110 + name_size - 1].decode()
        offset += 110 + name_size
        offset += -offset % 4
        if name == "TRAILER!!!":
            return out
        out[name] = data[offset : offset + size]
        offset += size + (-size % 4)


class ProcessBooter:
    """The "BMC" of the fake host: booting the agent fetches the iPXE script for the boot
    MAC and the boot-config.cpio it names over plain HTTP (as iPXE would), unpacks boot.json
    and starts ``python3 -m agent`` on the fake tree; power off stops it."""

    def __init__(self, conductor: service.Conductor, root: pathlib.Path, work: pathlib.Path):
        self.conductor = conductor
        self.root = root
        self.work = work
        self.process: subprocess.Popen[str] | None = None
        self.boots = 0
        self.disk_boots = 0
        self.logs: list[str] = []

    def _start(self) -> None:
        boot_url = self.conductor.config.boot_url
        with urllib.request.urlopen(f"{boot_url}/v1/boot/{BOOT_MAC}.ipxe", timeout=10) as r:
            script = r.read().decode()
        config_url = re.search(r"^initrd --name boot-config.cpio (\S+)$", script, re.M)
        assert config_url is not None, script
        with urllib.request.urlopen(config_url.group(1), timeout=10) as r:
            files = unpack_newc(r.read())
        boot_json = self.work / f"boot-{self.boots}.json"
        boot_json.write_bytes(files["etc/metallab-agent/boot.json"])
        log = self.work / f"agent-{self.boots}.log"
        self.logs.append(str(log))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "agent", "--root", str(self.root), "--config", str(boot_json)],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.boots += 1

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def output(self) -> str:
        return "".join(pathlib.Path(p).read_text() for p in self.logs)

    async def boot_agent(self, boot: str) -> base.Result:
        self.stop()
        await asyncio.get_running_loop().run_in_executor(None, self._start)
        return base.Result.done()

    async def power_off(self) -> base.Result:
        self.stop()
        return base.Result.done(powered_on=False)

    async def boot_disk(self) -> base.Result:
        self.stop()
        self.disk_boots += 1
        return base.Result.done(powered_on=True)


@dataclasses.dataclass
class Rig:
    conductor: service.Conductor
    booter: ProcessBooter
    inband: inband.InBand
    root: pathlib.Path


HOST = base.HostData(
    key="lab/node-0",
    uid="0b0e5c1e-0000-4000-8000-000000000001",
    address=access.parse("redfish://127.0.0.1:1/redfish/v1/Systems/node-0"),
    credentials=credentials.Credentials("admin", "password"),
    boot_mac=BOOT_MAC,
    boot_mode="UEFI",
    verify_certificates=True,
    provisioning_id="",
)


@pytest.fixture
def rig(conductor: service.Conductor, host: pathlib.Path, tmp_path: pathlib.Path) -> Iterator[Rig]:
    booter = ProcessBooter(conductor, host, tmp_path)
    yield Rig(conductor, booter, inband.InBand(conductor, HOST, booter, inband.Memory()), host)
    booter.stop()


async def until_settled(step: object, limit: float = 60.0) -> base.Result:
    """Call the provisioner step until it is not BUSY (bounded in time)."""
    deadline = time.monotonic() + limit
    while True:
        result: base.Result = await step()  # type: ignore[operator]
        if result.status is not base.Status.BUSY:
            return result
        assert time.monotonic() < deadline, "the step stayed busy"
        await asyncio.sleep(0.1)
