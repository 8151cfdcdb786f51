"""The ``fixture`` backend: in-memory servers with configurable delays and injected failures.

Runs the whole BareMetalHost API with no hardware: unit and integration tests and the scale
benchmark use it. Each host gets a ``Machine`` (keyed by the host's uid) that remembers its
power, registration, inspection, deployment and the operation in flight, so calls are
idempotent and a restarted controller sharing the backend resumes instead of repeating a
finished step (``completed`` counts each finished operation for tests to check). Tests steer
it with ``inject`` (fail the next N calls of an operation) and ``expect_password``.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import hashlib
import time
from collections.abc import Callable

from controller.provisioner import base


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
    inspected: dict[str, object] | None = None
    prepared: bool = False
    deployed: str | None = None
    running: _Running | None = None
    completed: collections.Counter[Op] = dataclasses.field(default_factory=collections.Counter)


def hardware_for(host: base.HostData) -> dict[str, object]:
    digest = hashlib.sha256(host.uid.encode()).hexdigest()
    mac = host.boot_mac or "52:54:00:" + ":".join(digest[i : i + 2] for i in (0, 2, 4))
    return {
        "cpu": {
            "arch": "x86_64",
            "model": "metallab fixture CPU",
            "count": 2,
            "clockMegahertz": 2000.0,
        },
        "ramMebibytes": 4096,
        "nics": [{"name": "eth0", "mac": mac.lower(), "pxe": True, "speedGbps": 1}],
        "storage": [
            {
                "name": "/dev/vda",
                "sizeBytes": 20 * 1024**3,
                "type": "HDD",
                "rotational": True,
                "serialNumber": f"disk-{digest[:8]}",
            }
        ],
        "systemVendor": {
            "manufacturer": "metallab",
            "productName": "fixture",
            "serialNumber": digest[:12],
        },
        "hostname": host.key.split("/", 1)[-1],
    }


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

    def completed(self, key: str, op: Op) -> int:
        return sum(m.completed[op] for m in self.machines.values() if m.key == key)

    def machine(self, key: str) -> Machine | None:
        return next((m for m in self.machines.values() if m.key == key), None)

    def build(self, host: base.HostData) -> base.Provisioner:
        machine = self.machines.get(host.uid)
        if machine is None:
            machine = self.machines[host.uid] = Machine(key=host.key, uid=host.uid)
        return _FixtureProvisioner(self, machine, host)

    def forget(self, uid: str) -> None:
        self.machines.pop(uid, None)

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

    def _step(self, op: Op, finish: Callable[[], base.Result]) -> base.Result:
        """Start ``op``, report it busy until its delay passed, then ``finish`` it once."""
        m, now = self.machine, self.backend.clock()
        if m.running is not None and m.running.op is op:
            if now < m.running.deadline:
                return base.Result.busy(m.running.deadline - now)
            m.running = None
            m.completed[op] += 1
            return finish()
        failure = self.backend.take_failure(m.key, op)
        if failure is not None:
            m.running = None
            return base.Result.failed(failure)
        delay = self.backend.delay(m.key, op)
        if delay <= 0:
            m.completed[op] += 1
            return finish()
        m.running = _Running(op, now + delay)
        return base.Result.busy(delay)

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

        return self._step(Op.REGISTER, finish)

    async def inspect(self, request: base.InspectRequest) -> base.Result:
        m = self.machine
        if m.inspected is not None and not (request.refresh or request.force) and m.running is None:
            return base.Result.done(hardware=m.inspected)

        def finish() -> base.Result:
            m.inspected = hardware_for(self.host)
            return base.Result.done(hardware=m.inspected)

        return self._step(Op.INSPECT, finish)

    async def prepare(self, request: base.PrepareRequest) -> base.Result:
        m = self.machine
        if m.prepared and not request.force and m.running is None:
            return base.Result.done()

        def finish() -> base.Result:
            m.prepared = True
            return base.Result.done()

        return self._step(Op.PREPARE, finish)

    async def provision(self, request: base.ProvisionRequest) -> base.Result:
        m = self.machine
        target = request.image.url if request.image else f"custom:{request.custom_deploy}"
        if m.deployed == target and m.running is None:
            return base.Result.done(powered_on=m.powered_on)

        def finish() -> base.Result:
            m.deployed, m.powered_on = target, True
            return base.Result.done(powered_on=True)

        return self._step(Op.PROVISION, finish)

    async def deprovision(self, request: base.DeprovisionRequest) -> base.Result:
        m = self.machine
        if m.deployed is None and m.running is None:
            return base.Result.done()

        def finish() -> base.Result:
            m.deployed, m.powered_on, m.prepared = None, False, False
            return base.Result.done()

        return self._step(Op.DEPROVISION, finish)

    async def power_state(self) -> base.Result:
        failure = self.backend.take_failure(self.machine.key, Op.POWER)
        if failure is not None:
            return base.Result.failed(failure)
        return base.Result.done(powered_on=self.machine.powered_on)

    async def set_power(self, request: base.PowerRequest) -> base.Result:
        m = self.machine
        if m.powered_on == request.on and m.running is None:
            return base.Result.done(powered_on=m.powered_on)

        def finish() -> base.Result:
            m.powered_on = request.on
            return base.Result.done(powered_on=m.powered_on)

        return self._step(Op.POWER, finish)

    async def detach(self) -> base.Result:
        self.machine.registered_version = None
        return base.Result.done()

    async def delete(self) -> base.Result:
        def finish() -> base.Result:
            self.backend.forget(self.machine.uid)
            return base.Result.done()

        return self._step(Op.DELETE, finish)
