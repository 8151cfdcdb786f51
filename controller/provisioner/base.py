"""The provisioner protocol: typed requests with keyword-only flags, one uniform ``Result``.

The state machine builds a ``Provisioner`` per host with ``Factory.build(HostData)`` and calls
it once per reconcile. Every call is idempotent and non-blocking: it starts an operation,
reports one in progress (``BUSY`` with a poll delay), or reports it finished (``DONE``) or
failed (``FAILED`` with a message for the host's ``errorMessage``). A backend remembers
operations across calls, so a restarted controller picks up where it left off instead of
repeating a finished step.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Protocol

from controller.api import host as api_host
from controller.api import types
from controller.bmc import access, credentials


class Status(enum.StrEnum):
    DONE = "done"
    BUSY = "busy"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class Result:
    status: Status
    message: str = ""
    retry_after: float = 0.0
    provisioning_id: str = ""
    hardware: Any = None
    powered_on: bool | None = None

    @classmethod
    def done(cls, **values: Any) -> Result:
        return cls(Status.DONE, **values)

    @classmethod
    def busy(cls, retry_after: float, **values: Any) -> Result:
        return cls(Status.BUSY, retry_after=retry_after, **values)

    @classmethod
    def failed(cls, message: str) -> Result:
        return cls(Status.FAILED, message=message)


@dataclasses.dataclass(frozen=True)
class HostData:
    """What a backend is told about one host when it is built for it."""

    key: str  # namespace/name
    uid: str
    address: access.Address
    credentials: credentials.Credentials
    boot_mac: str
    boot_mode: str
    verify_certificates: bool
    provisioning_id: str


@dataclasses.dataclass(frozen=True)
class RegisterRequest:
    credentials_version: str
    force: bool = False


@dataclasses.dataclass(frozen=True)
class InspectRequest:
    refresh: bool = False
    force: bool = False


@dataclasses.dataclass(frozen=True)
class PrepareRequest:
    root_device_hints: Any = None
    force: bool = False


@dataclasses.dataclass(frozen=True)
class ProvisionRequest:
    image: api_host.Image | None
    custom_deploy: str = ""
    force: bool = False


@dataclasses.dataclass(frozen=True)
class DeprovisionRequest:
    clean: bool
    force: bool = False


@dataclasses.dataclass(frozen=True)
class PowerRequest:
    on: bool
    mode: types.RebootMode = types.RebootMode.HARD


class Provisioner(Protocol):
    async def register(self, request: RegisterRequest) -> Result: ...
    async def inspect(self, request: InspectRequest) -> Result: ...
    async def prepare(self, request: PrepareRequest) -> Result: ...
    async def provision(self, request: ProvisionRequest) -> Result: ...
    async def deprovision(self, request: DeprovisionRequest) -> Result: ...
    async def power_state(self) -> Result: ...
    async def set_power(self, request: PowerRequest) -> Result: ...
    async def detach(self) -> Result: ...
    async def delete(self) -> Result: ...


class Factory(Protocol):
    name: str

    def build(self, host: HostData) -> Provisioner: ...

    def forget(self, uid: str) -> None:
        """Drop what the backend remembers of a host that no longer exists."""
