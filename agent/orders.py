"""The orders the conductor can give, registered by name (``deploy``, ``clean``), each
turning its JSON arguments into values, doing the work through the concern modules and
returning JSON details for the result. Called by ``client`` for each order it receives."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import pathlib
from collections.abc import Callable
from typing import Any

from agent import cleaning, configdrive, errors, hints, imaging, inventory

Json = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Machine:
    """Where the host's devices are: ``/`` in the ramdisk, a fake tree in tests."""

    root: pathlib.Path

    def device(self, name: str) -> str:
        return str(self.root / name.lstrip("/"))


Handler = Callable[[Machine, Json], Json]
HANDLERS: dict[str, Handler] = {}


def order(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


def run(machine: Machine, kind: str, args: Json) -> Json:
    handler = HANDLERS.get(kind)
    if handler is None:
        raise errors.BadOrder(
            f"unknown order {kind!r} (this agent knows {', '.join(sorted(HANDLERS))}): "
            "the agent and the controller are different versions; rebuild the ramdisk"
        )
    return handler(machine, args)


def _object(args: Json, key: str, *, optional: bool = False) -> Json:
    value = args.get(key)
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise errors.BadOrder(f"order argument {key!r} must be an object")
    return value


def _string(args: Json, key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str):
        raise errors.BadOrder(f"order argument {key!r} must be a string")
    return value


def image_info(raw: Json) -> imaging.ImageInfo:
    return imaging.ImageInfo(
        url=_string(raw, "url"),
        checksum=_string(raw, "checksum"),
        checksum_type=_string(raw, "checksum_type"),
        disk_format=_string(raw, "disk_format", "raw"),
    )


def config_drive(raw: Json) -> configdrive.ConfigDrive:
    user_data = None
    if raw.get("user_data_b64") is not None:
        try:
            user_data = base64.b64decode(_string(raw, "user_data_b64"), validate=True)
        except binascii.Error as err:
            raise errors.BadOrder(f"user_data_b64 is not base64: {err}") from err
    network = raw.get("network_data")
    if network is not None and not isinstance(network, dict):
        raise errors.BadOrder("network_data must be an object")
    return configdrive.ConfigDrive(
        meta_data=_object(raw, "meta_data"), user_data=user_data, network_data=network
    )


@order("deploy")
def deploy(machine: Machine, args: Json) -> Json:
    info = image_info(_object(args, "image_info"))
    wanted = hints.parse(args.get("root_device_hints"))
    drive_raw = _object(args, "configdrive", optional=True)
    drive = config_drive(drive_raw) if drive_raw else None
    disk = hints.choose(wanted, inventory.disks(machine.root))
    device = machine.device(disk["name"])
    written = imaging.write(info, device, int(disk["size"]))
    details: Json = {"root_device": disk["name"], "size": written.size, "digest": written.digest}
    if drive is not None:
        details["configdrive_partition"] = configdrive.write(device, drive).number
    return details


@order("clean")
def clean(machine: Machine, args: Json) -> Json:
    mode = _string(args, "mode", "metadata")
    if mode != "metadata":
        raise errors.BadOrder(f"cleaning mode {mode!r} is not 'metadata'")
    cleaned = []
    for disk in inventory.disks(machine.root):
        wiped = cleaning.wipe(machine.device(disk["name"]))
        cleaned.append({"name": disk["name"], "partitions": wiped.partitions})
    return {"disks": cleaned}
