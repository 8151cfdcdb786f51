"""The provisioning limit: at most N hosts at once in inspecting, provisioning, deprovisioning.

Like BMO's ``PROVISIONING_LIMIT`` (default 20): a host about to enter one of those states takes
a slot or is parked with operationalStatus ``delayed``; hosts found already in such a state
(e.g. after a restart) hold a slot unconditionally so no started operation is abandoned.
``on_free`` lets the operator wake a parked host as soon as a slot frees.
"""

from __future__ import annotations

from collections.abc import Callable

from controller.api import types

SLOT_STATES = frozenset(
    {
        types.ProvisioningState.INSPECTING,
        types.ProvisioningState.PROVISIONING,
        types.ProvisioningState.DEPROVISIONING,
    }
)


class Capacity:
    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self._holders: set[str] = set()
        self._waiting: dict[str, None] = {}  # insertion-ordered: first parked, first woken
        self.on_free: Callable[[str], None] = lambda key: None

    @property
    def used(self) -> int:
        return len(self._holders)

    def try_acquire(self, key: str) -> bool:
        if key in self._holders:
            return True
        if len(self._holders) >= self.limit:
            self._waiting[key] = None
            return False
        self._waiting.pop(key, None)
        self._holders.add(key)
        return True

    def hold(self, key: str) -> None:
        self._waiting.pop(key, None)
        self._holders.add(key)

    def forget(self, key: str) -> None:
        """``key`` is gone (deleted): neither holding nor waiting."""
        self._waiting.pop(key, None)
        self.release(key)

    def release(self, key: str) -> None:
        if key in self._holders:
            self._holders.discard(key)
            free = self.limit - len(self._holders)
            for waiter in list(self._waiting)[: max(free, 0)]:
                self.on_free(waiter)

    def sync(self, key: str, state: types.ProvisioningState) -> None:
        """Make ``key``'s slot match the state it was just written in."""
        if state in SLOT_STATES:
            self.hold(key)
        else:
            self.release(key)
