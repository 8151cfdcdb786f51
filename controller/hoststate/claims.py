"""Which machine a host claims, and which host came first when two claim the same one.

Two BareMetalHosts with the same ``bootMACAddress`` or the same BMC (same endpoint, and for
Redfish the same System, whatever the scheme variant) describe one machine; both managing it
would fight over its power. BMO's webhook refuses the second at creation. Here the
later-created host is refused at registration instead: the registration guard fails it with
a ``registration error`` naming the earlier host, and it registers once that host is gone or
changed. ``Registry`` is the index the operator (and the unit harness) keep of every host's
claims; ``conflict`` is what the guard reads through the ``Context``.
"""

from __future__ import annotations

import dataclasses

from controller.api import host as api_host
from controller.bmc import access
from controller.bmc import errors as bmc_errors


@dataclasses.dataclass(frozen=True, order=True)
class Claim:
    what: str  # how the error names it: "bootMACAddress", "BMC address"
    value: str


def of(host: api_host.Host) -> frozenset[Claim]:
    """What ``host`` claims: its boot MAC (any case) and its BMC, when it names them."""
    found = set()
    if host.spec.boot_mac:
        found.add(Claim("bootMACAddress", host.spec.boot_mac.lower()))
    if host.spec.bmc_address:
        found.add(Claim("BMC address", _bmc_identity(host.spec.bmc_address)))
    return frozenset(found)


def _bmc_identity(raw: str) -> str:
    try:
        address = access.parse(raw)
    except bmc_errors.BMCError:
        return raw  # refused by the registration guard anyway; equal strings still clash
    return f"{address.protocol.value}://{address.netloc.lower()}{address.system_path}"


@dataclasses.dataclass(frozen=True, order=True)
class Seniority:
    """Orders hosts by creation: the earlier timestamp, then the name, keeps a claim."""

    created: str
    key: str


class Registry:
    def __init__(self) -> None:
        self._claims: dict[str, frozenset[Claim]] = {}
        self._seniority: dict[str, Seniority] = {}
        self._holders: dict[Claim, set[str]] = {}

    def put(self, key: str, created: str, claims: frozenset[Claim]) -> set[str]:
        """Record ``key``'s claims; returns the other hosts whose conflicts may have changed."""
        before = self.remove(key)
        self._claims[key] = claims
        self._seniority[key] = Seniority(created, key)
        for claim in claims:
            self._holders.setdefault(claim, set()).add(key)
        return before | self.sharing(key)

    def remove(self, key: str) -> set[str]:
        """Forget ``key``; returns the hosts that shared a claim with it."""
        shared = self.sharing(key)
        for claim in self._claims.pop(key, frozenset()):
            holders = self._holders.get(claim, set())
            holders.discard(key)
            if not holders:
                self._holders.pop(claim, None)
        self._seniority.pop(key, None)
        return shared

    def sharing(self, key: str) -> set[str]:
        return {
            other
            for claim in self._claims.get(key, frozenset())
            for other in self._holders.get(claim, set())
            if other != key
        }

    def conflict(self, key: str) -> str:
        """Why ``key`` may not manage its machine ('' when it may)."""
        mine = self._seniority.get(key)
        if mine is None:
            return ""
        for claim in sorted(self._claims.get(key, frozenset())):
            earlier = sorted(
                self._seniority[other]
                for other in self._holders.get(claim, set())
                if other != key and self._seniority[other] < mine
            )
            if earlier:
                return (
                    f"{claim.what} {claim.value} is already used by BareMetalHost "
                    f"{earlier[0].key}, created earlier; give each host its own machine "
                    "(fix this host's spec or delete one of them)"
                )
        return ""

    def __len__(self) -> int:
        return len(self._claims)
