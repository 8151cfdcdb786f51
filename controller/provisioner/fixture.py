"""The ``fixture`` backend: in-memory servers with configurable delays and injected failures.

Runs the whole BareMetalHost API with no hardware: unit and integration tests and the scale
benchmark use it. Each host gets a ``Machine`` (keyed by the host's uid) that remembers its
power, registration, inspection, deployment and the operation in flight, so calls are
idempotent and a restarted controller sharing the backend resumes instead of repeating a
finished step (``completed`` counts each finished operation for tests to check). Tests steer
it with ``inject`` (fail the next N calls of an operation), ``expect_password`` and
``hold_after`` (an operation that finished in the "hardware" does not report back until
released — where a killed controller loses the news). The machine also records what the
controller asked for, for tests to check: every power command with its soft/hard mode, the
boot device, the virtual media, each deprovisioning's cleaning flag, and how often each
operation was started (``started``) as well as finished (``completed``). A machine with
``ignores_power`` plays a BMC that accepts power commands and never changes the power.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import enum
import hashlib
import threading
import time
from collections.abc import Callable

from controller.api import hardware, types
from controller.provisioner import base

GATE_POLL = 0.05
GATE_LIMIT = 1200  # polls: a held operation reports back after at most 60 s


class Op(enum.StrEnum):
    REGISTER = "register"
    INSPECT = "inspect"
    PREPARE = "prepare"
    PROVISION = "provision"
    DEPROVISION = "deprovision"
    POWER = "power"
    DELETE = "delete"


@dataclasses.dataclass(frozen=True)
class Delays:
    """Seconds each operation takes on a fixture machine."""

    register: float = 0.0
    inspect: float = 0.0
    prepare: float = 0.0
    provision: float = 0.0
    deprovision: float = 0.0
    power: float = 0.0
    delete: float = 0.0

    def of(self, op: Op) -> float:
        value: float = getattr(self, op.value)
        return value


@dataclasses.dataclass
class _Running:
    op: Op
    deadline: float


@dataclasses.dataclass
class Machine:
    key: str
    uid: str
    powered_on: bool = False
    registered_version: str | None = None
    inspected: hardware.HardwareDetails | None = None
    prepared: bool = False
    deployed: str | None = None
    running: _Running | None = None
    completed: collections.Counter[Op] = dataclasses.field(default_factory=collections.Counter)
    started: collections.Counter[Op] = dataclasses.field(default_factory=collections.Counter)
    power_commands: list[tuple[bool, types.RebootMode]] = dataclasses.field(default_factory=list)
    ignores_soft_off: bool = False  # an OS that does not react to ACPI shutdown
    ignores_power: bool = False  # a BMC that accepts power commands and does nothing
    boot_device: base.BootDeviceRequest | None = None
    media: str | None = None  # URL of the ISO in the virtual CD drive
    cleanings: list[bool] = dataclasses.field(default_factory=list)  # clean flag per deprovision


@dataclasses.dataclass
class Gate:
    """Holds one operation's report: ``reached`` once it finished, ``released`` to go on."""

    reached: threading.Event = dataclasses.field(default_factory=threading.Event)
    released: threading.Event = dataclasses.field(default_factory=threading.Event)


def hardware_for(host: base.HostData) -> hardware.HardwareDetails:
    digest = hashlib.sha256(host.uid.encode()).hexdigest()
    mac = host.boot_mac or "52:54:00:" + ":".join(digest[i : i + 2] for i in (0, 2, 4))
    return hardware.HardwareDetails(
        cpu=hardware.CPU(
            arch="x86_64", model="metallab fixture CPU", count=2, clock_megahertz=2000.0
        ),
        ram_mebibytes=4096,
        nics=(hardware.NIC(name="eth0", mac=mac.lower(), pxe=True, speed_gbps=1),),
        storage=(
            hardware.Storage(
                name="/dev/vda",
                size_bytes=20 * 1024**3,
                type=types.DiskType.HDD,
                rotational=True,
                serial_number=f"disk-{digest[:8]}",
            ),
        ),
        system_vendor=hardware.SystemVendor(
            manufacturer="metallab", product_name="fixture", serial_number=digest[:12]
        ),
        hostname=host.key.split("/", 1)[-1],
    )


