"""What a virtual BMC is: the desired ``BmcSpec`` per host and the observed ``BmcStatus``.

``BmcSpec`` is what the lab (``metallab up``) hands to ``vbmc.supervisor.reconcile``; it round-trips
through JSON because the supervisor daemon and the BMC processes read it from the lab's state
directory (never from argv, so passwords stay out of ``ps``). ``BmcStatus`` is what reconcile and
``metallab bmc list`` report back; it never carries a password.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

from vbmc import errors


class BmcKind(enum.StrEnum):
    IPMI = "ipmi"
    REDFISH = "redfish"


class BmcState(enum.StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"


@dataclasses.dataclass(frozen=True)
class BmcSpec:
    """One host's BMC. Redfish hosts sharing a ``port`` are served by one emulator process."""

    host: str
    kind: BmcKind
    port: int
    username: str
    password: str = dataclasses.field(repr=False)
    libvirt_uri: str
    domain: str

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise errors.VbmcError(
                f"BMC for {self.host}: port {self.port} is out of range", fix="use 1-65535"
            )
        if not self.username or not self.password:
            raise errors.VbmcError(
                f"BMC for {self.host}: empty username or password",
                fix="give every BMC a username and a password",
            )
        if self.kind is BmcKind.IPMI and (len(self.username) > 16 or len(self.password) > 20):
            raise errors.VbmcError(
                f"IPMI BMC for {self.host}: username or password too long",
                fix="IPMI allows at most 16 characters of username and 20 of password",
            )

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "kind": self.kind.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BmcSpec:
        return cls(
            host=str(data["host"]),
            kind=BmcKind(data["kind"]),
            port=int(data["port"]),
            username=str(data["username"]),
            password=str(data["password"]),
            libvirt_uri=str(data["libvirt_uri"]),
            domain=str(data["domain"]),
        )


@dataclasses.dataclass(frozen=True)
class BmcStatus:
    """What is running for one host: its address as a controller would use it, never a secret."""

    host: str
    kind: BmcKind
    address: str
    state: BmcState
    pid: int | None
    fault: str
