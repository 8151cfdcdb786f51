"""A host's config-drive contents from its ``userData``, ``networkData`` and ``metaData``
Secrets, read the way BMO reads them: the key named after the field (``userData``, …) or
``value``; network and meta data are YAML or JSON objects. Called by the operator before a
provisioning reconcile; the result travels in ``ProvisionRequest.config_drive``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import yaml

from controller.provisioner import base

Secret = Mapping[str, Any]


class ConfigDriveError(ValueError):
    """A Secret for the config drive is missing or unreadable; the message names it."""


def _value(secret: Secret, field: str, where: str) -> bytes:
    data = secret.get("data") or {}
    for key in (field, "value"):
        if key in data:
            try:
                return base64.b64decode(data[key], validate=True)
            except (binascii.Error, TypeError) as err:
                raise ConfigDriveError(f"Secret {where} key {key!r} is not base64") from err
    raise ConfigDriveError(f"Secret {where} has no key {field!r} or 'value': add one")


def _mapping(raw: bytes, where: str) -> dict[str, Any]:
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        raise ConfigDriveError(f"Secret {where} is not YAML or JSON: {err}") from err
    if not isinstance(value, dict):
        raise ConfigDriveError(f"Secret {where} must hold a mapping")
    return value


def build(
    *,
    user: tuple[str, Secret | None] | None,
    network: tuple[str, Secret | None] | None,
    meta: tuple[str, Secret | None] | None,
) -> base.ConfigDrive:
    """Each argument is (``namespace/name`` of the Secret, its body or None if missing), or
    None when the host does not name that Secret."""
    for ref in (user, network, meta):
        if ref is not None and ref[1] is None:
            raise ConfigDriveError(f"Secret {ref[0]} does not exist: create it or unset the field")
    return base.ConfigDrive(
        user_data=None if user is None else _value(user[1] or {}, "userData", user[0]),
        network_data=None
        if network is None
        else _mapping(_value(network[1] or {}, "networkData", network[0]), network[0]),
        meta_data={}
        if meta is None
        else _mapping(_value(meta[1] or {}, "metaData", meta[0]), meta[0]),
    )
