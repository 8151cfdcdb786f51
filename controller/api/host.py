"""Typed, immutable views of a BareMetalHost: parsed once from the raw object at the edge.

``parse(body)`` turns the JSON the API server sends into ``Host`` (spec + status + the metadata
the state machine needs); ``status_to_json`` turns a ``HostStatus`` back into the ``status``
payload the operator writes. Fields the controller does not manage (raid, firmware, …) are
left alone: the status is written as a merge patch of exactly the keys listed here.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from controller.api import types

Json = Any
Body = Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Image:
    url: str
    checksum: str = ""
    checksum_type: str = ""
    format: str = ""

    def to_json(self) -> dict[str, str]:
        out = {"url": self.url}
        for key, value in (
            ("checksum", self.checksum),
            ("checksumType", self.checksum_type),
            ("format", self.format),
        ):
            if value:
                out[key] = value
        return out


@dataclasses.dataclass(frozen=True)
class SecretRef:
    name: str
    namespace: str


@dataclasses.dataclass(frozen=True)
class CredentialsVersion:
    """Which Secret, at which resourceVersion, was tried or worked (BMO's credentials status)."""

    secret: SecretRef
    version: str


@dataclasses.dataclass(frozen=True)
class OperationMetric:
    start: str | None = None
    end: str | None = None


@dataclasses.dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str
    message: str
    last_transition_time: str
    observed_generation: int = 0


@dataclasses.dataclass(frozen=True)
class HostSpec:
    bmc_address: str = ""
    credentials_name: str = ""
    disable_certificate_verification: bool = False
    boot_mac: str = ""
    boot_mode: str = ""
    online: bool = False
    image: Image | None = None
    custom_deploy: str = ""
    externally_provisioned: bool = False
    cleaning_mode: types.CleaningMode = types.CleaningMode.METADATA
    consumer: str = ""
    root_device_hints: Json = None
    user_data: SecretRef | None = None
    network_data: SecretRef | None = None
    meta_data: SecretRef | None = None
    architecture: str = ""
    inspection_disabled: bool = False


@dataclasses.dataclass(frozen=True)
class HostStatus:
    state: types.ProvisioningState = types.ProvisioningState.NONE
    provisioning_id: str = ""
    boot_mode: str = ""
    image: Image | None = None
    custom_deploy: str = ""
    root_device_hints: Json = None
    operational_status: types.OperationalStatus = types.OperationalStatus.NONE
    error_type: types.ErrorType = types.ErrorType.NONE
    error_message: str = ""
    error_count: int = 0
    powered_on: bool = False
    hardware: Json = None
    good_credentials: CredentialsVersion | None = None
    tried_credentials: CredentialsVersion | None = None
    operation_history: Mapping[types.Operation, OperationMetric] = dataclasses.field(
        default_factory=dict
    )
    conditions: tuple[Condition, ...] = ()
    last_updated: str | None = None


@dataclasses.dataclass(frozen=True)
class Host:
    namespace: str
    name: str
    uid: str
    generation: int
    resource_version: str
    annotations: Mapping[str, str]
    finalizers: tuple[str, ...]
    deleting: bool
    spec: HostSpec
    status: HostStatus

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def has_status(self) -> bool:
        """BMO's test: a host whose status was never written has no lastUpdated."""
        return self.status.last_updated is not None


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _secret_ref(raw: Json, namespace: str) -> SecretRef | None:
    if not isinstance(raw, Mapping) or not raw.get("name"):
        return None
    return SecretRef(name=str(raw["name"]), namespace=str(raw.get("namespace") or namespace))


def _image(raw: Json) -> Image | None:
    if not isinstance(raw, Mapping) or not raw.get("url"):
        return None
    return Image(
        url=str(raw["url"]),
        checksum=str(raw.get("checksum") or ""),
        checksum_type=str(raw.get("checksumType") or ""),
        format=str(raw.get("format") or ""),
    )


def _credentials(raw: Json) -> CredentialsVersion | None:
    if not isinstance(raw, Mapping):
        return None
    ref = raw.get("credentials") or {}
    if not ref.get("name"):
        return None
    return CredentialsVersion(
        secret=SecretRef(name=str(ref["name"]), namespace=str(ref.get("namespace") or "")),
        version=str(raw.get("credentialsVersion") or ""),
    )


def _state(raw: Json) -> types.ProvisioningState:
    text = str(raw or "")
    if text in types.LEGACY_STATES:
        return types.LEGACY_STATES[text]
    try:
        return types.ProvisioningState(text)
    except ValueError:
        # A state we do not know (a newer BMO's): start over, as BMO does for unknown input.
        return types.ProvisioningState.NONE


_E = TypeVar("_E", types.OperationalStatus, types.ErrorType, types.CleaningMode)


def _enum(kind: type[_E], raw: Json, default: _E) -> _E:
    try:
        return kind(str(raw or default.value))
    except ValueError:
        return default


def parse_spec(raw: Body, namespace: str) -> HostSpec:
    bmc = raw.get("bmc") or {}
    custom = raw.get("customDeploy") or {}
    return HostSpec(
        bmc_address=str(bmc.get("address") or ""),
        credentials_name=str(bmc.get("credentialsName") or ""),
        disable_certificate_verification=bool(bmc.get("disableCertificateVerification")),
        boot_mac=str(raw.get("bootMACAddress") or ""),
        boot_mode=str(raw.get("bootMode") or ""),
        online=bool(raw.get("online")),
        image=_image(raw.get("image")),
        custom_deploy=str(custom.get("method") or ""),
        externally_provisioned=bool(raw.get("externallyProvisioned")),
        cleaning_mode=_enum(
            types.CleaningMode, raw.get("automatedCleaningMode"), types.CleaningMode.METADATA
        ),
        consumer=str((raw.get("consumerRef") or {}).get("name") or ""),
        root_device_hints=raw.get("rootDeviceHints"),
        user_data=_secret_ref(raw.get("userData"), namespace),
        network_data=_secret_ref(raw.get("networkData"), namespace),
        meta_data=_secret_ref(raw.get("metaData"), namespace),
        architecture=str(raw.get("architecture") or ""),
        inspection_disabled=raw.get("inspectionMode") == "disabled",
    )


def parse_status(raw: Body) -> HostStatus:
    prov = raw.get("provisioning") or {}
    history_raw = raw.get("operationHistory") or {}
    history = {
        op: OperationMetric(start=item.get("start"), end=item.get("end"))
        for op in types.Operation
        if isinstance(item := history_raw.get(op.value), Mapping)
    }
    conditions = tuple(
        Condition(
            type=str(c.get("type")),
            status=str(c.get("status")),
            reason=str(c.get("reason")),
            message=str(c.get("message") or ""),
            last_transition_time=str(c.get("lastTransitionTime")),
            observed_generation=int(c.get("observedGeneration") or 0),
        )
        for c in raw.get("conditions") or ()
        if isinstance(c, Mapping)
    )
    return HostStatus(
        state=_state(prov.get("state")),
        provisioning_id=str(prov.get("ID") or ""),
        boot_mode=str(prov.get("bootMode") or ""),
        image=_image(prov.get("image")),
        custom_deploy=str((prov.get("customDeploy") or {}).get("method") or ""),
        root_device_hints=prov.get("rootDeviceHints"),
        operational_status=_enum(
            types.OperationalStatus, raw.get("operationalStatus"), types.OperationalStatus.NONE
        ),
        error_type=_enum(types.ErrorType, raw.get("errorType"), types.ErrorType.NONE),
        error_message=str(raw.get("errorMessage") or ""),
        error_count=int(raw.get("errorCount") or 0),
        powered_on=bool(raw.get("poweredOn")),
        hardware=raw.get("hardware"),
        good_credentials=_credentials(raw.get("goodCredentials")),
        tried_credentials=_credentials(raw.get("triedCredentials")),
        operation_history=history,
        conditions=conditions,
        last_updated=raw.get("lastUpdated"),
    )


def parse(body: Body) -> Host:
    meta = body.get("metadata") or {}
    namespace = str(meta.get("namespace") or "")
    return Host(
        namespace=namespace,
        name=str(meta.get("name") or ""),
        uid=str(meta.get("uid") or ""),
        generation=int(meta.get("generation") or 0),
        resource_version=str(meta.get("resourceVersion") or ""),
        annotations=dict(meta.get("annotations") or {}),
        finalizers=tuple(meta.get("finalizers") or ()),
        deleting=bool(meta.get("deletionTimestamp")),
        spec=parse_spec(body.get("spec") or {}, namespace),
        status=parse_status(body.get("status") or {}),
    )


def _credentials_json(value: CredentialsVersion | None) -> Json:
    if value is None:
        return None
    return {
        "credentials": {"name": value.secret.name, "namespace": value.secret.namespace},
        "credentialsVersion": value.version,
    }


def status_to_json(status: HostStatus) -> dict[str, Json]:
    """The managed part of ``status``; None values delete the key in a merge patch."""
    return {
        "provisioning": {
            "state": status.state.value,
            "ID": status.provisioning_id,
            "bootMode": status.boot_mode or None,
            "image": status.image.to_json() if status.image else None,
            "customDeploy": {"method": status.custom_deploy} if status.custom_deploy else None,
            "rootDeviceHints": status.root_device_hints,
        },
        "operationalStatus": status.operational_status.value,
        "errorType": status.error_type.value or None,
        "errorMessage": status.error_message,
        "errorCount": status.error_count,
        "poweredOn": status.powered_on,
        "hardware": status.hardware,
        "goodCredentials": _credentials_json(status.good_credentials),
        "triedCredentials": _credentials_json(status.tried_credentials),
        "operationHistory": {
            op.value: {"start": m.start, "end": m.end}
            for op, m in sorted(status.operation_history.items())
        },
        "conditions": [
            {
                "type": c.type,
                "status": c.status,
                "reason": c.reason,
                "message": c.message,
                "lastTransitionTime": c.last_transition_time,
                "observedGeneration": c.observed_generation,
            }
            for c in status.conditions
        ],
        "lastUpdated": status.last_updated,
    }
