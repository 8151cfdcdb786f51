"""THE table: each provisioning state's handler and every state it may move to.

``machine.reconcile`` dispatches through ``TABLE`` and refuses a handler's ``Advance`` to a
state not listed under its ``exits``, so this listing is the whole truth about transitions;
``diagram`` draws it, with the guards' edges (``guards.DELETION_EDGES``, ``GIVE_UP_EDGES``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from controller.api import types
from controller.hoststate import context as ctx_mod
from controller.hoststate import handlers, outcomes

State = types.ProvisioningState
Handler = Callable[[ctx_mod.Context], Awaitable[outcomes.Outcome]]


@dataclasses.dataclass(frozen=True)
class Entry:
    handler: Handler
    exits: frozenset[State]


def _entry(handler: Handler, *exits: State) -> Entry:
    return Entry(handler=handler, exits=frozenset(exits))


TABLE: dict[State, Entry] = {
    State.NONE: _entry(handlers.none, State.REGISTERING, State.UNMANAGED),
    State.UNMANAGED: _entry(handlers.unmanaged, State.REGISTERING),
    State.REGISTERING: _entry(
        handlers.registering, State.INSPECTING, State.PREPARING, State.EXTERNALLY_PROVISIONED
    ),
    State.INSPECTING: _entry(handlers.inspecting, State.PREPARING),
    State.PREPARING: _entry(handlers.preparing, State.AVAILABLE),
    State.AVAILABLE: _entry(
        handlers.available, State.PROVISIONING, State.INSPECTING, State.EXTERNALLY_PROVISIONED
    ),
    State.PROVISIONING: _entry(handlers.provisioning, State.PROVISIONED, State.DEPROVISIONING),
    State.PROVISIONED: _entry(handlers.provisioned, State.DEPROVISIONING),
    State.DEPROVISIONING: _entry(
        handlers.deprovisioning,
        State.AVAILABLE,
        State.POWERING_OFF_BEFORE_DELETE,
        State.DELETING,
    ),
    State.EXTERNALLY_PROVISIONED: _entry(
        handlers.externally_provisioned, State.INSPECTING, State.PREPARING
    ),
    State.POWERING_OFF_BEFORE_DELETE: _entry(handlers.powering_off_before_delete, State.DELETING),
    State.DELETING: _entry(handlers.deleting),
}
