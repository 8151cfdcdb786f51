"""The in-band steps as a state machine, with a scripted BMC and the agent played through the
conductor's session API: one agent boot per step however often the step is polled, BMC steps
that report busy resumed rather than restarted, failures reported by the agent worded for the
host's errorMessage, and both bounded waits (no lookup, no heartbeat) on a fake clock."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from agent import inventory as agent_inventory
from controller.api import host as api_host
from controller.api import types
from controller.bmc import access, credentials
from controller.conductor import config, service, wire
from controller.provisioner import base, inband
from tests import fakehost

MAC = fakehost.MACS[0]
HOST = base.HostData(
    key="ns/node-0",
    uid="uid-0",
    address=access.parse("redfish://127.0.0.1:1/redfish/v1/Systems/x"),
    credentials=credentials.Credentials("u", "p"),
    boot_mac=MAC,
    boot_mode=types.BootMode.UEFI,
    verify_certificates=True,
    provisioning_id="",
)
IMAGE = api_host.Image(
    "http://127.0.0.1:1/os.img", "0" * 64, types.ChecksumType.SHA256, types.ImageFormat.RAW
)


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedBMC:
    """Each call answers from its script (then DONE); calls are counted."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.script: dict[str, list[base.Status]] = {}

    def _answer(self, call: str) -> base.Result:
        self.calls.append(call)
        pending = self.script.get(call) or []
        status = pending.pop(0) if pending else base.Status.DONE
        return base.Result(status, retry_after=1.0 if status is base.Status.BUSY else 0.0)

    async def boot_agent(self, boot: str) -> base.Result:
        return self._answer("boot_agent")

    async def power_off(self) -> base.Result:
        return self._answer("power_off")

    async def boot_disk(self) -> base.Result:
        return self._answer("boot_disk")


@pytest.fixture
def conductor(tmp_path: pathlib.Path) -> Iterator[service.Conductor]:
    (tmp_path / "ca.crt").write_text("CA")
    settings = config.Config(
        agent_url="https://127.0.0.1:1",
        boot_url="http://127.0.0.1:2",
        cert_file=tmp_path / "c",
        key_file=tmp_path / "k",
        ca_file=tmp_path / "ca.crt",
        agent_timeout=60.0,
    )
    running = service.Conductor(settings, tmp_path / "work")
    yield running
    running.stop()


@pytest.fixture
def clock(conductor: service.Conductor) -> Clock:
    clock = Clock()
    conductor.sessions.clock = clock
    return clock


@pytest.fixture
def bmc() -> ScriptedBMC:
    return ScriptedBMC()


@pytest.fixture
def driver(conductor: service.Conductor, bmc: ScriptedBMC, clock: Clock) -> inband.InBand:
    return inband.InBand(conductor, HOST, bmc, inband.Memory(), clock)


def agent_token(conductor: service.Conductor) -> str:
    view = conductor.sessions.view(HOST.uid)
    assert view is not None
    found = conductor.sessions.boot_config(boot=view.boot)
    assert found is not None
    return found[0]


def agent_boots(conductor: service.Conductor, tmp_path: pathlib.Path) -> str:
    """The agent looks up and sends its inventory; returns its token."""
    token = agent_token(conductor)
    conductor.sessions.lookup(token, wire.Lookup((MAC,)))
    raw = agent_inventory.collect(fakehost.build(tmp_path / "host"), ip_of=lambda _: "")
    conductor.sessions.heartbeat(token, wire.Heartbeat(None, wire.inventory(raw)))
    return token


def step(call: Any) -> base.Result:
    result = asyncio.run(call())
    assert isinstance(result, base.Result)
    return result


def test_inspection_boots_once_and_resumes_a_busy_power_off(
    driver: inband.InBand, conductor: service.Conductor, bmc: ScriptedBMC, tmp_path: pathlib.Path
) -> None:
    assert step(driver.inspect).status is base.Status.BUSY
    assert step(driver.inspect).status is base.Status.BUSY  # waiting for the agent
    agent_boots(conductor, tmp_path)
    bmc.script["power_off"] = [base.Status.BUSY]
    assert step(driver.inspect).status is base.Status.BUSY
    assert conductor.sessions.view(HOST.uid) is None  # the token is gone already
    done = step(driver.inspect)
    assert done.status is base.Status.DONE
    assert done.hardware is not None
    assert [n.pxe for n in done.hardware.nics] == [True, False]
    assert bmc.calls == ["boot_agent", "power_off", "power_off"]


