"""The declared API and its CRD schema agree both ways: every property the generated schema
lists reads into a typed field and writes back, and everything the controller writes (the
status patches of a whole host lifecycle, HardwareData specs) fits the schema it serves."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from controller.api import codec, crds, hardwaredata, host, types
from controller.bmc import access, credentials
from controller.provisioner import base, fixture
from tests.unit.controller import harness

Schema = dict[str, Any]
IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "a" * 32, "checksumType": "md5"}
HINTS = {"deviceName": "/dev/vda", "rotational": False}


def _schema(crd: Schema, part: str) -> Schema:
    top = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return dict(top["properties"][part])


DECLARED = [
    ("BareMetalHost.spec", _schema(crds.baremetalhost(), "spec"), host.HostSpec),
    ("BareMetalHost.status", _schema(crds.baremetalhost(), "status"), host.HostStatus),
    ("HardwareData.spec", _schema(crds.hardwaredata(), "spec"), hardwaredata.HardwareDataSpec),
]


def _sample(schema: Schema) -> Any:
    """A value for every property of ``schema`` (one item per array), none of them empty."""
    if "enum" in schema:
        return next(v for v in schema["enum"] if v != "")
    kind = schema["type"]
    if kind == "object":
        return {key: _sample(sub) for key, sub in schema["properties"].items()}
    if kind == "array":
        return [_sample(schema["items"])]
    return {"string": "x", "integer": 1, "number": 1.5, "boolean": True}[kind]


def _paths(doc: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield f"{prefix}.{key}"
            yield from _paths(value, f"{prefix}.{key}")
    elif isinstance(doc, list):
        for item in doc:
            yield from _paths(item, f"{prefix}[]")


_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


def _problems(doc: Any, schema: Schema, where: str) -> Iterator[str]:
    """What in ``doc`` the API server would refuse or prune (``None``: deleted by the patch)."""
    if doc is None:
        return
    kind = schema["type"]
    if not isinstance(doc, _JSON_TYPES[kind]) or (kind != "boolean" and isinstance(doc, bool)):
        yield f"{where}: {doc!r} is not a {kind}"
    elif "enum" in schema and doc not in schema["enum"]:
        yield f"{where}: {doc!r} is not one of {schema['enum']}"
    elif isinstance(doc, list):
        for item in doc:
            yield from _problems(item, schema["items"], f"{where}[]")
    elif isinstance(doc, dict) and "properties" in schema:
        for key, value in doc.items():
            if key not in schema["properties"]:
                yield f"{where}.{key}: not in the schema (the API server would prune it)"
            else:
                yield from _problems(value, schema["properties"][key], f"{where}.{key}")
        for key in schema.get("required", ()):
            if doc.get(key) is None:
                yield f"{where}.{key}: required but not written"


@pytest.mark.parametrize(("name", "schema", "cls"), DECLARED, ids=[d[0] for d in DECLARED])
def test_every_schema_property_maps_to_a_typed_field(name: str, schema: Schema, cls: type) -> None:
    sample = _sample(schema)
    typed: Any = codec.parse(cls, sample)
    written = codec.to_json(typed)
    assert set(_paths(sample)) - set(_paths(written)) == set(), f"{name}: not typed"
    assert codec.parse(cls, written) == typed
    assert list(_problems(written, schema, name)) == []


@pytest.mark.parametrize(("name", "schema", "cls"), DECLARED, ids=[d[0] for d in DECLARED])
def test_every_typed_field_is_in_the_schema(name: str, schema: Schema, cls: type) -> None:
    full: Any = codec.parse(cls, _sample(schema))
    assert list(_problems(codec.to_patch(full), schema, name)) == []


def test_empty_fields_are_left_out_unless_required() -> None:
    assert codec.to_json(host.HostSpec()) == {"online": False, "automatedCleaningMode": "metadata"}
    assert codec.to_json(host.HostStatus()) == {
        "provisioning": {"state": "", "ID": ""},
        "operationalStatus": "",
        "errorMessage": "",
        "errorCount": 0,
        "poweredOn": False,
    }
    patch = host.status_to_json(host.HostStatus(custom_deploy="", error_count=1))
    assert patch["provisioning"]["customDeploy"] is None and patch["errorType"] is None
    assert host.status_to_json(host.HostStatus(custom_deploy="x"))["provisioning"][
        "customDeploy"
    ] == {"method": "x"}


def test_a_restarted_operation_deletes_its_old_end_time() -> None:
    restarted = {types.Operation.REGISTER: host.OperationMetric(start="2030-01-01T00:00:00Z")}
    patch = host.status_to_json(host.HostStatus(operation_history=restarted))
    assert patch["operationHistory"] == {"register": {"start": "2030-01-01T00:00:00Z", "end": None}}


def _lifecycle_writes() -> list[host.HostStatus]:
    sim = harness.Sim()
    obj = harness.body(image=IMAGE, rootDeviceHints=HINTS)
    broken = harness.body(name="broken", customDeploy={"method": "install"})

    async def go() -> None:
        await sim.to_state(obj, "provisioned")
        obj["spec"]["image"] = None
        await sim.to_state(obj, "available")
        obj["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
        await sim.run_until(obj, lambda o: bool(o["metadata"].get("gone")))
        sim.secret = None  # a registration error: errorType, errorMessage, errorCount
        await sim.run_until(broken, lambda o: harness.status(o, "errorCount") == 2)

    asyncio.run(go())
    return [w.status for w in sim.writes if w.status is not None]


def test_everything_the_controller_writes_fits_the_schema() -> None:
    schema = _schema(crds.baremetalhost(), "status")
    writes = _lifecycle_writes()
    assert {w.state.value for w in writes} >= {"inspecting", "provisioned", "deprovisioning"}
    assert any(w.error_type.value for w in writes) and any(w.hardware for w in writes)
    for status in writes:
        assert list(_problems(host.status_to_json(status), schema, "status")) == []


def test_hardware_data_written_for_an_inspected_host_fits_the_schema() -> None:
    data = base.HostData(
        key="ns/node",
        uid="uid-1",
        address=access.parse("redfish+http://127.0.0.1:1/redfish/v1/Systems/1"),
        credentials=credentials.Credentials("admin", "pw"),
        boot_mac="52:54:00:00:00:01",
        boot_mode=None,
        verify_certificates=True,
        provisioning_id="",
    )
    spec = hardwaredata.spec_json(fixture.hardware_for(data))
    assert spec["hardware"]["nics"][0]["mac"] == "52:54:00:00:00:01"
    assert list(_problems(spec, _schema(crds.hardwaredata(), "spec"), "spec")) == []


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("ready", types.ProvisioningState.AVAILABLE),  # older BMO releases
        ("match profile", types.ProvisioningState.PREPARING),
        ("a newer BMO's state", types.ProvisioningState.NONE),  # start over, as BMO does
    ],
)
def test_states_other_releases_wrote_are_read_as_ours(
    written: str, read: types.ProvisioningState
) -> None:
    assert host.parse_status({"provisioning": {"state": written}}).state is read
