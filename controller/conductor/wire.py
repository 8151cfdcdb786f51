"""The boundary: everything an agent sends is checked here and turned into frozen values;
nothing past this module sees raw JSON. A payload that lacks a key, has a wrong type or is
too large raises ``Malformed`` (the service answers 400), never anything else — like
Ironic's ``agent_base``, which refuses replies lacking keys. The field list is the agent's
(``agent/inventory.py``), documented in docs/agent-protocol.md. Called by ``service``."""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from typing import Any, TypeVar

MAX_BODY = 4 * 2**20
MAX_ITEMS = 1024
MAX_TEXT = 4096
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
T = TypeVar("T")


class Malformed(ValueError):
    """The agent sent something that is not the protocol; the message names where."""


def _get(raw: Any, key: str, kind: type[T], where: str) -> T:
    if not isinstance(raw, dict):
        raise Malformed(f"{where} must be an object")
    if key not in raw:
        raise Malformed(f"{where} lacks {key!r}")
    value = raw[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise Malformed(f"{where}.{key} must be {kind.__name__}")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise Malformed(f"{where}.{key} is longer than {MAX_TEXT} characters")
    return typing.cast(T, value)


def _text(raw: Any, key: str, where: str) -> str:
    return _get(raw, key, str, where)


def _items(raw: Any, key: str, where: str) -> list[Any]:
    value = _get(raw, key, list, where)
    if len(value) > MAX_ITEMS:
        raise Malformed(f"{where}.{key} has more than {MAX_ITEMS} items")
    return value


def _mac(value: str, where: str) -> str:
    mac = value.lower()
    if not _MAC.match(mac):
        raise Malformed(f"{where} {value!r} is not a MAC address (aa:bb:cc:dd:ee:ff)")
    return mac


def body(data: bytes) -> Any:
    if len(data) > MAX_BODY:
        raise Malformed(f"body is larger than {MAX_BODY} bytes")
    try:
        return json.loads(data or b"null")
    except (ValueError, UnicodeDecodeError) as err:
        raise Malformed(f"body is not JSON: {err}") from err


@dataclasses.dataclass(frozen=True)
class Cpu:
    model: str
    frequency_mhz: float
    count: int
    architecture: str
    flags: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Nic:
    name: str
    mac: str
    ipv4: str
    has_carrier: bool
    vendor: str
    product: str
    speed_mbps: int


@dataclasses.dataclass(frozen=True)
class Disk:
    name: str
    model: str
    vendor: str
    size: int
    rotational: bool
    serial: str
    wwn: str
    wwn_with_extension: str
    wwn_vendor_extension: str
    hctl: str
    by_path: str
    type: str


@dataclasses.dataclass(frozen=True)
class System:
    manufacturer: str
    product_name: str
    serial_number: str
    bios_vendor: str
    bios_version: str
    bios_date: str


@dataclasses.dataclass(frozen=True)
class Inventory:
    cpu: Cpu
    memory_total: int
    memory_physical_mb: int
    nics: tuple[Nic, ...]
    disks: tuple[Disk, ...]
    system: System
    boot_mode: str
    hostname: str


def _cpu(raw: Any) -> Cpu:
    w = "inventory.cpu"
    frequency = _text(raw, "frequency", w)
    try:
        mhz = float(frequency or 0)
    except ValueError as err:
        raise Malformed(f"{w}.frequency {frequency!r} is not a number") from err
    flags = _items(raw, "flags", w)
    if not all(isinstance(f, str) and len(f) < 64 for f in flags):
        raise Malformed(f"{w}.flags must be short strings")
    return Cpu(
        model=_text(raw, "model_name", w),
        frequency_mhz=mhz,
        count=_get(raw, "count", int, w),
        architecture=_text(raw, "architecture", w),
        flags=tuple(flags),
    )


def _nic(raw: Any, i: int) -> Nic:
    w = f"inventory.interfaces[{i}]"
    return Nic(
        name=_text(raw, "name", w),
        mac=_mac(_text(raw, "mac_address", w), f"{w}.mac_address"),
        ipv4=_text(raw, "ipv4_address", w),
        has_carrier=_get(raw, "has_carrier", bool, w),
        vendor=_text(raw, "vendor", w),
        product=_text(raw, "product", w),
        speed_mbps=_get(raw, "speed_mbps", int, w),
    )


def _disk(raw: Any, i: int) -> Disk:
    w = f"inventory.disks[{i}]"
    size = _get(raw, "size", int, w)
    if size < 0:
        raise Malformed(f"{w}.size must be ≥ 0")
    texts = {
        k: _text(raw, k, w)
        for k in (
            "name", "model", "vendor", "serial", "wwn", "wwn_with_extension",
            "wwn_vendor_extension", "hctl", "by_path", "type",
        )
    }  # fmt: skip
    return Disk(size=size, rotational=_get(raw, "rotational", bool, w), **texts)


def _system(raw: Any) -> System:
    w = "inventory.system_vendor"
    firmware = _get(raw, "firmware", dict, w)
    return System(
        manufacturer=_text(raw, "manufacturer", w),
        product_name=_text(raw, "product_name", w),
        serial_number=_text(raw, "serial_number", w),
        bios_vendor=_text(firmware, "vendor", w + ".firmware"),
        bios_version=_text(firmware, "version", w + ".firmware"),
        bios_date=_text(firmware, "build_date", w + ".firmware"),
    )


def inventory(raw: Any) -> Inventory:
    w = "inventory"
    memory = _get(raw, "memory", dict, w)
    return Inventory(
        cpu=_cpu(_get(raw, "cpu", dict, w)),
        memory_total=_get(memory, "total", int, w + ".memory"),
        memory_physical_mb=_get(memory, "physical_mb", int, w + ".memory"),
        nics=tuple(_nic(n, i) for i, n in enumerate(_items(raw, "interfaces", w))),
        disks=tuple(_disk(d, i) for i, d in enumerate(_items(raw, "disks", w))),
        system=_system(_get(raw, "system_vendor", dict, w)),
        boot_mode=_text(_get(raw, "boot", dict, w), "current_boot_mode", w + ".boot"),
        hostname=_text(raw, "hostname", w),
    )


@dataclasses.dataclass(frozen=True)
class Lookup:
    macs: tuple[str, ...]


def lookup(raw: Any) -> Lookup:
    macs = _items(raw, "macs", "lookup")
    return Lookup(
        tuple(
            _mac(m if isinstance(m, str) else "", f"lookup.macs[{i}]") for i, m in enumerate(macs)
        )
    )


@dataclasses.dataclass(frozen=True)
class Heartbeat:
    running: str | None
    inventory: Inventory | None


def heartbeat(raw: Any) -> Heartbeat:
    if not isinstance(raw, dict):
        raise Malformed("heartbeat must be an object")
    running = raw.get("running")
    if running is not None and not isinstance(running, str):
        raise Malformed("heartbeat.running must be an order id or null")
    found = raw.get("inventory")
    return Heartbeat(running, None if found is None else inventory(found))


@dataclasses.dataclass(frozen=True)
class Outcome:
    """An order's result as the agent reported it."""

    ok: bool
    error: str
    error_kind: str
    details: dict[str, Any]


def outcome(raw: Any) -> Outcome:
    w = "result"
    ok = _get(raw, "ok", bool, w)
    if ok:
        details = _get(raw, "details", dict, w)
        if len(json.dumps(details)) > MAX_TEXT * 4:
            raise Malformed(f"{w}.details is too large")
        return Outcome(True, "", "", details)
    return Outcome(False, _text(raw, "error", w), _text(raw, "error_kind", w), {})
