"""Bad input ends as a clear errorType/errorMessage on the host, retried, and recovers when fixed:
missing Secret, Secret without password, wrong credentials, unreachable BMC, malformed address,
missing or bad boot MAC, a checksum that does not fit its type."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controller.provisioner import fixture
from tests.unit.controller import harness


def run(coro: Any) -> None:
    asyncio.run(coro)


def error_of(obj: harness.Body) -> tuple[str, str]:
    return harness.status(obj, "errorType"), harness.status(obj, "errorMessage")


async def fails_then_recovers(sim: harness.Sim, obj: harness.Body, fix: Any, expected: str) -> None:
    await sim.run_until(obj, lambda o: bool(harness.status(o, "errorType")))
    kind, message = error_of(obj)
    assert kind == "registration error"
    assert expected in message
    assert harness.status(obj, "operationalStatus") == "error"
    write = sim.writes[-1]
    assert write.requeue_after is not None and write.requeue_after > 0  # retried with backoff
    assert any(n.warning for n in write.notes)
    fix()
    await sim.to_state(obj, "available")
    assert (
        harness.status(obj, "errorType") is None
        and harness.status(obj, "operationalStatus") == "OK"
    )


def test_missing_secret(sim: harness.Sim) -> None:
    sim.secret = None
    obj = harness.body()
    run(
        fails_then_recovers(
            sim, obj, lambda: setattr(sim, "secret", harness.secret()), "does not exist"
        )
    )


def test_secret_without_password(sim: harness.Sim) -> None:
    broken = harness.secret()
    del broken["data"]["password"]
    sim.secret = broken
    obj = harness.body()
    run(
        fails_then_recovers(
            sim, obj, lambda: setattr(sim, "secret", harness.secret(version="2")), "'password'"
        )
    )


def test_wrong_credentials_then_fixed_secret(sim: harness.Sim) -> None:
    sim.backend.expect_password("ns/node", "right")
    sim.secret = harness.secret(password="wrong")
    obj = harness.body()
    run(
        fails_then_recovers(
            sim,
            obj,
            lambda: setattr(sim, "secret", harness.secret("right", version="2")),
            "refused",
        )
    )
    assert obj["status"]["goodCredentials"]["credentialsVersion"] == "2"


def test_unreachable_bmc_is_retried(sim: harness.Sim) -> None:
    sim.backend.inject(
        "ns/node", fixture.Op.REGISTER, "BMC at 10.0.0.1:623 did not answer", times=3
    )
    obj = harness.body()

    async def go() -> None:
        await sim.run_until(obj, lambda o: harness.status(o, "errorCount") == 3)
        assert "did not answer" in harness.status(obj, "errorMessage")
        await sim.to_state(obj, "available")

    run(go())


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("idrac://10.0.0.1", "unknown scheme"),
        ("ipmi://10.0.0.1:99999", "bad port"),
        ("ipmi://bad_host", "bad host"),
    ],
)
def test_malformed_address(sim: harness.Sim, address: str, expected: str) -> None:
    obj = harness.body()
    obj["spec"]["bmc"]["address"] = address

    def fix() -> None:
        obj["spec"]["bmc"]["address"] = "ipmi://127.0.0.1:6230"

    run(fails_then_recovers(sim, obj, fix, expected))


def test_bad_and_missing_boot_mac(sim: harness.Sim) -> None:
    obj = harness.body(bootMACAddress="zz:00:11:22:33:44:55")

    def fix() -> None:
        obj["spec"]["bootMACAddress"] = "52:54:00:aa:bb:cc"

    run(fails_then_recovers(sim, obj, fix, "not a MAC"))
    missing = harness.body(name="other")
    del missing["spec"]["bootMACAddress"]

    def fix_missing() -> None:
        missing["spec"]["bootMACAddress"] = "52:54:00:aa:bb:cd"

    run(fails_then_recovers(sim, missing, fix_missing, "bootMACAddress"))


def test_virtual_media_needs_no_boot_mac(sim: harness.Sim) -> None:
    obj = harness.body()
    del obj["spec"]["bootMACAddress"]
    obj["spec"]["bmc"]["address"] = (
        "redfish-virtualmedia+http://127.0.0.1:8000/redfish/v1/Systems/1"
    )
    run(sim.to_state(obj, "available"))


def test_checksum_that_does_not_fit_its_type(sim: harness.Sim) -> None:
    obj = harness.body(
        image={"url": "http://127.0.0.1/i.qcow2", "checksum": "abc", "checksumType": "sha256"}
    )

    async def go() -> None:
        await sim.run_until(obj, lambda o: harness.status(o, "errorType") == "provisioning error")
        assert "sha256" in harness.status(obj, "errorMessage")
        obj["spec"]["image"]["checksum"] = "b" * 64
        await sim.to_state(obj, "provisioned", steps=60)

    run(go())
