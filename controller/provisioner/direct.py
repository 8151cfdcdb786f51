"""The ``direct`` backend: registration, power, boot device, virtual media and out-of-band
inspection over real BMCs.

Redfish hosts go through ``bmc.redfish`` (sushy), IPMI hosts through ``bmc.ipmi`` (pyghmi).
Each blocking call runs on a dedicated thread pool, bounded by ``timeout`` and timed into the
``Recorder`` (the operator's metrics), so kopf's event loop never waits on a BMC. What needs
software inside the host — agent-based inspection of IPMI hosts, writing an image, cleaning
its disks — arrives with the deploy agent; until then those calls fail with a message that
says so instead of pretending to succeed. A soft power off the host ignores becomes a hard
one after the request's ``soft_timeout`` (the backend remembers when it was first sent).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from controller.api import codec, hardware, types
from controller.bmc import access, errors, ipmi, redfish
from controller.provisioner import base

T = TypeVar("T")
NO_AGENT = "the deploy agent is not part of metallab yet"


class Recorder(Protocol):
    def __call__(self, protocol: str, call: str, seconds: float, ok: bool) -> None: ...


class DirectBackend:
    name = "direct"

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        recorder: Recorder | None = None,
        ca_file: Path | None = None,
        threads: int = 16,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self.recorder = recorder
        self.ca_file = ca_file
        self.pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="bmc")
        self.validated: dict[str, str] = {}  # host uid → credentials version that worked
        self.soft_off = base.SoftPowerOff(clock)
        self.power_change = base.PowerChange(clock)

    def build(self, host: base.HostData) -> base.Provisioner:
        return _DirectProvisioner(self, host)

    def forget(self, uid: str) -> None:
        self.validated.pop(uid, None)
        self.soft_off.done(uid)
        self.power_change.done(uid)


class _DirectProvisioner:
    def __init__(self, backend: DirectBackend, host: base.HostData) -> None:
        self.backend = backend
        self.host = host
        address, creds = host.address, host.credentials
        self.redfish: redfish.RedfishClient | None = None
        self.ipmi: ipmi.IpmiClient | None = None
        if address.protocol is access.Protocol.REDFISH:
            verify: bool | str = host.verify_certificates
            if verify and backend.ca_file is not None:
                verify = str(backend.ca_file)
            self.redfish = redfish.RedfishClient(
                address, creds, verify=verify, timeout=backend.timeout
            )
        else:
            self.ipmi = ipmi.IpmiClient(address, creds, timeout=backend.timeout)

    async def _bmc(self, call: str, action: Callable[[], T]) -> T:
        """Run ``action`` on the BMC thread pool, bounded and timed; BMC errors propagate."""
        loop = asyncio.get_running_loop()
        start, ok = time.monotonic(), False
        try:
            result = await asyncio.wait_for(
                loop.run_in_executor(self.backend.pool, action), self.backend.timeout
            )
            ok = True
            return result
        except TimeoutError as err:
            raise errors.BMCUnreachable(
                f"BMC at {self.host.address.netloc} did not answer {call} "
                f"within {self.backend.timeout:g}s"
            ) from err
        finally:
            if self.backend.recorder is not None:
                self.backend.recorder(
                    self.host.address.protocol.value, call, time.monotonic() - start, ok
                )

    def _powered_on(self) -> bool:
        client = self.redfish or self.ipmi
        assert client is not None
        return client.powered_on()

    async def register(self, request: base.RegisterRequest) -> base.Result:
        uid = self.host.uid
        if self.backend.validated.get(uid) == request.credentials_version and not request.force:
            return base.Result.done(provisioning_id=uid)
        try:
            await self._bmc("register", self._powered_on)
        except errors.BMCError as err:
            self.backend.validated.pop(uid, None)
            return base.Result.failed(str(err))
        self.backend.validated[uid] = request.credentials_version
        return base.Result.done(provisioning_id=uid)

    async def inspect(self, request: base.InspectRequest) -> base.Result:
        if self.redfish is None:
            return base.Result.failed(
                "IPMI hosts can only be inspected from inside by the deploy agent, and "
                f"{NO_AGENT}; set the annotation inspect.metal3.io: disabled, or use Redfish"
            )
        try:
            details = await self._bmc("inspect", self.redfish.inventory)
        except errors.BMCError as err:
            return base.Result.failed(str(err))
        if self.host.boot_mac:
            for nic in details["nics"]:
                nic["pxe"] = nic["mac"] == self.host.boot_mac.lower()
        return base.Result.done(hardware=codec.parse(hardware.HardwareDetails, details))

    async def prepare(self, request: base.PrepareRequest) -> base.Result:
        # Nothing to configure out of band: no RAID or firmware settings are supported yet.
        return base.Result.done()

    async def provision(self, request: base.ProvisionRequest) -> base.Result:
        return base.Result.failed(
            f"cannot deploy an image: writing it needs the deploy agent, and {NO_AGENT}; "
            "use the fixture provisioner or set externallyProvisioned"
        )

    async def deprovision(self, request: base.DeprovisionRequest) -> base.Result:
        # ``provision`` refuses before touching the disk, so after a failed deployment there is
        # nothing of ours to clean; an image recorded as provisioned (status annotation, a move
        # from another controller) may have left data, and only the agent could wipe it.
        if request.clean and request.deployed:
            return base.Result.failed(
                f"cannot clean the disks (automatedCleaningMode: metadata): cleaning runs in "
                f"the deploy agent, and {NO_AGENT}; set automatedCleaningMode: disabled to "
                "deprovision without cleaning"
            )
        # Nothing to clean, or cleaning disabled: leave the disks alone, power the host off.
        return await self.set_power(base.PowerRequest(on=False, mode=types.RebootMode.HARD))

    async def power_state(self) -> base.Result:
        try:
            return base.Result.done(powered_on=await self._bmc("power_state", self._powered_on))
        except errors.BMCError as err:
            return base.Result.failed(str(err))

    async def set_power(self, request: base.PowerRequest) -> base.Result:
        client = self.redfish or self.ipmi
        assert client is not None
        uid, soft_off = self.host.uid, self.backend.soft_off
        mode, send = soft_off.decide(uid, request)
        hard = mode is types.RebootMode.HARD

        def change() -> bool:
            if send:  # a soft power off is sent once, then waited for
                client.set_power(request.on, hard=hard)
            return client.powered_on()

        try:
            now_on = await self._bmc("set_power", change)
        except errors.BMCError as err:
            soft_off.done(uid)  # not known to be sent: send again on the next try
            self.backend.power_change.done(uid)
            return base.Result.failed(str(err))
        if now_on != request.on:
            if not hard:
                return base.Result.busy(2.0)  # the OS shuts down, or the hard off follows
            # The BMC accepted; the power state follows, or never does (a stuck BMC).
            result = self.backend.power_change.pending(uid, request, self.host.address.netloc)
            if result.status is base.Status.FAILED:
                soft_off.done(uid)
            return result
        soft_off.done(uid)
        self.backend.power_change.done(uid)
        return base.Result.done(powered_on=now_on)

    async def set_boot_device(self, request: base.BootDeviceRequest) -> base.Result:
        client = self.redfish or self.ipmi
        assert client is not None

        def change() -> None:
            client.set_boot_device(
                request.device.value, persistent=request.persistent, uefi=request.uefi
            )

        try:
            await self._bmc("set_boot_device", change)
        except errors.BMCError as err:
            return base.Result.failed(str(err))
        return base.Result.done()

    def _media_client(self) -> redfish.RedfishClient | None:
        if self.redfish is not None and self.host.address.virtual_media:
            return self.redfish
        return None

    def _no_media(self) -> base.Result:
        return base.Result.failed(
            f"BMC address {self.host.address.raw!r} has no virtual media: use a "
            "redfish-virtualmedia:// address"
        )

    async def insert_media(self, request: base.InsertMediaRequest) -> base.Result:
        client = self._media_client()
        if client is None:
            return self._no_media()

        def insert() -> None:
            client.insert_media(request.url)
            if request.boot:
                client.set_boot_device("cdrom", uefi=self.host.boot_mode != "legacy")

        try:
            await self._bmc("insert_media", insert)
        except errors.BMCError as err:
            return base.Result.failed(str(err))
        return base.Result.done()

    async def eject_media(self) -> base.Result:
        client = self._media_client()
        if client is None:
            return self._no_media()
        try:
            await self._bmc("eject_media", client.eject_media)
        except errors.BMCError as err:
            return base.Result.failed(str(err))
        return base.Result.done()

    async def detach(self) -> base.Result:
        self.backend.forget(self.host.uid)
        return base.Result.done()

    async def delete(self) -> base.Result:
        self.backend.forget(self.host.uid)
        return base.Result.done()
