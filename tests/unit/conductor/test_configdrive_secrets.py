"""Config-drive contents from a host's Secrets, read like BMO: the field's key or ``value``,
YAML or JSON mappings for network/meta data, and clear errors for a missing or bad Secret."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from controller.provisioner import configdrive


def secret(**data: str) -> dict[str, Any]:
    return {"data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def test_all_three() -> None:
    drive = configdrive.build(
        user=("ns/u", secret(userData="#cloud-config\n")),
        network=("ns/n", secret(value="links: []\n")),
        meta=("ns/m", secret(metaData='{"role": "worker"}')),
    )
    assert drive.user_data == b"#cloud-config\n"
    assert drive.network_data == {"links": []}
    assert drive.meta_data == {"role": "worker"}


def test_none_named() -> None:
    drive = configdrive.build(user=None, network=None, meta=None)
    assert (drive.user_data, drive.network_data, drive.meta_data) == (None, None, {})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user": ("ns/u", None)}, "Secret ns/u does not exist"),
        ({"user": ("ns/u", secret(other="x"))}, "no key 'userData' or 'value'"),
        ({"network": ("ns/n", secret(value="- a\n"))}, "must hold a mapping"),
        ({"meta": ("ns/m", secret(value="a: [\n"))}, "not YAML or JSON"),
        ({"user": ("ns/u", {"data": {"value": "!!"}})}, "not base64"),
    ],
)
def test_errors(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"user": None, "network": None, "meta": None, **kwargs}
    with pytest.raises(configdrive.ConfigDriveError, match=message):
        configdrive.build(**args)
