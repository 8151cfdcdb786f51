"""Root-disk choice: pure functions over an inventory's disks. ``parse`` turns BMO's
``rootDeviceHints`` (camelCase: deviceName, hctl, model, vendor, serialNumber,
minSizeGigabytes, wwn, wwnWithExtension, wwnVendorExtension, rotational) into ``Hints``;
``choose`` picks the smallest matching disk, or without hints the smallest disk of at least
4 GiB (ironic-python-agent's default). Called by ``orders`` for deploy."""

from __future__ import annotations

import dataclasses
from typing import Any

from agent import errors

GIB = 2**30
DEFAULT_MIN_BYTES = 4 * GIB
_STRINGS = {
    "deviceName": "device_name",
    "hctl": "hctl",
    "model": "model",
    "vendor": "vendor",
    "serialNumber": "serial",
    "wwn": "wwn",
    "wwnWithExtension": "wwn_with_extension",
    "wwnVendorExtension": "wwn_vendor_extension",
}


@dataclasses.dataclass(frozen=True)
class Hints:
    device_name: str = ""
    hctl: str = ""
    model: str = ""  # substring (Ironic's "<in>")
    vendor: str = ""  # substring
    serial: str = ""
    wwn: str = ""
    wwn_with_extension: str = ""
    wwn_vendor_extension: str = ""
    min_size_gib: int = 0
    rotational: bool | None = None

    def empty(self) -> bool:
        return self == Hints()


def parse(raw: Any) -> Hints:
    """BMO's hints; an unknown key or a wrong type is a ``BadOrder`` naming it."""
    if raw is None:
        return Hints()
    if not isinstance(raw, dict):
        raise errors.BadOrder("rootDeviceHints must be an object")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _STRINGS:
            if not isinstance(value, str):
                raise errors.BadOrder(f"rootDeviceHints.{key} must be a string")
            values[_STRINGS[key]] = value
        elif key == "minSizeGigabytes":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise errors.BadOrder("rootDeviceHints.minSizeGigabytes must be an integer ≥ 0")
            values["min_size_gib"] = value
        elif key == "rotational":
            if not isinstance(value, bool):
                raise errors.BadOrder("rootDeviceHints.rotational must be true or false")
            values["rotational"] = value
        else:
            raise errors.BadOrder(f"rootDeviceHints has an unknown key {key!r}")
    return Hints(**values)


def _name_matches(wanted: str, disk: dict[str, Any]) -> bool:
    if not wanted.startswith("/dev/"):
        wanted = "/dev/" + wanted
    return wanted in (disk.get("name"), disk.get("by_path"))


def matches(hints: Hints, disk: dict[str, Any]) -> bool:
    checks = [
        not hints.device_name or _name_matches(hints.device_name, disk),
        not hints.hctl or hints.hctl == disk.get("hctl"),
        not hints.model or hints.model in str(disk.get("model", "")),
        not hints.vendor or hints.vendor in str(disk.get("vendor", "")),
        not hints.serial or hints.serial == disk.get("serial"),
        not hints.wwn or hints.wwn.lower() == str(disk.get("wwn", "")).lower(),
        not hints.wwn_with_extension
        or hints.wwn_with_extension.lower() == str(disk.get("wwn_with_extension", "")).lower(),
        not hints.wwn_vendor_extension
        or hints.wwn_vendor_extension.lower() == str(disk.get("wwn_vendor_extension", "")).lower(),
        int(disk.get("size", 0)) // GIB >= hints.min_size_gib,
        hints.rotational is None or hints.rotational == bool(disk.get("rotational")),
    ]
    return all(checks)


def choose(hints: Hints, disks: list[dict[str, Any]]) -> dict[str, Any]:
    """The root disk: the smallest disk matching the hints (≥ 4 GiB without hints)."""
    if hints.empty():
        candidates = [d for d in disks if int(d.get("size", 0)) >= DEFAULT_MIN_BYTES]
        if not candidates:
            raise errors.NoRootDisk(
                f"no disk of at least 4 GiB among {_names(disks)}: give the host a larger disk "
                "or set rootDeviceHints"
            )
    else:
        candidates = [d for d in disks if matches(hints, d)]
        if not candidates:
            raise errors.NoRootDisk(
                f"no disk matches rootDeviceHints {_shown(hints)} among {_names(disks)}: "
                "fix the hints"
            )
    return min(candidates, key=lambda d: (int(d.get("size", 0)), str(d.get("name"))))


def _names(disks: list[dict[str, Any]]) -> str:
    return ", ".join(str(d.get("name")) for d in disks) or "no disks"


def _shown(hints: Hints) -> str:
    return str({k: v for k, v in dataclasses.asdict(hints).items() if v not in ("", 0, None)})
