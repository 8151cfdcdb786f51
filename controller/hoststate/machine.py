"""One reconcile of one host: guards in order, then the state's handler from the table.

Called by the operator with a ``Context``; returns the outcome for ``writer.apply``. Besides
dispatching, it hands the handler the host with the guards' status changes applied, and
enforces two rules: a handler may only move to a state its table entry lists
(anything else is a bug, raised as ``IllegalTransition``), and entering a state that needs a
provisioning slot first takes one, or parks the host as ``delayed``.
"""

from __future__ import annotations

import dataclasses

from controller.api import types
from controller.hoststate import capacity, guards, outcomes, table
from controller.hoststate import context as ctx_mod


class IllegalTransition(RuntimeError):
    """A handler asked for a transition the table does not list: a programming error."""


async def reconcile(ctx: ctx_mod.Context) -> outcomes.Outcome:
    carried = outcomes.NO_CHANGES
    outcome: outcomes.Outcome | None = None
    for guard in guards.ORDER:
        result = await guard(ctx)
        if isinstance(result, outcomes.Changes):
            carried += result
        elif result is not None:
            outcome = result
            break
    state = ctx.host.status.state
    if outcome is None:
        # The handler sees the host as the guards left it: a registration error they just
        # cleared must not look like a failure to the handler (it would deprovision).
        outcome = await table.TABLE[state].handler(_with_status(ctx, carried))
        if isinstance(outcome, outcomes.Advance) and outcome.to not in table.TABLE[state].exits:
            raise IllegalTransition(f"{state.value!r} → {outcome.to.value!r} is not in the table")
    if (
        isinstance(outcome, outcomes.Advance)
        and outcome.to in capacity.SLOT_STATES
        and not ctx.capacity.try_acquire(ctx.host.key)
    ):
        note = outcomes.Note(
            "ProvisioningDelayed",
            f"provisioning limit ({ctx.capacity.limit}) reached; "
            f"waiting to enter {outcome.to.value}",
        )
        outcome = outcomes.Delayed(
            after=ctx.timing.delayed_poll, changes=outcomes.Changes(notes=(note,))
        )
    if isinstance(outcome, outcomes.Restore | outcomes.Released) or carried == outcomes.NO_CHANGES:
        return outcome
    return outcomes.with_changes(outcome, carried)


def _with_status(ctx: ctx_mod.Context, carried: outcomes.Changes) -> ctx_mod.Context:
    if not carried.status:
        return ctx
    status = carried.status.applied_to(ctx.host.status)
    return dataclasses.replace(ctx, host=dataclasses.replace(ctx.host, status=status))


def transitions() -> list[tuple[types.ProvisioningState, types.ProvisioningState, str]]:
    """Every edge the machine can take, labelled by who takes it (for docs and tests)."""
    edges = [
        (state, to, "handler") for state, entry in table.TABLE.items() for to in sorted(entry.exits)
    ]
    edges += [(state, to, "deletion") for state, to in guards.DELETION_EDGES.items()]
    edges += [(state, to, "deletion, giving up") for state, to in guards.GIVE_UP_EDGES.items()]
    edges += [
        (state, types.ProvisioningState.DELETING, "deletion, detached")
        for state in sorted(guards.DETACH_STATES)
    ]
    return edges
