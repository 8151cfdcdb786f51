"""The BareMetalHost API, declared once: its spec and status types and the ``Host`` view.

Each field is declared with ``declare.field`` (JSON path, description, constraints);
``api.crds`` derives the CRD schema from these classes and ``api.codec`` the JSON mapping.
``parse(body)`` turns the JSON the API server sends into ``Host`` (spec + status + the
metadata the state machine needs); ``status_to_json`` turns a ``HostStatus`` back into the
merge patch of ``status`` the operator writes. The typed view flattens a few JSON objects
(``bmc.address`` is ``HostSpec.bmc_address``, ``provisioning.state`` is ``HostStatus.state``);
the flattened objects are the classes' ``GROUPS``.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any, ClassVar

from controller.api import codec, declare, hardware, settings, types

Body = Mapping[str, Any]
DATE_TIME = {"format": "date-time"}
_ATOMIC = {"x-kubernetes-map-type": "atomic"}


@dataclasses.dataclass(frozen=True)
class SecretRef:
    """A Secret by name and namespace."""

    OPENAPI: ClassVar[Mapping[str, Any]] = _ATOMIC

    name: str = declare.field("name", "Name of the Secret.", default="")
    namespace: str = declare.field("namespace", "Namespace of the Secret.", default="")


@dataclasses.dataclass(frozen=True)
class ObjectReference:
    """What is using this host (e.g. a Cluster API Machine); set means the host is in use."""

    OPENAPI: ClassVar[Mapping[str, Any]] = _ATOMIC

    api_version: str = declare.field("apiVersion", "API version of the referent.", default="")
    field_path: str = declare.field("fieldPath", "Part of the referent, if any.", default="")
    kind: str = declare.field("kind", "Kind of the referent.", default="")
    name: str = declare.field("name", "Name of the referent.", default="")
    namespace: str = declare.field("namespace", "Namespace of the referent.", default="")
    resource_version: str = declare.field(
        "resourceVersion", "Resource version the reference was made at.", default=""
    )
    uid: str = declare.field("uid", "UID of the referent.", default="")


@dataclasses.dataclass(frozen=True)
class Image:
    """The image to deploy; setting it starts provisioning."""

    url: str = declare.field("url", "Where to download the image from.", default="", required=True)
    checksum: str = declare.field(
        "checksum", "Checksum of the image (or a URL of a checksum file).", default=""
    )
    checksum_type: types.ChecksumType | None = declare.field(
        "checksumType", "Checksum algorithm; 'auto' detects it from the checksum."
    )
    format: types.ImageFormat | None = declare.field(
        "format", "Disk format of the image; live-iso boots it without writing a disk."
    )
    oci_auth_secret_name: str = declare.field(
        "ociAuthSecretName", "Docker-config Secret for oci:// images.", default=""
    )


@dataclasses.dataclass(frozen=True)
class Taint:
    """A node taint."""

    effect: str = declare.field(
        "effect", "NoSchedule, PreferNoSchedule or NoExecute.", default="", required=True
    )
    key: str = declare.field("key", "Taint key.", default="", required=True)
    time_added: str | None = declare.field(
        "timeAdded", "When the taint was added.", schema=DATE_TIME
    )
    value: str = declare.field("value", "Taint value.", default="")


@dataclasses.dataclass(frozen=True)
class HostSpec:
    """The desired state of a BareMetalHost."""

    GROUPS: ClassVar[Mapping[str, declare.Group]] = {
        "bmc": declare.Group("How to reach the host's baseboard management controller."),
        "customDeploy": declare.Group("A deploy step of the deploy ramdisk instead of image."),
    }

    bmc_address: str = declare.field(
        "bmc.address",
        "BMC URL; its scheme names the driver (ipmi://, redfish://, redfish-virtualmedia://, "
        "each with +http or +https).",
        default="",
        required=True,
    )
    credentials_name: str = declare.field(
        "bmc.credentialsName",
        "Secret in the host's namespace with keys username and password.",
        default="",
        required=True,
    )
    disable_certificate_verification: bool = declare.field(
        "bmc.disableCertificateVerification",
        "Skip TLS verification of the BMC's certificate (insecure).",
        default=False,
    )
    boot_mac: str = declare.field(
        "bootMACAddress",
        "MAC of the NIC the host network-boots from (never the BMC's).",
        default="",
        pattern=hardware.MAC_PATTERN,
    )
    boot_mode: types.BootMode | None = declare.field(
        "bootMode", "Firmware boot mode; defaults to UEFI."
    )
    online: bool = declare.field(
        "online", "Whether the host should be powered on.", default=False, required=True
    )
    image: Image | None = declare.field(
        "image", "The image to deploy; setting it starts provisioning."
    )
    custom_deploy: str = declare.field(
        "customDeploy.method", "Deploy method of the deploy ramdisk.", default="", required=True
    )
    externally_provisioned: bool = declare.field(
        "externallyProvisioned",
        "Something else installed the host: only manage its power.",
        default=False,
    )
    cleaning_mode: types.CleaningMode = declare.field(
        "automatedCleaningMode",
        "'disabled' skips disk cleaning before and after provisioning.",
        default=types.CleaningMode.METADATA,
        schema_default=True,
    )
    consumer_ref: ObjectReference | None = declare.field(
        "consumerRef",
        "What is using this host (e.g. a Cluster API Machine); set means the host is in use.",
    )
    root_device_hints: settings.RootDeviceHints | None = declare.field(
        "rootDeviceHints", "How to pick the disk to write the image to."
    )
    user_data: SecretRef | None = declare.field(
        "userData", "Secret with user data for the config drive."
    )
    network_data: SecretRef | None = declare.field(
        "networkData", "Secret with network data for the config drive."
    )
    meta_data: SecretRef | None = declare.field(
        "metaData", "Secret with metadata for the config drive."
    )
    architecture: str = declare.field(
        "architecture", "CPU architecture, e.g. x86_64 or aarch64.", default=""
    )
    inspection_mode: types.InspectionMode | None = declare.field(
        "inspectionMode", "'disabled' skips inspection."
    )
    description: str = declare.field(
        "description", "Free text to help identify the host.", default=""
    )
    disable_power_off: bool = declare.field(
        "disablePowerOff", "Reboot instead of powering off.", default=False
    )
    firmware: settings.FirmwareConfig | None = declare.field(
        "firmware", "BIOS settings (deprecated in Metal3)."
    )
    hardware_profile: str = declare.field(
        "hardwareProfile", "Hardware profile name (deprecated in Metal3).", default=""
    )
    preprovisioning_network_data_name: str = declare.field(
        "preprovisioningNetworkDataName",
        "Secret with network data for the deploy ramdisk.",
        default="",
    )
    raid: settings.RaidConfig | None = declare.field(
        "raid", "RAID settings applied before provisioning."
    )
    taints: tuple[Taint, ...] = declare.field(
        "taints", "Taints to put on the corresponding Machine.", default=()
    )

    @property
    def inspection_disabled(self) -> bool:
        return self.inspection_mode is types.InspectionMode.DISABLED


@dataclasses.dataclass(frozen=True)
class CredentialsVersion:
    """Which Secret, at which resourceVersion, was tried or worked (BMO's credentials status)."""

    secret: SecretRef = declare.field(
        "credentials", "The Secret holding the credentials.", factory=SecretRef
    )
    version: str = declare.field("credentialsVersion", "The Secret's resourceVersion.", default="")


@dataclasses.dataclass(frozen=True)
class OperationMetric:
    """When an operation started and ended."""

    start: str | None = declare.field("start", "Start time.", nullable=True, schema=DATE_TIME)
    end: str | None = declare.field("end", "End time.", nullable=True, schema=DATE_TIME)


@dataclasses.dataclass(frozen=True)
class Condition:
    """One aspect of the host's state (metav1.Condition)."""

    type: str = declare.field(
        "type",
        "Condition type.",
        default="",
        required=True,
        maxLength=316,
        pattern=(
            r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
        ),
    )
    status: str = declare.field(
        "status",
        "True, False or Unknown.",
        default="",
        required=True,
        enum=["True", "False", "Unknown"],
    )
    reason: str = declare.field(
        "reason",
        "CamelCase reason.",
        default="",
        required=True,
        maxLength=1024,
        minLength=1,
        pattern="^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    )
    message: str = declare.field(
        "message", "Human-readable detail.", default="", required=True, maxLength=32768
    )
    last_transition_time: str = declare.field(
        "lastTransitionTime",
        "When the status last changed.",
        default="",
        required=True,
        schema=DATE_TIME,
    )
    observed_generation: int = declare.field(
        "observedGeneration",
        "metadata.generation this was computed from.",
        default=0,
        format="int64",
        minimum=0,
    )


@dataclasses.dataclass(frozen=True)
class ProvisionStep:
    """One provisioning step."""

    description: str = declare.field("description", "What the step does.", default="")
    name: str = declare.field("name", "Step name.", default="", required=True)
    state: str = declare.field(
        "state", "in progress, completed or failed.", default="", required=True
    )


@dataclasses.dataclass(frozen=True)
class HostStatus:
    """The observed state of a BareMetalHost."""

    GROUPS: ClassVar[Mapping[str, declare.Group]] = {
        "provisioning": declare.Group("What the provisioner is doing with the host.", True),
        "provisioning.customDeploy": declare.Group("Custom deploy applied to the host."),
    }

    state: types.ProvisioningState = declare.field(
        "provisioning.state",
        "The provisioning state.",
        default=types.ProvisioningState.NONE,
        required=True,
        open_enum=True,  # BMO's schema takes any string: older releases wrote other states
    )
    provisioning_id: str = declare.field(
        "provisioning.ID", "The host's id in the provisioning backend.", default="", required=True
    )
    boot_mode: types.BootMode | None = declare.field(
        "provisioning.bootMode", "Boot mode used to provision."
    )
    image: Image | None = declare.field("provisioning.image", "The image provisioned.")
    custom_deploy: str = declare.field(
        "provisioning.customDeploy.method",
        "Deploy method of the deploy ramdisk.",
        default="",
        required=True,
    )
    root_device_hints: settings.RootDeviceHints | None = declare.field(
        "provisioning.rootDeviceHints", "Root device hints used."
    )
    operational_status: types.OperationalStatus = declare.field(
        "operationalStatus",
        "Health of the host.",
        default=types.OperationalStatus.NONE,
        required=True,
    )
    error_type: types.ErrorType = declare.field(
        "errorType",
        "Kind of the last error while operationalStatus is error.",
        default=types.ErrorType.NONE,
    )
    error_message: str = declare.field(
        "errorMessage", "The last error message.", default="", required=True
    )
    error_count: int = declare.field(
        "errorCount",
        "Errors since the last successful operation.",
        default=0,
        required=True,
        schema_default=True,
    )
    powered_on: bool = declare.field(
        "poweredOn", "Last seen power state.", default=False, required=True
    )
    hardware: hardware.HardwareDetails | None = declare.field(
        "hardware", "Hardware found by inspection."
    )
    good_credentials: CredentialsVersion | None = declare.field(
        "goodCredentials", "The last credentials that worked."
    )
    tried_credentials: CredentialsVersion | None = declare.field(
        "triedCredentials", "The last credentials tried."
    )
    operation_history: Mapping[types.Operation, OperationMetric] = declare.field(
        "operationHistory", "Start and end of the host's operations.", factory=dict
    )
    conditions: tuple[Condition, ...] = declare.field(
        "conditions",
        "Current conditions.",
        default=(),
        maxItems=32,
        schema={"x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map"},
    )
    last_updated: str | None = declare.field(
        "lastUpdated", "When the status was last written.", schema=DATE_TIME
    )
    # Written by BMO's Ironic, never by metallab: read and written back unchanged.
    current_activity: str = declare.field(
        "provisioning.currentActivity", "What the provisioner is doing now.", default=""
    )
    progress: str = declare.field(
        "provisioning.progress", "Progress of the current operation.", default=""
    )
    steps: tuple[ProvisionStep, ...] = declare.field(
        "provisioning.steps", "Steps of the current operation.", default=()
    )
    firmware: settings.FirmwareConfig | None = declare.field(
        "provisioning.firmware", "Firmware settings applied."
    )
    raid: settings.RaidConfig | None = declare.field(
        "provisioning.raid", "RAID configuration applied."
    )
    hardware_profile: str = declare.field(
        "hardwareProfile", "Matched hardware profile (deprecated in Metal3).", default=""
    )


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


def parse_status(raw: Body) -> HostStatus:
    return codec.parse(HostStatus, raw)


def parse_hardware(raw: Any) -> hardware.HardwareDetails:
    """Hardware details from JSON (the hardwaredetails annotation); TypeError if not an object."""
    return codec.parse(hardware.HardwareDetails, raw)


def parse(body: Body) -> Host:
    meta = body.get("metadata") or {}
    return Host(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        uid=str(meta.get("uid") or ""),
        generation=int(meta.get("generation") or 0),
        resource_version=str(meta.get("resourceVersion") or ""),
        annotations=dict(meta.get("annotations") or {}),
        finalizers=tuple(meta.get("finalizers") or ()),
        deleting=bool(meta.get("deletionTimestamp")),
        spec=codec.parse(HostSpec, body.get("spec") or {}),
        status=parse_status(body.get("status") or {}),
    )


def status_to_json(status: HostStatus) -> dict[str, Any]:
    """The ``status`` merge patch: every field, ``None`` where a field is empty (deleted)."""
    return codec.to_patch(status)
