"""The Metal3 vocabulary: provisioning states, operational statuses, error types, annotations.

Values are exactly the strings BMO writes, so hosts move between metallab and BMO unchanged.
The declared API types (``api.host``, ``api.hardware``, ``api.settings``) use these enums, so
the CRD schema lists their values; the state machine and the operator speak them too.
"""

from __future__ import annotations

import enum

GROUP = "metal3.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
FINALIZER = "baremetalhost.metal3.io"

PAUSED_ANNOTATION = "baremetalhost.metal3.io/paused"
DETACHED_ANNOTATION = "baremetalhost.metal3.io/detached"
STATUS_ANNOTATION = "baremetalhost.metal3.io/status"
REBOOT_ANNOTATION = "reboot.metal3.io"
INSPECT_ANNOTATION = "inspect.metal3.io"
HARDWARE_DETAILS_ANNOTATION = "inspect.metal3.io/hardwaredetails"


class ProvisioningState(enum.StrEnum):
    NONE = ""
    UNMANAGED = "unmanaged"
    REGISTERING = "registering"
    INSPECTING = "inspecting"
    PREPARING = "preparing"
    AVAILABLE = "available"
    PROVISIONING = "provisioning"
    PROVISIONED = "provisioned"
    DEPROVISIONING = "deprovisioning"
    EXTERNALLY_PROVISIONED = "externally provisioned"
    POWERING_OFF_BEFORE_DELETE = "powering off before delete"
    DELETING = "deleting"

    @classmethod
    def _missing_(cls, value: object) -> ProvisioningState | None:
        return LEGACY_STATES.get(str(value))


# The states in which the host runs an image: deployed by us, or put there outside Metal3.
PROVISIONED_STATES = frozenset(
    {ProvisioningState.PROVISIONED, ProvisioningState.EXTERNALLY_PROVISIONED}
)

# Older BMO releases wrote these; a host carrying one is read as its successor.
LEGACY_STATES = {"ready": ProvisioningState.AVAILABLE, "match profile": ProvisioningState.PREPARING}


class OperationalStatus(enum.StrEnum):
    NONE = ""
    OK = "OK"
    DISCOVERED = "discovered"
    ERROR = "error"
    DELAYED = "delayed"
    DETACHED = "detached"
    SERVICING = "servicing"


class ErrorType(enum.StrEnum):
    NONE = ""
    PROVISIONED_REGISTRATION = "provisioned registration error"
    REGISTRATION = "registration error"
    INSPECTION = "inspection error"
    PREPARATION = "preparation error"
    PROVISIONING = "provisioning error"
    POWER_MANAGEMENT = "power management error"
    SERVICING = "servicing error"
    # BMO uses "detach error" internally; its CRD enum omits it, so do we (it would not save).


class BootMode(enum.StrEnum):
    UEFI = "UEFI"
    UEFI_SECURE_BOOT = "UEFISecureBoot"
    LEGACY = "legacy"


class CleaningMode(enum.StrEnum):
    METADATA = "metadata"
    DISABLED = "disabled"


class InspectionMode(enum.StrEnum):
    DISABLED = "disabled"
    AGENT = "agent"


class ChecksumType(enum.StrEnum):
    MD5 = "md5"
    SHA256 = "sha256"
    SHA512 = "sha512"
    AUTO = "auto"


class ImageFormat(enum.StrEnum):
    RAW = "raw"
    QCOW2 = "qcow2"
    VDI = "vdi"
    VMDK = "vmdk"
    LIVE_ISO = "live-iso"


class RaidLevel(enum.StrEnum):
    RAID0 = "0"
    RAID1 = "1"
    RAID2 = "2"
    RAID5 = "5"
    RAID6 = "6"
    RAID10 = "1+0"
    RAID50 = "5+0"
    RAID60 = "6+0"


# Software RAID (mdadm, built by the deploy ramdisk) offers only these (BMO's enum).
SOFTWARE_RAID_LEVELS = [RaidLevel.RAID0.value, RaidLevel.RAID1.value, RaidLevel.RAID10.value]


class DiskType(enum.StrEnum):
    HDD = "HDD"
    SSD = "SSD"
    NVME = "NVME"


class RebootMode(enum.StrEnum):
    SOFT = "soft"
    HARD = "hard"


class Operation(enum.StrEnum):
    """The keys of ``status.operationHistory``."""

    REGISTER = "register"
    INSPECT = "inspect"
    PROVISION = "provision"
    DEPROVISION = "deprovision"


OPERATION_OF_STATE = {
    ProvisioningState.REGISTERING: Operation.REGISTER,
    ProvisioningState.INSPECTING: Operation.INSPECT,
    ProvisioningState.PROVISIONING: Operation.PROVISION,
    ProvisioningState.DEPROVISIONING: Operation.DEPROVISION,
}
