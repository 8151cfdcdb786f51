"""Fixtures for the agent ↔ conductor tests: a running conductor on loopback ports
(tests/agentrig.py), a fake host tree (tests/fakehost.py) whose "BMC" boots the real agent as
a host process (``ProcessBooter``), and a loopback image server."""

from __future__ import annotations

import asyncio
import dataclasses
import pathlib
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest

from controller.api import types
from controller.bmc import access, credentials
from controller.conductor import service
from controller.provisioner import base, inband
from tests import agentrig, fakehost, imageserver

REPO = pathlib.Path(__file__).resolve().parents[3]
BOOT_MAC = fakehost.MACS[0]


@pytest.fixture
def conductor(tmp_path: pathlib.Path) -> Iterator[service.Conductor]:
    (tmp_path / "pki").mkdir()
    (tmp_path / "conductor").mkdir()
    running = service.Conductor(agentrig.settings(tmp_path / "pki"), tmp_path / "conductor")
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


class ProcessBooter:
    """The "BMC" of the fake host: booting the agent fetches the iPXE script for the boot
    MAC and the boot-config.cpio it names over plain HTTP (as iPXE would), unpacks boot.json
    and starts ``python3 -m agent`` on the fake tree; power off stops it."""

    def __init__(self, conductor: service.Conductor, root: pathlib.Path, work: pathlib.Path):
        self.conductor = conductor
        self.agent = agentrig.Agent(root, work)
        self.disk_boots = 0

    @property
    def boots(self) -> int:
        return self.agent.boots

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self.agent.process

    def _start(self) -> None:
        boot_url = self.conductor.config.boot_url
        with urllib.request.urlopen(f"{boot_url}/v1/boot/{BOOT_MAC}.ipxe", timeout=10) as r:
            script = r.read().decode()
        config_url = re.search(r"^initrd --name boot-config.cpio (\S+)$", script, re.M)
        assert config_url is not None, script
        with urllib.request.urlopen(config_url.group(1), timeout=10) as r:
            self.agent.start(r.read())

    def stop(self) -> None:
        self.agent.stop()

    def output(self) -> str:
        return self.agent.output()

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
    boot_mode=types.BootMode.UEFI,
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
