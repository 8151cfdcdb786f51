"""The JSONPath subset conditions read (kubectl's simple form) and how values compare."""

from __future__ import annotations

import pytest

from scenarios import conditions, model

HOST = {
    "spec": {"online": True, "bmc": {"address": "redfish+https://127.0.0.1:8000/x"}},
    "status": {"hardware": {"nics": [{"mac": "52:54:00:aa:bb:cc"}, {"mac": "52:54:00:dd:ee:ff"}]}},
}


@pytest.mark.parametrize(
    ("path", "found", "value"),
    [
        (".spec.online", True, True),
        ("{.spec.bmc.address}", True, "redfish+https://127.0.0.1:8000/x"),
        (".status.hardware.nics[1].mac", True, "52:54:00:dd:ee:ff"),
        ("status.hardware.nics[0]", True, {"mac": "52:54:00:aa:bb:cc"}),
        (".status.hardware.nics[2].mac", False, None),
        (".status.poweredOn", False, None),
        (".spec.online.deeper", False, None),
    ],
)
def test_lookup(path: str, found: bool, value: object) -> None:
    assert conditions.lookup(HOST, path) == (found, value)


@pytest.mark.parametrize(
    ("value", "expect", "ok"),
    [
        (True, model.Expect(equals="true"), True),
        (False, model.Expect(equals="true"), False),
        (3, model.Expect(equals="3"), True),
        ("redfish+https://x", model.Expect(matches=r"^redfish\+"), True),
        ("ipmi://x", model.Expect(matches=r"^redfish\+"), False),
        ("", model.Expect(), True),
    ],
)
def test_expectations(value: object, expect: model.Expect, ok: bool) -> None:
    assert conditions.matches(True, value, expect) is ok
    assert conditions.matches(False, None, expect) is False