class FixtureBackend:
    """The factory and the in-memory data centre it builds provisioners over."""

    name = "fixture"

    def __init__(
        self, delays: Delays = Delays(), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.delays = delays
        self.clock = clock
        self.machines: dict[str, Machine] = {}
        self._failures: dict[tuple[str, Op], collections.deque[str]] = {}
        self._passwords: dict[str, str] = {}
        self._slow: dict[tuple[str, Op], float] = {}
        self._gates: dict[tuple[str, Op], Gate] = {}
        self.soft_off = base.SoftPowerOff(clock)
        self.power_change = base.PowerChange(clock)

    def set_delay(self, key: str, op: Op, seconds: float | None) -> None:
        """Make ``op`` take ``seconds`` on host ``key`` only (None: back to the default)."""
        if seconds is None:
            self._slow.pop((key, op), None)
        else:
            self._slow[(key, op)] = seconds

    def delay(self, key: str, op: Op) -> float:
        return self._slow.get((key, op), self.delays.of(op))

    def inject(self, key: str, op: Op, message: str, *, times: int = 1) -> None:
        """Make the next ``times`` calls of ``op`` on host ``key`` fail with ``message``."""
        self._failures.setdefault((key, op), collections.deque()).extend([message] * times)

    def expect_password(self, key: str, password: str | None) -> None:
        """Only ``password`` opens host ``key``'s fixture BMC (None: any password)."""
        if password is None:
            self._passwords.pop(key, None)
        else:
            self._passwords[key] = password

    def hold_after(self, key: str, op: Op) -> Gate:
        """Make ``op`` on host ``key``, once finished, wait for ``Gate.released`` (bounded)
        before reporting back; the gate is used once."""
        gate = self._gates[(key, op)] = Gate()
        return gate

    async def _gate(self, key: str, op: Op) -> None:
        gate = self._gates.pop((key, op), None)
        if gate is None:
            return
        gate.reached.set()
        for _ in range(GATE_LIMIT):
            if gate.released.is_set():
                return
            await asyncio.sleep(GATE_POLL)

    def completed(self, key: str, op: Op) -> int:
        return sum(m.completed[op] for m in self.machines.values() if m.key == key)

    def started(self, key: str, op: Op) -> int:
        return sum(m.started[op] for m in self.machines.values() if m.key == key)

    def machine(self, key: str) -> Machine | None:
        return next((m for m in self.machines.values() if m.key == key), None)

    def build(self, host: base.HostData) -> base.Provisioner:
        machine = self.machines.get(host.uid)
        if machine is None:
            machine = self.machines[host.uid] = Machine(key=host.key, uid=host.uid)
        return _FixtureProvisioner(self, machine, host)

    def forget(self, uid: str) -> None:
        self.machines.pop(uid, None)
        self.soft_off.done(uid)
        self.power_change.done(uid)

    def take_failure(self, key: str, op: Op) -> str | None:
        queue = self._failures.get((key, op))
        return queue.popleft() if queue else None

    def password_ok(self, key: str, password: str) -> bool:
        expected = self._passwords.get(key)
        return expected is None or expected == password


class _FixtureProvisioner:
    def __init__(self, backend: FixtureBackend, machine: Machine, host: base.HostData) -> None:
        self.backend = backend
        self.machine = machine
        self.host = host

    async def _step(self, op: Op, finish: Callable[[], base.Result]) -> base.Result:
        """Start ``op``, report it busy until its delay passed, then ``finish`` it once."""
        m, now = self.machine, self.backend.clock()
        if m.running is not None and m.running.op is op:
            if now < m.running.deadline:
                return base.Result.busy(m.running.deadline - now)
            m.running = None
            return await self._finish(op, finish)
        failure = self.backend.take_failure(m.key, op)
        if failure is not None:
            m.running = None
            return base.Result.failed(failure)
        m.started[op] += 1
        delay = self.backend.delay(m.key, op)
        if delay <= 0:
            return await self._finish(op, finish)
        m.running = _Running(op, now + delay)
        return base.Result.busy(delay)

    async def _finish(self, op: Op, finish: Callable[[], base.Result]) -> base.Result:
        self.machine.completed[op] += 1
        result = finish()
        await self.backend._gate(self.machine.key, op)
        return result

    async def register(self, request: base.RegisterRequest) -> base.Result:
        m = self.machine
        if m.registered_version == request.credentials_version and not request.force:
            return base.Result.done(provisioning_id=m.uid)
        if not self.backend.password_ok(m.key, self.host.credentials.password):
            return base.Result.failed(
                f"BMC at {self.host.address.netloc} refused the credentials of user "
                f"{self.host.credentials.username!r}"
            )

        def finish() -> base.Result:
            m.registered_version = request.credentials_version
            return base.Result.done(provisioning_id=m.uid)

        return await self._step(Op.REGISTER, finish)

    async def inspect(self, request: base.InspectRequest) -> base.Result:
        m = self.machine
        if m.inspected is not None and not (request.refresh or request.force) and m.running is None:
            return base.Result.done(hardware=m.inspected)

        def finish() -> base.Result:
            m.inspected = hardware_for(self.host)
            return base.Result.done(hardware=m.inspected)

        return await self._step(Op.INSPECT, finish)

    async def prepare(self, request: base.PrepareRequest) -> base.Result:
        m = self.machine
        if m.prepared and not request.force and m.running is None:
            return base.Result.done()

        def finish() -> base.Result:
            m.prepared = True
            return base.Result.done()

        return await self._step(Op.PREPARE, finish)

    async def provision(self, request: base.ProvisionRequest) -> base.Result:
        m = self.machine
        target = request.image.url if request.image else f"custom:{request.custom_deploy}"
        if m.deployed == target and m.running is None:
            return base.Result.done(powered_on=m.powered_on)

        def finish() -> base.Result:
            m.deployed, m.powered_on = target, True
            return base.Result.done(powered_on=True)

        return await self._step(Op.PROVISION, finish)

    async def deprovision(self, request: base.DeprovisionRequest) -> base.Result:
        m = self.machine
        if m.deployed is None and m.running is None:
            return base.Result.done()

        def finish() -> base.Result:
            m.deployed, m.powered_on, m.prepared = None, False, False
            m.cleanings.append(request.clean)
            return base.Result.done()

        return await self._step(Op.DEPROVISION, finish)

    async def power_state(self) -> base.Result:
        failure = self.backend.take_failure(self.machine.key, Op.POWER)
        if failure is not None:
            return base.Result.failed(failure)
        return base.Result.done(powered_on=self.machine.powered_on)

    async def set_power(self, request: base.PowerRequest) -> base.Result:
        m, soft_off = self.machine, self.backend.soft_off
        if m.powered_on == request.on and m.running is None:
            soft_off.done(m.uid)
            self.backend.power_change.done(m.uid)
            return base.Result.done(powered_on=m.powered_on)
        if m.running is not None and m.running.op is Op.POWER:
            mode, send = types.RebootMode.HARD, False  # a command is in flight: let it land
        else:
            mode, send = soft_off.decide(m.uid, request)
        if send:
            m.power_commands.append((request.on, mode))
        if not request.on and mode is types.RebootMode.SOFT and m.ignores_soft_off:
            return base.Result.busy(min(2.0, max(0.0, soft_off.remaining(m.uid, request))))
        if m.ignores_power and mode is types.RebootMode.HARD:
            result = self.backend.power_change.pending(m.uid, request, self.host.address.netloc)
            if result.status is base.Status.FAILED:
                soft_off.done(m.uid)
            return result

        def finish() -> base.Result:
            m.powered_on = request.on
            soft_off.done(m.uid)
            self.backend.power_change.done(m.uid)
            return base.Result.done(powered_on=m.powered_on)

        return await self._step(Op.POWER, finish)

    async def set_boot_device(self, request: base.BootDeviceRequest) -> base.Result:
        self.machine.boot_device = request
        return base.Result.done()

    async def insert_media(self, request: base.InsertMediaRequest) -> base.Result:
        m = self.machine
        m.media = request.url
        if request.boot:
            m.boot_device = base.BootDeviceRequest(device=base.BootDevice.CDROM)
        return base.Result.done()

    async def eject_media(self) -> base.Result:
        self.machine.media = None
        return base.Result.done()

    async def detach(self) -> base.Result:
        self.machine.registered_version = None
        return base.Result.done()

    async def delete(self) -> base.Result:
        def finish() -> base.Result:
            self.backend.forget(self.machine.uid)
            return base.Result.done()

        return await self._step(Op.DELETE, finish)
