"""In-band work through the deploy agent, for the ``direct`` backend: boot the agent through
the BMC, wait (bounded) for it to look itself up, then inspect (its inventory → BMO hardware
details), deploy (image + config drive, then boot from disk) or clean (metadata).

Each call is one non-blocking step of the provisioner protocol: the first starts a boot of
the agent (a conductor session with a new token), later ones poll the session and return
``BUSY`` until the agent has reported; the host is powered off (and its token dropped) when
the work is done or has failed. ``Booter`` is the BMC side the backend provides, so tests
can boot a real agent process instead of a VM. Called by ``direct``.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import time
from collections.abc import Callable
from typing import Any, Protocol

from controller.api import codec
from controller.api import hardware as api_hardware
from controller.api import host as api_host
from controller.conductor import hardware, service, sessions
from controller.provisioner import base

POLL = 3.0


class Phase(enum.StrEnum):
    """Where a host is in the BMC steps after the agent finished (see ``InBand._finish``)."""

    OFF = "off"
    REBOOT_OFF = "reboot-off"
    REBOOT_ON = "reboot-on"


# How an agent's failure kinds read in the host's errorMessage.
_KINDS = {
    "checksum": "image checksum mismatch",
    "too-large": "image larger than the root disk",
    "no-root-disk": "no root disk",
    "image": "image not written",
    "bad-order": "order refused by the agent",
}


@dataclasses.dataclass
class Memory:
    """What the backend remembers per host uid between calls (it outlives an ``InBand``)."""

    finishing: dict[str, Phase] = dataclasses.field(default_factory=dict)
    hardware: dict[str, api_hardware.HardwareDetails] = dataclasses.field(default_factory=dict)

    def forget(self, uid: str) -> None:
        self.finishing.pop(uid, None)
        self.hardware.pop(uid, None)


class Booter(Protocol):
    """The BMC actions in-band work needs."""

    async def boot_agent(self, boot: str) -> base.Result:
        """Power the host on (or reboot it) into the agent of boot ``boot``."""

    async def power_off(self) -> base.Result: ...

    async def boot_disk(self) -> base.Result:
        """Boot from disk from now on (persistent), and power the host on (it is off)."""


def default_meta_data(uid: str, key: str) -> dict[str, Any]:
    """BMO's meta_data for a host: its uid, namespace and name (names twice, as BMO does)."""
    namespace, _, name = key.partition("/")
    return {
        "uuid": uid,
        "metal3-namespace": namespace,
        "metal3-name": name,
        "local-hostname": name,
        "local_hostname": name,
        "name": name,
    }


