"""A typed change to a host's status: the fields a guard or handler may set, each optional.

Guards, handlers and power management say what to set with ``Status(powered_on=True)``; a
misspelt or mistyped field is a mypy error rather than a run-time ``TypeError`` in
``dataclasses.replace``. A field left at ``KEEP`` is not touched (``None`` is a value here: it
clears ``image`` or ``hardware``). The writer owns what is not listed — provisioning state,
operation history, conditions, lastUpdated — and ``outcomes.Changes`` carries one of these.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from controller.api import hardware, settings, types
from controller.api import host as api_host


class Keep(enum.Enum):
    """The marker of a field the change leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclasses.dataclass(frozen=True, kw_only=True)
class Status:
    provisioning_id: str | Keep = KEEP
    boot_mode: types.BootMode | Keep | None = KEEP
    image: api_host.Image | Keep | None = KEEP
    custom_deploy: str | Keep = KEEP
    root_device_hints: settings.RootDeviceHints | Keep | None = KEEP
    operational_status: types.OperationalStatus | Keep = KEEP
    error_type: types.ErrorType | Keep = KEEP
    error_message: str | Keep = KEEP
    error_count: int | Keep = KEEP
    powered_on: bool | Keep = KEEP
    hardware: hardware.HardwareDetails | Keep | None = KEEP
    good_credentials: api_host.CredentialsVersion | Keep | None = KEEP
    tried_credentials: api_host.CredentialsVersion | Keep | None = KEEP

    def fields(self) -> dict[str, Any]:
        """The fields this change sets, by name."""
        return {
            field.name: value
            for field in dataclasses.fields(self)
            if (value := getattr(self, field.name)) is not KEEP
        }

    def __bool__(self) -> bool:
        return bool(self.fields())

    def __add__(self, other: Status) -> Status:
        """Both changes; where both set a field, ``other`` wins."""
        return dataclasses.replace(self, **other.fields())

    def applied_to(self, status: api_host.HostStatus) -> api_host.HostStatus:
        return dataclasses.replace(status, **self.fields()) if self else status


NONE = Status()
