"""The ``direct`` backend with the conductor, against real BMCs on 127.0.0.1 (sushy-tools'
emulator, a pyghmi BMC): in-band inspection, deployment and cleaning for each BMC kind —
``redfish-virtualmedia`` (the BMC downloads the per-host ISO from the conductor), ``redfish``
and ``ipmi`` (next boot PXE, the host's iPXE script by MAC). The host's firmware is played by
``Firmware``: it watches the BMC, and when the host powers on it boots what the BMC says — the
inserted ISO's or the iPXE script's boot-config into the real agent (a host process on a fake
sysfs tree), or the disk — and stops the agent when the host powers off."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import pathlib
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from controller.api import host as api_host
from controller.api import types
from controller.bmc import access, credentials, ipmi, redfish
from controller.conductor import service
from controller.provisioner import base, direct
from tests import agentrig, fakehost, imageserver
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
GOOD = credentials.Credentials(conftest.USER, conftest.PASSWORD)
MAC = fakehost.MACS[0]
IMAGE = b"\xeb\x63\x90" + bytes(509) + b"in-band deploy\n" * 100000


class Firmware:
    def __init__(self, address: str, boot_url: str, agent: agentrig.Agent) -> None:
        parsed = access.parse(address)
        self.client: redfish.RedfishClient | ipmi.IpmiClient = (
            redfish.RedfishClient(parsed, GOOD, timeout=10)
            if parsed.protocol is access.Protocol.REDFISH
            else ipmi.IpmiClient(parsed, GOOD, timeout=10)
        )
        self.boot_url = boot_url
        self.agent = agent
        self.booted: list[str] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _cpio(self, device: str) -> bytes | None:
        if device == "cdrom" and isinstance(self.client, redfish.RedfishClient):
            url = self.client.media()
            if url is None:
                return None
            with urllib.request.urlopen(url, timeout=30) as reply:
                return agentrig.cpio_from_iso(reply.read())
        with urllib.request.urlopen(f"{self.boot_url}/v1/boot/{MAC}.ipxe", timeout=10) as r:
            script = r.read().decode()
        found = re.search(r"^initrd --name boot-config.cpio (\S+)$", script, re.M)
        if found is None:
            return None
        with urllib.request.urlopen(found.group(1), timeout=10) as reply:
            return bytes(reply.read())

    def _watch(self) -> None:
        booted_from = ""  # the boot device of the running boot; "" while off
        while not self.stop.wait(0.1):
            try:
                on = self.client.powered_on()
                device = self.client.boot_device() if on else ""
                # A power cycle can be quicker than one poll: a running host whose boot
                # device changed has been rebooted (the backend changes it only while off).
                if on and device != booted_from:
                    self.agent.stop()
                    self.booted.append(device)
                    if device in ("cdrom", "pxe"):
                        cpio = self._cpio(device)
                        if cpio is not None:
                            self.agent.start(cpio)
                elif booted_from and not on:
                    self.agent.stop()
                booted_from = device
            except Exception as err:  # recorded for the test to show, the watch goes on
                self.errors.append(f"{type(err).__name__}: {err}")

    def wait_off(self) -> None:
        deadline = time.monotonic() + 30
        while self.client.powered_on() or self.agent.process is not None:
            assert time.monotonic() < deadline, "the host stayed on"
            time.sleep(0.1)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.agent.stop()


@dataclasses.dataclass(frozen=True)
class Served:
    conductor: service.Conductor
    images_url: str


@pytest.fixture
def served(tmp_path: pathlib.Path) -> Iterator[Served]:
    www = tmp_path / "www"
    www.mkdir()
    agentrig.build_base_iso(www)
    (www / "os.img").write_bytes(IMAGE)
    (tmp_path / "pki").mkdir()
    (tmp_path / "conductor").mkdir()
    with imageserver.serve(www) as url:
        settings = agentrig.settings(
            tmp_path / "pki", iso_url=f"{url}/agent.iso", agent_timeout=60.0
        )
        running = service.Conductor(settings, tmp_path / "conductor")
        running.start()
        yield Served(running, url)
        running.stop()


async def settle(step: Callable[[], object], limit: float = 90.0) -> base.Result:
    deadline = time.monotonic() + limit
    while True:
        result = await step()  # type: ignore[misc]
        assert isinstance(result, base.Result)
        if result.status is not base.Status.BUSY:
            return result
        assert time.monotonic() < deadline, "the step stayed busy"
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("kind", ["redfish-virtualmedia", "redfish", "ipmi"])
def test_inspect_deploy_clean_through_the_bmc(
    kind: str,
    redfish_bmc: str,
    ipmi_bmc: str,
    served: Served,
    tmp_path: pathlib.Path,
) -> None:
    conductor = served.conductor
    address = {
        "redfish-virtualmedia": redfish_bmc.replace(
            "redfish+http://", "redfish-virtualmedia+http://"
        ),
        "redfish": redfish_bmc,
        "ipmi": ipmi_bmc,
    }[kind]
    root = fakehost.build(tmp_path / "host")
    firmware = Firmware(address, conductor.config.boot_url, agentrig.Agent(root, tmp_path))
    host = base.HostData(
        key="ns/node-0",
        uid=f"uid-{kind}",
        address=access.parse(address),
        credentials=GOOD,
        boot_mac=MAC,
        boot_mode=types.BootMode.UEFI,
        verify_certificates=True,
        provisioning_id="",
    )
    provisioner = direct.DirectBackend(timeout=10, conductor=conductor).build(host)
    try:
        inspected = asyncio.run(settle(lambda: provisioner.inspect(base.InspectRequest())))
        assert inspected.status is base.Status.DONE, inspected.message
        assert inspected.hardware is not None
        assert [n.pxe for n in inspected.hardware.nics] == [True, False]
        assert len(inspected.hardware.storage) == 3
        first_boot = "cdrom" if kind == "redfish-virtualmedia" else "pxe"
        assert firmware.booted == [first_boot]
        assert firmware.client.powered_on() is False
        if isinstance(firmware.client, redfish.RedfishClient) and kind.endswith("media"):
            assert firmware.client.media() is None  # ejected
        firmware.wait_off()

        image = api_host.Image(
            f"{served.images_url}/os.img",
            hashlib.sha512(IMAGE).hexdigest(),
            types.ChecksumType.SHA512,
        )
        request = base.ProvisionRequest(
            image=image,
            root_device_hints={"rotational": True},
            config_drive=base.ConfigDrive(user_data=b"MARKER"),
        )
        deployed = asyncio.run(settle(lambda: provisioner.provision(request)))
        assert deployed.status is base.Status.DONE, deployed.message
        # The BMC applies power changes late (sushy's fake driver: 1-11 s): wait for the boot.
        deadline = time.monotonic() + 30
        while len(firmware.booted) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert firmware.booted == [first_boot, first_boot, "disk"], firmware.errors
        assert firmware.client.boot_device() == "disk"
        with (root / "dev/sda").open("rb") as f:
            assert f.read(len(IMAGE))[512:] == IMAGE[512:]

        cleaned = asyncio.run(
            settle(lambda: provisioner.deprovision(base.DeprovisionRequest(clean=True)))
        )
        assert cleaned.status is base.Status.DONE, cleaned.message
        assert firmware.client.powered_on() is False
        with (root / "dev/sda").open("rb") as f:
            assert f.read(2**20) == bytes(2**20)
        assert firmware.booted == [first_boot, first_boot, "disk", first_boot]
        assert firmware.agent.output().count("metallab-agent: ready") == 3
        assert firmware.errors == []
    finally:
        firmware.close()
