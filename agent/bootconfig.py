"""The per-boot configuration ``/etc/metallab-agent/boot.json`` the ramdisk carries (from
``boot-config.cpio``): the conductor's URL, this boot's token and the CA that signed the
conductor's certificate. Read once by ``__main__``."""

from __future__ import annotations

import dataclasses
import json
import pathlib

from agent import errors

PATH = pathlib.Path("/etc/metallab-agent/boot.json")


@dataclasses.dataclass(frozen=True)
class BootConfig:
    conductor_url: str
    token: str
    ca_pem: str


def parse(text: str) -> BootConfig:
    try:
        raw = json.loads(text)
    except ValueError as err:
        raise errors.AgentError(f"boot.json is not JSON ({err}): rebuild the boot config") from err
    if not isinstance(raw, dict):
        raise errors.AgentError("boot.json must be a JSON object")
    values = {}
    for key in ("conductor_url", "token", "ca_pem"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise errors.AgentError(f"boot.json lacks {key!r} (a non-empty string)")
        values[key] = value
    if not values["conductor_url"].startswith("https://"):
        raise errors.AgentError("boot.json conductor_url must be an https:// URL")
    return BootConfig(**values)


def load(path: pathlib.Path = PATH) -> BootConfig:
    try:
        text = path.read_text()
    except OSError as err:
        raise errors.AgentError(
            f"cannot read {path} ({err}): the boot-config.cpio initrd is missing"
        ) from err
    return parse(text)
