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
import time
from collections.abc import Callable
from typing import Any, Protocol

from controller.api import hardware, settings, types
from controller.api import host as api_host
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
    hardware: hardware.HardwareDetails | None = None
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
    boot_mode: types.BootMode | None
    verify_certificates: bool
    provisioning_id: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class RegisterRequest:
    credentials_version: str
    force: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class InspectRequest:
    refresh: bool = False
    force: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class PrepareRequest:
    root_device_hints: settings.RootDeviceHints | None = None
    force: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProvisionRequest:
    image: api_host.Image | None
    custom_deploy: str = ""
    force: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeprovisionRequest:
    """``clean`` asks for automated cleaning; ``deployed`` says the host's status records a
    provisioned image or custom deploy (false after a deployment that failed)."""

    clean: bool
    deployed: bool = True
    force: bool = False


# Seconds after which an ignored soft power off becomes a hard one (Ironic's default).
SOFT_POWER_OFF_TIMEOUT = 600.0
# Seconds a host may take to reach the power state a BMC accepted a command for (Ironic's
# power_state_change_timeout); past it the change has failed.
POWER_CHANGE_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class PowerRequest:
    """Power on, or off: ``SOFT`` asks the OS to shut down and becomes a hard power off if
    the host is still on ``soft_timeout`` seconds after the first soft request (BMO, through
    Ironic, does the same)."""

    on: bool
    mode: types.RebootMode = types.RebootMode.HARD
    soft_timeout: float = SOFT_POWER_OFF_TIMEOUT
    change_timeout: float = POWER_CHANGE_TIMEOUT


class BootDevice(enum.StrEnum):
    PXE = "pxe"
    DISK = "disk"
    CDROM = "cdrom"


@dataclasses.dataclass(frozen=True, kw_only=True)
class BootDeviceRequest:
    """Boot from ``device`` next time (``persistent``: every time), in UEFI or legacy mode."""

    device: BootDevice
    persistent: bool = False
    uefi: bool = True


@dataclasses.dataclass(frozen=True, kw_only=True)
class InsertMediaRequest:
    """Insert the ISO at ``url`` into the host's virtual CD drive (Redfish virtual media)."""

    url: str
    boot: bool = True  # also set the next boot to the CD drive


class SoftPowerOff:
    """When each host's pending soft power off was first asked for, so that a host whose OS
    ignores it is powered off hard after ``PowerRequest.soft_timeout`` (shared by backends)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._since: dict[str, float] = {}

    def decide(self, uid: str, request: PowerRequest) -> tuple[types.RebootMode, bool]:
        """The mode to use now and whether to send a command (a soft off is sent once)."""
        if request.on or request.mode is types.RebootMode.HARD:
            self._since.pop(uid, None)
            return types.RebootMode.HARD, True
        now = self.clock()
        started = self._since.get(uid)
        if started is None:
            self._since[uid] = now
            return types.RebootMode.SOFT, True
        if now - started >= request.soft_timeout:
            self._since.pop(uid, None)
            return types.RebootMode.HARD, True
        return types.RebootMode.SOFT, False

    def remaining(self, uid: str, request: PowerRequest) -> float:
        started = self._since.get(uid)
        return (
            request.soft_timeout
            if started is None
            else started + request.soft_timeout - self.clock()
        )

    def done(self, uid: str) -> None:
        self._since.pop(uid, None)


class PowerChange:
    """When each host was first asked (hard) for the power state it still lacks, so that a
    BMC that accepts power commands but never changes the power fails the request after
    ``PowerRequest.change_timeout`` instead of being polled forever (shared by backends)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._since: dict[str, tuple[bool, float]] = {}

    def pending(self, uid: str, request: PowerRequest, bmc: str) -> Result:
        """The result while the host is not yet in ``request``'s state: busy, then failed."""
        now = self.clock()
        wanted, since = self._since.get(uid, (request.on, now))
        if wanted != request.on:
            since = now
        self._since[uid] = (request.on, since)
        if now - since < request.change_timeout:
            return Result.busy(min(2.0, since + request.change_timeout - now))
        self._since.pop(uid, None)
        return Result.failed(
            f"BMC at {bmc} accepted the power {'on' if request.on else 'off'} command but the "
            f"host is still {'off' if request.on else 'on'} after {request.change_timeout:g}s; "
            "check the BMC and the machine (a stuck BMC or a broken power supply?)"
        )

    def done(self, uid: str) -> None:
        self._since.pop(uid, None)


class Provisioner(Protocol):
    async def register(self, request: RegisterRequest) -> Result: ...
    async def inspect(self, request: InspectRequest) -> Result: ...
    async def prepare(self, request: PrepareRequest) -> Result: ...
    async def provision(self, request: ProvisionRequest) -> Result: ...
    async def deprovision(self, request: DeprovisionRequest) -> Result: ...
    async def power_state(self) -> Result: ...
    async def set_power(self, request: PowerRequest) -> Result: ...
    async def set_boot_device(self, request: BootDeviceRequest) -> Result: ...
    async def insert_media(self, request: InsertMediaRequest) -> Result: ...
    async def eject_media(self) -> Result: ...
    async def detach(self) -> Result: ...
    async def delete(self) -> Result: ...


class Factory(Protocol):
    name: str

    def build(self, host: HostData) -> Provisioner: ...

    def forget(self, uid: str) -> None:
        """Drop what the backend remembers of a host that no longer exists."""
