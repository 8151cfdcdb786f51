"""Fault specs as users type them, and the fault file the BMC processes re-read per request."""

from __future__ import annotations

from pathlib import Path

import pytest

from vbmc import errors, faults


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unresponsive", faults.Fault(faults.FaultKind.UNRESPONSIVE)),
        ("slow=2.5", faults.Fault(faults.FaultKind.SLOW, 2.5)),
        ("slow=600", faults.Fault(faults.FaultKind.SLOW, 600.0)),
        ("error", faults.Fault(faults.FaultKind.ERROR)),
        ("ignore-power", faults.Fault(faults.FaultKind.IGNORE_POWER)),
        (" clear ", None),
    ],
)
def test_valid_specs_parse(text: str, expected: faults.Fault | None) -> None:
    assert faults.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "slow", "slow=", "slow=0", "slow=-1", "slow=nan", "slow=601", "error=1", "off"]
)
def test_invalid_specs_say_what_is_allowed(text: str) -> None:
    with pytest.raises(errors.VbmcError, match="unresponsive, slow=SECONDS"):
        faults.parse(text)


def test_str_round_trips_through_parse() -> None:
    for kind in faults.FaultKind:
        fault = faults.Fault(kind, 1.5 if kind is faults.FaultKind.SLOW else 0.0)
        assert faults.parse(str(fault)) == fault


def test_set_get_clear(tmp_path: Path) -> None:
    assert faults.get_fault(tmp_path, "h0") is None
    faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.ERROR))
    assert faults.get_fault(tmp_path, "h0") == faults.Fault(faults.FaultKind.ERROR)
    assert faults.get_fault(tmp_path, "h1") is None
    faults.set_fault(tmp_path, "h0", None)
    faults.set_fault(tmp_path, "h0", None)
    assert faults.get_fault(tmp_path, "h0") is None


def test_reader_follows_changes(tmp_path: Path) -> None:
    reader = faults.FaultReader(tmp_path, "h0")
    assert reader.current() is None
    faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.SLOW, 1.0))
    assert reader.current() == faults.Fault(faults.FaultKind.SLOW, 1.0)
    faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.UNRESPONSIVE))
    assert reader.current() == faults.Fault(faults.FaultKind.UNRESPONSIVE)
    faults.set_fault(tmp_path, "h0", None)
    assert reader.current() is None


def test_a_garbled_fault_file_means_no_fault(tmp_path: Path) -> None:
    faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.ERROR))
    path = tmp_path / "bmc" / "faults" / "h0.json"
    path.write_text("{not json")
    assert faults.get_fault(tmp_path, "h0") is None
    assert faults.FaultReader(tmp_path, "h0").current() is None
