"""The config drive's Secrets as ``reconcile.config_drive`` reads them: a reference without a
namespace means the host's own (as in BMO), and the Secret's ``userData`` or ``value`` key
becomes the user data."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from typing import Any

from controller.api import host as api_host
from controller.operator import reconcile
from tests.unit.controller import harness


def test_a_reference_without_namespace_reads_the_hosts_namespace() -> None:
    asked: list[tuple[str, str]] = []

    async def lookup(namespace: str, name: str) -> Mapping[str, Any] | None:
        asked.append((namespace, name))
        return {"data": {"value": base64.b64encode(b"#cloud-config\n").decode()}}

    host = api_host.parse(harness.body(userData={"name": "user-data"}))
    drive = asyncio.run(reconcile.config_drive(host, lookup))
    assert asked == [("ns", "user-data")]
    assert drive.user_data == b"#cloud-config\n"


def test_a_reference_with_a_namespace_reads_that_namespace() -> None:
    asked: list[tuple[str, str]] = []

    async def lookup(namespace: str, name: str) -> Mapping[str, Any] | None:
        asked.append((namespace, name))
        return {"data": {"userData": base64.b64encode(b"x").decode()}}

    host = api_host.parse(harness.body(userData={"name": "u", "namespace": "other"}))
    asyncio.run(reconcile.config_drive(host, lookup))
    assert asked == [("other", "u")]
