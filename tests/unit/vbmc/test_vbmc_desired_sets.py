"""Which desired BMC sets are accepted, how they become processes, and their addresses."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from vbmc import errors, spec, tls, units

URI = "qemu+unix:///system?socket=/x"


def _spec(host: str, kind: spec.BmcKind, port: int, **kw: str) -> spec.BmcSpec:
    fields: dict[str, str] = {"username": "admin", "password": f"pw-{host}", "libvirt_uri": URI}
    fields.update(kw)
    return spec.BmcSpec(host=host, kind=kind, port=port, domain=f"dom-{host}", **fields)


IPMI, REDFISH = spec.BmcKind.IPMI, spec.BmcKind.REDFISH


def test_a_lab_set_is_accepted_and_planned(tmp_path: Path) -> None:
    desired = [_spec("a", IPMI, 6230), _spec("b", IPMI, 6231), _spec("c", REDFISH, 8443)]
    desired.append(_spec("d", REDFISH, 8443))
    units.validate(desired)
    cert = tls.KeyPair(tmp_path / "s.crt", tmp_path / "s.key")
    plan = units.plan(tmp_path, desired, uuids={"c": "uuid-c", "d": "uuid-d"}, server_cert=cert)
    assert sorted(plan) == ["ipmi-a", "ipmi-b", "redfish-8443"]
    assert plan["redfish-8443"].hosts == ("c", "d")
    assert "pw-a" not in " ".join(plan["ipmi-a"].argv(tmp_path))
    assert json.loads(plan["ipmi-a"].config)["spec"]["password"] == "pw-a"


def test_fingerprint_follows_the_config(tmp_path: Path) -> None:
    a = units.plan(tmp_path, [_spec("a", IPMI, 6230)], uuids={}, server_cert=None)["ipmi-a"]
    changed = _spec("a", IPMI, 6230, password="other")
    b = units.plan(tmp_path, [changed], uuids={}, server_cert=None)["ipmi-a"]
    assert a.fingerprint != b.fingerprint


@pytest.mark.parametrize(
    ("desired", "message"),
    [
        ([_spec("a", IPMI, 6230), _spec("a", IPMI, 6231)], "two BMCs for host a"),
        ([_spec("a", IPMI, 6230), _spec("b", IPMI, 6230)], "both use port 6230"),
        ([_spec("a", IPMI, 8443), _spec("b", REDFISH, 8443)], "both IPMI and Redfish"),
        (
            [_spec("a", REDFISH, 8443), _spec("b", REDFISH, 8443, libvirt_uri="test:///default")],
            "not a libvirt URI",
        ),
    ],
)
def test_clashes_are_refused(desired: list[spec.BmcSpec], message: str) -> None:
    with pytest.raises(errors.VbmcError, match=message):
        units.validate(desired)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"port": 0}, "out of range"),
        ({"password": ""}, "empty"),
        ({"kind": IPMI, "password": "x" * 21}, "too long"),
    ],
)
def test_bad_specs_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(errors.VbmcError, match=message):
        dataclasses.replace(_spec("a", REDFISH, 8443), **change)  # type: ignore[arg-type]


def test_spec_round_trips_and_hides_its_password() -> None:
    s = _spec("a", REDFISH, 8443)
    assert spec.BmcSpec.from_json(json.loads(json.dumps(s.to_json()))) == s
    assert "pw-a" not in repr(s)


def test_addresses() -> None:
    assert units.address(_spec("a", IPMI, 6230), {}) == "ipmi://127.0.0.1:6230"
    assert (
        units.address(_spec("b", REDFISH, 8443), {"b": "u-1"})
        == "redfish+https://127.0.0.1:8443/redfish/v1/Systems/u-1"
    )


def test_redfish_without_tls_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.VbmcError, match="TLS"):
        units.plan(tmp_path, [_spec("b", REDFISH, 8443)], uuids={"b": "u"}, server_cert=None)
