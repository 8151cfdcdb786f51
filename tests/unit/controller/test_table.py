"""The transition table: every handler edge is listed, drawn, and enforced at run time."""

from __future__ import annotations

import asyncio

import pytest

from controller.api import types
from controller.hoststate import diagram, machine, outcomes, table
from tests.unit.controller import harness

State = types.ProvisioningState


def test_every_state_has_a_handler() -> None:
    assert set(table.TABLE) == set(State)


def test_every_transition_is_drawn() -> None:
    doc = diagram.render()
    for old, new, _label in machine.transitions():
        assert f"{diagram._node(old)} --> {diagram._node(new)}" in doc


def test_every_state_but_deleting_can_be_left_and_deleting_can_be_reached() -> None:
    edges = machine.transitions()
    sources = {old for old, _new, _label in edges}
    assert sources == set(State) - {State.DELETING}
    for state in State:
        if state is not State.DELETING:
            assert any(
                old is state
                and new in {State.DELETING, State.POWERING_OFF_BEFORE_DELETE, State.DEPROVISIONING}
                for old, new, _ in edges
            ), state


def test_a_transition_missing_from_the_table_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    async def rogue(ctx: object) -> outcomes.Outcome:
        return outcomes.Advance(State.PROVISIONED)

    entry = table.TABLE[State.PREPARING]
    monkeypatch.setitem(table.TABLE, State.PREPARING, table.Entry(rogue, entry.exits))
    sim = harness.Sim()
    obj = harness.body(**{"automatedCleaningMode": "disabled"})
    obj["metadata"]["annotations"]["inspect.metal3.io"] = "disabled"

    async def go() -> None:
        await sim.to_state(obj, "preparing")
        await sim.step(obj)

    with pytest.raises(machine.IllegalTransition, match="preparing"):
        asyncio.run(go())
