"""The conductor's boundary: the agent's real inventory (from a fake host) parses into frozen
values and maps to BMO's hardware details; every malformed payload is ``Malformed`` naming
where, never another exception (Hypothesis throws arbitrary JSON at it)."""

from __future__ import annotations

import contextlib
import copy
import json
import pathlib
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies

from agent import inventory as agent_inventory
from controller.conductor import hardware, wire
from tests import fakehost


@pytest.fixture
def raw(tmp_path: pathlib.Path) -> dict[str, Any]:
    host = fakehost.build(tmp_path / "host")
    return agent_inventory.collect(host, ip_of=lambda name: "192.168.222.10")


def test_agent_inventory_maps_to_hardware_details(raw: dict[str, Any]) -> None:
    details = hardware.details(wire.inventory(raw), fakehost.MACS[1].upper())
    assert [n["pxe"] for n in details["nics"]] == [False, True]
    assert details["nics"][0] == {
        "name": "enp1s0",
        "model": "0x1af4 0x1041",
        "mac": fakehost.MACS[0],
        "ip": "192.168.222.10",
        "speedGbps": 1,
        "pxe": False,
    }
    sda = next(d for d in details["storage"] if d["name"] == "/dev/sda")
    assert sda["alternateNames"] == ["/dev/disk/by-path/pci-0000:00:1f.2-ata-1"]
    assert (sda["sizeBytes"], sda["type"], sda["hctl"]) == (10 * fakehost.GIB, "HDD", "2:0:0:0")
    assert sda["wwnVendorExtension"] == "0x90abcdef12345678"
    assert details["cpu"]["count"] == 2 and details["cpu"]["clockMegahertz"] == 2400.0
    assert details["ramMebibytes"] == 245
    assert details["systemVendor"] == {
        "manufacturer": "metallab",
        "productName": "emulated-server",
        "serialNumber": "ML-0001",
    }
    assert details["firmware"]["bios"]["version"] == "1.16.2"
    assert details["hostname"] == "node-0"
    json.dumps(details)  # a plain JSON value for the status


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("disks", 0, "size"), "big", r"disks\[0\]\.size must be int"),
        (("disks", 0, "size"), -1, r"size must be ≥ 0"),
        (("disks", 1, "rotational"), 1, "rotational must be bool"),
        (("interfaces", 0, "mac_address"), "nope", "not a MAC address"),
        (("cpu", "frequency"), "fast", "not a number"),
        (("cpu", "count"), True, "count must be int"),
        (("system_vendor", "firmware"), [], "firmware must be dict"),
        (("hostname",), "x" * 5000, "longer than"),
    ],
)
def test_malformed_inventory(
    raw: dict[str, Any], path: tuple[Any, ...], value: Any, message: str
) -> None:
    bad = copy.deepcopy(raw)
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(wire.Malformed, match=message):
        wire.inventory(bad)


def test_missing_key_is_named(raw: dict[str, Any]) -> None:
    del raw["disks"][2]["serial"]
    with pytest.raises(wire.Malformed, match=r"disks\[2\] lacks 'serial'"):
        wire.inventory(raw)


def test_bodies() -> None:
    with pytest.raises(wire.Malformed, match="not JSON"):
        wire.body(b"{")
    with pytest.raises(wire.Malformed, match="not JSON"):
        wire.body(b"\xff")
    assert wire.lookup({"macs": ["52:54:00:AA:00:01"]}).macs == ("52:54:00:aa:00:01",)
    with pytest.raises(wire.Malformed, match=r"macs\[0\]"):
        wire.lookup({"macs": [7]})
    assert (
        wire.outcome({"ok": False, "error": "e", "error_kind": "checksum"}).error_kind == "checksum"
    )
    with pytest.raises(wire.Malformed, match="lacks 'details'"):
        wire.outcome({"ok": True})


json_values = strategies.recursive(
    strategies.none() | strategies.booleans() | strategies.integers() | strategies.text(max_size=8),
    lambda inner: (
        strategies.lists(inner, max_size=4)
        | strategies.dictionaries(
            strategies.sampled_from(
                [
                    "macs",
                    "ok",
                    "error",
                    "error_kind",
                    "details",
                    "inventory",
                    "running",
                    "cpu",
                    "disks",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@hypothesis.given(json_values)
def test_anything_is_parsed_or_malformed(value: Any) -> None:
    for parse in (wire.lookup, wire.heartbeat, wire.outcome, wire.inventory):
        with contextlib.suppress(wire.Malformed):
            parse(value)
