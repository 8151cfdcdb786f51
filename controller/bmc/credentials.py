"""BMC credentials read from the Secret named by ``spec.bmc.credentialsName``.

``from_secret`` checks the keys Metal3 requires (``username``, ``password``), trims the
whitespace that ``echo … | base64`` leaves, and keeps the Secret's resourceVersion so a change
of credentials is noticed the way BMO notices it. ``Credentials`` never shows the password in
its repr, so logging a value is safe.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping
from typing import Any

from controller.bmc import errors


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class VersionedCredentials:
    credentials: Credentials
    version: str  # the Secret's metadata.resourceVersion


def _decode(secret_name: str, key: str, data: Mapping[str, Any]) -> str:
    raw = data.get(key)
    if raw is None:
        raise errors.CredentialsError(
            f"BMC Secret {secret_name!r} has no {key!r} key; add it (keys: username, password)"
        )
    try:
        value = base64.b64decode(str(raw), validate=True).decode().strip()
    except (binascii.Error, UnicodeDecodeError) as err:
        raise errors.CredentialsError(
            f"BMC Secret {secret_name!r} key {key!r} is not base64-encoded UTF-8"
        ) from err
    if not value:
        raise errors.CredentialsError(f"BMC Secret {secret_name!r} has an empty {key!r}")
    return value


def from_secret(secret: Mapping[str, Any]) -> VersionedCredentials:
    """Credentials from a Secret object as the API server returns it (``data`` base64)."""
    meta = secret.get("metadata") or {}
    name = str(meta.get("name") or "")
    data = dict(secret.get("data") or {})
    for key, value in (secret.get("stringData") or {}).items():
        data.setdefault(key, base64.b64encode(str(value).encode()).decode())
    return VersionedCredentials(
        credentials=Credentials(
            username=_decode(name, "username", data), password=_decode(name, "password", data)
        ),
        version=str(meta.get("resourceVersion") or ""),
    )


def missing_secret(name: str, namespace: str) -> errors.CredentialsError:
    if not name:
        return errors.CredentialsError("spec.bmc.credentialsName is empty; name the BMC Secret")
    return errors.CredentialsError(
        f"BMC Secret {namespace}/{name} does not exist; create it with keys username and password"
    )
