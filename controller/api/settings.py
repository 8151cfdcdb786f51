"""What a BareMetalHost asks of its disks and firmware: root device hints, RAID, BIOS toggles.

Declared once (``api.declare``); ``HostSpec`` holds them and ``HostStatus`` records the ones
applied. The hint grammar is Ironic's, as BMO passes it through; the deploy agent matches
them against its inventory.
"""

from __future__ import annotations

import dataclasses

from controller.api import declare, types


@dataclasses.dataclass(frozen=True)
class RootDeviceHints:
    """Hints selecting one disk."""

    device_name: str = declare.field(
        "deviceName", "Linux device name such as /dev/vda, or a by-path link.", default=""
    )
    hctl: str = declare.field("hctl", "SCSI address like 0:0:0:0.", default="")
    min_size_gigabytes: int = declare.field(
        "minSizeGigabytes", "Smallest acceptable size in gigabytes.", default=0, minimum=0
    )
    model: str = declare.field("model", "Vendor-specific model; may be a substring.", default="")
    rotational: bool | None = declare.field(
        "rotational", "True for spinning media, false for solid state."
    )
    serial_number: str = declare.field("serialNumber", "Device serial number, exact.", default="")
    vendor: str = declare.field("vendor", "Vendor name; may be a substring.", default="")
    wwn: str = declare.field("wwn", "Unique storage identifier, exact.", default="")
    wwn_vendor_extension: str = declare.field(
        "wwnVendorExtension", "Vendor extension of the WWN, exact.", default=""
    )
    wwn_with_extension: str = declare.field(
        "wwnWithExtension", "WWN with the vendor extension appended, exact.", default=""
    )


_TOGGLE = {"enum": [True, False]}


@dataclasses.dataclass(frozen=True)
class FirmwareConfig:
    """BIOS settings."""

    simultaneous_multithreading_enabled: bool | None = declare.field(
        "simultaneousMultithreadingEnabled", "Hyper-threading.", schema=_TOGGLE
    )
    sriov_enabled: bool | None = declare.field("sriovEnabled", "SR-IOV.", schema=_TOGGLE)
    virtualization_enabled: bool | None = declare.field(
        "virtualizationEnabled", "Hardware virtualisation.", schema=_TOGGLE
    )


@dataclasses.dataclass(frozen=True)
class HardwareRaidVolume:
    """One hardware RAID logical disk."""

    controller: str = declare.field("controller", "RAID controller to use.", default="")
    level: types.RaidLevel = declare.field(
        "level", "RAID level.", default=types.RaidLevel.RAID0, required=True
    )
    name: str = declare.field("name", "Volume name.", default="", maxLength=64)
    number_of_physical_disks: int = declare.field(
        "numberOfPhysicalDisks", "Disks to use.", default=0, minimum=1
    )
    physical_disks: tuple[str, ...] = declare.field(
        "physicalDisks", "Physical disk names.", default=()
    )
    rotational: bool | None = declare.field(
        "rotational", "Only rotational (true) or only solid-state (false) disks."
    )
    size_gibibytes: int = declare.field(
        "sizeGibibytes", "Size in GiB; 0 means all.", default=0, minimum=0
    )


@dataclasses.dataclass(frozen=True)
class SoftwareRaidVolume:
    """One software RAID device."""

    level: types.RaidLevel = declare.field(
        "level",
        "RAID level.",
        default=types.RaidLevel.RAID1,
        required=True,
        enum=types.SOFTWARE_RAID_LEVELS,
    )
    physical_disks: tuple[RootDeviceHints, ...] = declare.field(
        "physicalDisks", "Device hints of the member disks.", default=(), minItems=2
    )
    size_gibibytes: int = declare.field(
        "sizeGibibytes", "Size in GiB; 0 means all.", default=0, minimum=0
    )


@dataclasses.dataclass(frozen=True)
class RaidConfig:
    """RAID settings."""

    hardware_raid_volumes: tuple[HardwareRaidVolume, ...] | None = declare.field(
        "hardwareRAIDVolumes", "Hardware RAID volumes; [] clears them.", nullable=True
    )
    software_raid_volumes: tuple[SoftwareRaidVolume, ...] | None = declare.field(
        "softwareRAIDVolumes", "Software RAID volumes (one or two).", maxItems=2, nullable=True
    )
