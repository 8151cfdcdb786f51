"""What a scenario file decodes to: a scenario, its steps, and one frozen value per step kind.

Built by ``scenarios.decode``; read by ``scenarios.execute`` (which runs each action) and by
``scenarios.runner``. A step with ``hosts: [...]`` decodes to one ``Invocation`` per host, run
in parallel; any other step has a single invocation.
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any

API_VERSION = "metallab.dev/v1alpha1"
KIND = "Scenario"
DEFAULT_NAMESPACE = "metal3"
DEFAULT_LAB = "scenarios"  # the lab name `metallab scenario run` uses unless --name


class Power(enum.StrEnum):
    ON = "on"
    OFF = "off"
    REBOOT = "reboot"


class PowerVia(enum.StrEnum):
    BMC = "bmc"  # straight to the host's BMC, behind the controller's back
    ANNOTATION = "annotation"  # through the BareMetalHost: spec.online or reboot.metal3.io


class Component(enum.StrEnum):
    CONTROLLER = "controller"
    APISERVER = "kube-apiserver"
    ETCD = "etcd"
    CONTROLLER_MANAGER = "kube-controller-manager"
    BMC = "bmc"


class Signal(enum.StrEnum):
    KILL = "KILL"  # a crash: the supervisor restarts it
    TERM = "TERM"  # a clean stop: the supervisor restarts it too


@dataclasses.dataclass(frozen=True)
class ObjectRef:
    """A Kubernetes object by apiVersion, kind and name (namespace unless cluster-scoped)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@dataclasses.dataclass(frozen=True)
class Expect:
    """What a value must be: equal to ``equals``, match ``matches`` (a regex), or exist."""

    equals: str | None = None
    matches: str | None = None

    def __str__(self) -> str:
        if self.equals is not None:
            return f"== {self.equals!r}"
        return f"~ /{self.matches}/" if self.matches is not None else "exists"


# Conditions: what ``wait`` polls until true and ``assert`` checks once.


@dataclasses.dataclass(frozen=True)
class HostState:
    host: str
    state: str | None  # status.provisioning.state
    error_type: str | None  # status.errorType; "" means no error
    namespace: str = DEFAULT_NAMESPACE


@dataclasses.dataclass(frozen=True)
class JsonPath:
    ref: ObjectRef
    path: str  # .status.hardware.nics[0].mac (kubectl's {…} braces optional)
    expect: Expect


@dataclasses.dataclass(frozen=True)
class NodeReady:
    node: str
    ready: bool


@dataclasses.dataclass(frozen=True)
class ConsoleLine:
    host: str
    pattern: str  # a regex searched in the host's serial console log


@dataclasses.dataclass(frozen=True)
class Deleted:
    ref: ObjectRef


@dataclasses.dataclass(frozen=True)
class Metric:
    """A sample of the controller's metrics compared with a number."""

    name: str
    labels: tuple[tuple[str, str], ...]
    at_least: float | None
    at_most: float | None


@dataclasses.dataclass(frozen=True)
class EventCount:
    """How many Events of ``reason`` name the object (their ``count`` fields added up)."""

    ref: ObjectRef
    reason: str
    at_least: int | None
    at_most: int | None


Condition = HostState | JsonPath | NodeReady | ConsoleLine | Deleted | Metric | EventCount


# Actions: one per step kind.


@dataclasses.dataclass(frozen=True)
class Enroll:
    """Create a host's BareMetalHost and BMC Secret from the lab's inventory (every host's
    when ``host`` is None), as ``metallab up`` does."""

    host: str | None


@dataclasses.dataclass(frozen=True)
class Apply:
    objects: tuple[dict[str, Any], ...]


@dataclasses.dataclass(frozen=True)
class Patch:
    ref: ObjectRef
    merge: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Delete:
    ref: ObjectRef


@dataclasses.dataclass(frozen=True)
class Wait:
    condition: Condition
    timeout: float
    interval: float = 1.0


@dataclasses.dataclass(frozen=True)
class Assert:
    condition: Condition


@dataclasses.dataclass(frozen=True)
class Fault:
    host: str
    fault: str  # as `metallab bmc fault` takes it: unresponsive, slow=3, error, clear


@dataclasses.dataclass(frozen=True)
class PowerAction:
    host: str
    action: Power
    via: PowerVia


@dataclasses.dataclass(frozen=True)
class Kill:
    component: Component
    host: str | None  # the BMC's host, for component: bmc
    signal: Signal


@dataclasses.dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    timeout: float
    exit_code: int = 0


@dataclasses.dataclass(frozen=True)
class Playbook:
    path: Path
    variables: dict[str, Any]
    timeout: float


@dataclasses.dataclass(frozen=True)
class Sleep:
    seconds: float


Action = (
    Enroll
    | Apply
    | Patch
    | Delete
    | Wait
    | Assert
    | Fault
    | PowerAction
    | Kill
    | Run
    | Playbook
    | Sleep
)


@dataclasses.dataclass(frozen=True)
class Invocation:
    """One run of a step's action, for one host (``host``) or for the step as a whole."""

    host: str | None
    action: Action


@dataclasses.dataclass(frozen=True)
class Step:
    name: str
    kind: str  # the step's key in the file: apply, wait, fault, …
    invocations: tuple[Invocation, ...]
    narration: str = ""  # said before the step in `make demo`
    path: str = ""  # where it is in the file: spec.steps[3]
    hosts: tuple[str, ...] = ()  # the hosts it acts on: its hosts: list, or the one it names


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    file: Path
    lab_file: Path
    steps: tuple[Step, ...]
    hosts: tuple[str, ...]  # the lab file's hosts
