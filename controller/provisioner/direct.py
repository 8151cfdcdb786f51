"""The ``direct`` backend: registration, power, boot device, virtual media and inspection
over real BMCs, and — with a conductor — in-band inspection, deployment and cleaning by the
deploy agent (``provisioner.inband``).

Redfish hosts go through ``bmc.redfish`` (sushy), IPMI hosts through ``bmc.ipmi`` (pyghmi).
Each blocking call runs on a dedicated thread pool, bounded by ``timeout`` and timed into the
``Recorder`` (the operator's metrics), so kopf's event loop never waits on a BMC. The agent
boots from a per-host ISO by virtual media (``redfish-virtualmedia://``) or from the network
(``redfish://``, ``ipmi://``: next boot PXE, the lab's iPXE chains to the conductor). Without
a conductor (no ``--agent-url``) what needs the agent fails with a message saying how to
enable it. A soft power off the host ignores becomes a hard one after the request's
``soft_timeout`` (the backend remembers when it was first sent).
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
from controller.conductor import service
from controller.provisioner import base, inband

T = TypeVar("T")
OFF_POLLS = 10  # power-state reads, 1 s apart, after a hard power off
NO_AGENT = (
    "the controller runs without the deploy agent's conductor (start it with --agent-url, "
    "--boot-url, --agent-kernel-url/--agent-initrd-url/--agent-iso-url and the TLS flags)"
)


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
        conductor: service.Conductor | None = None,
    ) -> None:
        self.conductor = conductor
        self.memory = inband.Memory()
        self.clock = clock
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
        self.memory.forget(uid)
        if self.conductor is not None:
            self.conductor.end(uid)


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
        self.inband = (
            None
            if backend.conductor is None
            else inband.InBand(backend.conductor, host, self, backend.memory, backend.clock)
        )

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
        if request.mode is base.InspectionMode.AGENT and self.inband is not None:
            return await self.inband.inspect()
        if self.redfish is None:
            return base.Result.failed(
                "IPMI hosts can only be inspected from inside by the deploy agent, and "
                f"{NO_AGENT}; or set the annotation inspect.metal3.io: disabled, or use Redfish"
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
        image = request.image
        if image is None:
            return base.Result.failed(
                "custom deploy steps are not supported by the direct provisioner: set spec.image"
            )
        if image.format == "live-iso":  # boot the ISO itself by virtual media, nothing written
            inserted = await self.insert_media(base.InsertMediaRequest(url=image.url))
            if inserted.status is not base.Status.DONE:
                return inserted
            return await self._cycle(on=True)
        if self.inband is None:
            return base.Result.failed(
                f"cannot deploy an image: writing it needs the deploy agent, and {NO_AGENT}; "
                "use the fixture provisioner or set externallyProvisioned"
            )
        return await self.inband.deploy(image, request.root_device_hints, request.config_drive)

    async def deprovision(self, request: base.DeprovisionRequest) -> base.Result:
        # With the agent, cleaning runs whenever it is asked for: a failed deployment may have
        # written part of an image. Without it, nothing of ours was written unless the status
        # records a provisioned image.
        if request.clean and self.inband is not None:
            return await self.inband.clean()
        if request.clean and request.deployed:
            return base.Result.failed(
                f"cannot clean the disks (automatedCleaningMode: metadata): cleaning runs in "
                f"the deploy agent, and {NO_AGENT}; set automatedCleaningMode: disabled to "
                "deprovision without cleaning"
            )
        # Nothing to clean, or cleaning disabled: leave the disks alone, power the host off.
        return await self.set_power(base.PowerRequest(on=False, mode=types.RebootMode.HARD))

    # --- the BMC side of in-band work (inband.Booter) -------------------------------------

    def _uefi(self) -> bool:
        return self.host.boot_mode != "legacy"

    async def _cycle(self, *, on: bool) -> base.Result:
        """Power the host off hard (waiting for it, a bounded number of polls, each call
        bounded by the BMC timeout) and, with ``on``, on again."""
        client = self.redfish or self.ipmi
        assert client is not None
        try:
            if await self._bmc("power_state", client.powered_on):
                await self._bmc("power_off", lambda: client.set_power(False, hard=True))
                for _ in range(OFF_POLLS):
                    if not await self._bmc("power_state", client.powered_on):
                        break
                    await asyncio.sleep(1.0)
                else:
                    return base.Result.busy(2.0)  # the BMC accepted; try again shortly
            if on:
                await self._bmc("power_on", lambda: client.set_power(True, hard=True))
        except errors.BMCError as err:
            return base.Result.failed(str(err))
        return base.Result.done(powered_on=on)

    async def boot_agent(self, boot: str) -> base.Result:
        assert self.backend.conductor is not None
        # Off first: the boot device and media change while the host is off, and the boot
        # that follows is the agent's.
        off = await self._cycle(on=False)
        if off.status is base.Status.BUSY:
            return base.Result.failed(
                f"BMC at {self.host.address.netloc} did not power the host off "
                f"({OFF_POLLS} power-state reads): check the BMC"
            )
        if off.status is base.Status.FAILED:
            return off
        if self._media_client() is not None:
            url = self.backend.conductor.iso_url(boot)
            inserted = await self.insert_media(base.InsertMediaRequest(url=url))
            if inserted.status is not base.Status.DONE:
                return inserted
        else:
            pxe = base.BootDeviceRequest(device=base.BootDevice.PXE, uefi=self._uefi())
            chosen = await self.set_boot_device(pxe)
            if chosen.status is not base.Status.DONE:
                return chosen
        return await self._cycle(on=True)

    async def power_off(self) -> base.Result:
        if self.backend.conductor is not None:
            self.backend.conductor.end(self.host.uid)
        result = await self._cycle(on=False)
        if result.status is base.Status.DONE and self._media_client() is not None:
            await self.eject_media()  # best effort: the next boot must not find the agent
        return result

    async def boot_disk(self) -> base.Result:
        disk = base.BootDeviceRequest(
            device=base.BootDevice.DISK, persistent=True, uefi=self._uefi()
        )
        chosen = await self.set_boot_device(disk)
        if chosen.status is not base.Status.DONE:
            return chosen
        return await self._cycle(on=True)

    async def power_state(self) -> base.Result:
        try:
            return base.Result.done(powered_on=await self._bmc("power_state", self._powered_on))
        except errors.BMCError as err:
            return base.Result.failed(str(err))

    async def set_power(self, request: base.PowerRequest) -> base.Result:
        client = self.redfish or self.ipmi
        assert client is not None
        if not request.on and self.backend.conductor is not None:
            self.backend.conductor.end(self.host.uid)  # a powered-off agent's token is dead
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