def test_deployment_orders_once_then_boots_the_disk(
    driver: inband.InBand, conductor: service.Conductor, bmc: ScriptedBMC, tmp_path: pathlib.Path
) -> None:
    drive = base.ConfigDrive(user_data=b"hi", meta_data={"extra": 1})

    def deploy() -> Any:
        return driver.deploy(IMAGE, {"deviceName": "/dev/sda"}, drive)

    assert step(deploy).status is base.Status.BUSY
    token = agent_boots(conductor, tmp_path)
    assert step(deploy).status is base.Status.BUSY
    order = conductor.sessions.heartbeat(token, wire.Heartbeat(None, None))
    assert order is not None and order.kind == "deploy"
    assert order.args["root_device_hints"] == {"deviceName": "/dev/sda"}
    assert order.args["image_info"]["checksum_type"] == "sha256"
    meta = order.args["configdrive"]["meta_data"]
    assert meta["uuid"] == HOST.uid and meta["metal3-name"] == "node-0" and meta["extra"] == 1
    assert order.args["configdrive"]["user_data_b64"] == "aGk="
    assert step(deploy).status is base.Status.BUSY  # running
    conductor.sessions.report(token, order.id, wire.Outcome(True, "", "", {"size": 1}))
    bmc.script["boot_disk"] = [base.Status.BUSY]
    assert step(deploy).status is base.Status.BUSY
    assert step(deploy).status is base.Status.DONE
    assert bmc.calls == ["boot_agent", "power_off", "boot_disk", "boot_disk"]


def test_agent_failure_is_worded_and_powers_off(
    driver: inband.InBand, conductor: service.Conductor, bmc: ScriptedBMC, tmp_path: pathlib.Path
) -> None:
    step(driver.clean)
    token = agent_boots(conductor, tmp_path)
    step(driver.clean)
    order = conductor.sessions.heartbeat(token, wire.Heartbeat(None, None))
    assert order is not None and order.args == {"mode": "metadata"}
    conductor.sessions.report(token, order.id, wire.Outcome(False, "disk gone", "agent", {}))
    failed = step(driver.clean)
    assert failed.status is base.Status.FAILED and failed.message == "clean failed: disk gone"
    assert bmc.calls == ["boot_agent", "power_off"]
    assert conductor.sessions.view(HOST.uid) is None


def test_agent_never_calls_back(
    driver: inband.InBand, conductor: service.Conductor, bmc: ScriptedBMC, clock: Clock
) -> None:
    step(driver.inspect)
    clock.now += 59
    assert step(driver.inspect).status is base.Status.BUSY
    clock.now += 2
    failed = step(driver.inspect)
    assert failed.status is base.Status.FAILED
    assert "did not call back within 60s" in failed.message
    assert step(driver.inspect).status is base.Status.BUSY  # the retry boots a new agent
    assert bmc.calls == ["boot_agent", "power_off", "boot_agent"]


def test_agent_that_stops_heartbeating(
    driver: inband.InBand, conductor: service.Conductor, clock: Clock
) -> None:
    step(lambda: driver.deploy(IMAGE, None, None))
    token = agent_token(conductor)  # boot files close at lookup: read it first
    conductor.sessions.lookup(token, wire.Lookup((MAC,)))
    conductor.sessions.heartbeat(token, wire.Heartbeat(None, None))
    clock.now += 61
    failed = step(lambda: driver.deploy(IMAGE, None, None))
    assert failed.status is base.Status.FAILED and "stopped heartbeating" in failed.message


def test_a_failed_boot_ends_the_session(
    driver: inband.InBand, conductor: service.Conductor, bmc: ScriptedBMC
) -> None:
    bmc.script["boot_agent"] = [base.Status.FAILED]
    assert step(driver.inspect).status is base.Status.FAILED
    assert conductor.sessions.view(HOST.uid) is None