class InBand:
    def __init__(
        self,
        conductor: service.Conductor,
        host: base.HostData,
        booter: Booter,
        memory: Memory,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.conductor = conductor
        self.host = host
        self.booter = booter
        self.memory = memory
        self.finishing = memory.finishing
        self.clock = clock
        self.sessions = conductor.sessions

    async def _finish(self) -> base.Result:
        """The BMC steps after the agent's work: power off, and boot the disk after a deploy."""
        uid = self.host.uid
        if self.finishing[uid] in (Phase.OFF, Phase.REBOOT_OFF):
            result = await self.booter.power_off()
            if result.status is not base.Status.DONE:
                return result
            if self.finishing[uid] is Phase.OFF:
                del self.finishing[uid]
                return result
            self.finishing[uid] = Phase.REBOOT_ON
        result = await self.booter.boot_disk()
        if result.status is base.Status.DONE:
            del self.finishing[uid]
        return result

    async def _session(self, purpose: sessions.Purpose) -> sessions.View | base.Result:
        """The running boot for ``purpose``, or the result of starting one."""
        view = self.sessions.view(self.host.uid)
        if view is not None and view.purpose is purpose:
            return view
        namespace, _, name = self.host.key.partition("/")
        boot = self.sessions.begin(self.host.uid, namespace, name, purpose, self.host.boot_mac)
        result = await self.booter.boot_agent(boot)
        if result.status is base.Status.FAILED:
            self.conductor.end(self.host.uid)
            return result
        return base.Result.busy(POLL)

    async def _fail(self, message: str) -> base.Result:
        self.conductor.end(self.host.uid)
        await self.booter.power_off()
        return base.Result.failed(message)

    async def _overdue(self, view: sessions.View) -> base.Result | None:
        limit = self.conductor.config.agent_timeout
        now = self.clock()
        if view.looked_up is None and now - view.started > limit:
            return await self._fail(
                f"the deploy agent did not call back within {limit:g}s of booting the host: "
                "check its console (does it reach 'metallab-agent: ready'?) and that it can "
                f"reach {self.conductor.config.agent_url}"
            )
        if view.last_heartbeat is not None and now - view.last_heartbeat > limit:
            return await self._fail(
                f"the deploy agent stopped heartbeating ({limit:g}s without news): check the "
                "host's console"
            )
        return None

    async def inspect(self) -> base.Result:
        uid = self.host.uid
        if uid not in self.finishing:
            view = await self._session(sessions.Purpose.INSPECT)
            if isinstance(view, base.Result):
                return view
            if view.inventory is None:
                return await self._overdue(view) or base.Result.busy(POLL)
            self.memory.hardware[uid] = codec.parse(
                api_hardware.HardwareDetails, hardware.details(view.inventory, self.host.boot_mac)
            )
            self.conductor.end(uid)
            self.finishing[uid] = Phase.OFF
        off = await self._finish()
        if off.status is not base.Status.DONE:
            return off
        return base.Result.done(hardware=self.memory.hardware.pop(uid, None))

    async def _order(
        self, purpose: sessions.Purpose, kind: str, args: dict[str, Any]
    ) -> base.Result | dict[str, Any]:
        """Run one order in the agent: its details when done, else the step's result."""
        view = await self._session(purpose)
        if isinstance(view, base.Result):
            return view
        if view.looked_up is None:
            return await self._overdue(view) or base.Result.busy(POLL)
        order_id = self.sessions.order(self.host.uid, kind, args)
        outcome = view.outcomes.get(order_id)
        if outcome is None:
            return await self._overdue(view) or base.Result.busy(POLL)
        if not outcome.ok:
            what = _KINDS.get(outcome.error_kind, f"{kind} failed")
            return await self._fail(f"{what}: {outcome.error}")
        self.conductor.end(self.host.uid)
        return outcome.details

    async def deploy(
        self, image: api_host.Image, hints: Any, drive: base.ConfigDrive | None
    ) -> base.Result:
        if self.host.uid in self.finishing:
            return await self._finish()
        drive = drive or base.ConfigDrive()
        meta = {**default_meta_data(self.host.uid, self.host.key), **drive.meta_data}
        configdrive: dict[str, Any] = {"meta_data": meta, "network_data": drive.network_data}
        if drive.user_data is not None:
            configdrive["user_data_b64"] = base64.b64encode(drive.user_data).decode()
        args = {
            "image_info": {
                "url": image.url,
                "checksum": image.checksum,
                "checksum_type": image.checksum_type or _guess_type(image.checksum),
                "disk_format": image.format or "raw",
            },
            "root_device_hints": hints,
            "configdrive": configdrive,
        }
        done = await self._order(sessions.Purpose.DEPLOY, "deploy", args)
        if isinstance(done, base.Result):
            return done
        self.finishing[self.host.uid] = Phase.REBOOT_OFF
        return await self._finish()

    async def clean(self) -> base.Result:
        if self.host.uid in self.finishing:
            return await self._finish()
        done = await self._order(sessions.Purpose.CLEAN, "clean", {"mode": "metadata"})
        if isinstance(done, base.Result):
            return done
        self.finishing[self.host.uid] = Phase.OFF
        return await self._finish()


def _guess_type(checksum: str) -> str:
    """BMO's rule for a checksum without checksumType: guess from its length (md5 default)."""
    return {64: "sha256", 128: "sha512"}.get(len(checksum), "md5")
