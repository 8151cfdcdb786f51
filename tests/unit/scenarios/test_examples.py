"""Scenario files: every ``examples/valid-*.yaml`` loads, every ``invalid-*.yaml`` fails with the
message its first line states (``# error: …``, naming the YAML path), and every scenario of
the library loads against its lab file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostkit import errors
from scenarios import decode, load, model

EXAMPLES = Path(__file__).parent / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("valid-*.yaml")), ids=lambda p: p.stem)
def test_valid_example_loads(path: Path) -> None:
    scenario = load.load(path)
    assert scenario.steps
    assert scenario.lab_file == (EXAMPLES / "lab.yaml").resolve()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("invalid-*.yaml")), ids=lambda p: p.stem)
def test_invalid_example_is_rejected_with_its_message(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# error: "), f"{path.name} must say which error it expects"
    with pytest.raises(errors.LabError) as caught:
        load.load(path)
    assert first.removeprefix("# error: ") in str(caught.value)


def test_there_are_examples_of_both_kinds() -> None:
    assert len(list(EXAMPLES.glob("valid-*.yaml"))) >= 2
    assert len(list(EXAMPLES.glob("invalid-*.yaml"))) >= 20


def test_every_step_kind_has_a_valid_example() -> None:
    used = {step.kind for step in load.load(EXAMPLES / "valid-every-kind.yaml").steps}
    assert used == set(decode.step_kinds())


def test_a_step_with_hosts_runs_once_per_host_with_the_host_substituted() -> None:
    steps = load.load(EXAMPLES / "valid-per-host.yaml").steps
    assert steps[0].name == "{host} is available"
    assert [i.host for i in steps[0].invocations] == ["node-0", "node-1", "node-2"]
    assert [i.action.condition.host for i in steps[0].invocations] == [  # type: ignore[union-attr]
        "node-0",
        "node-1",
        "node-2",
    ]
    patches = [i.action for i in steps[1].invocations]
    assert [p.ref.name for p in patches] == ["node-1", "node-2"]  # type: ignore[union-attr]
    assert patches[1].merge == {"metadata": {"annotations": {"owner": "node-2"}}}  # type: ignore[union-attr]


def test_durations_accept_units_and_plain_seconds() -> None:
    steps = load.load(EXAMPLES / "valid-every-kind.yaml").steps
    waits = [s.invocations[0].action for s in steps if s.kind == "wait"]
    assert [w.timeout for w in waits][:3] == [300.0, 30.0, 90.0]  # type: ignore[union-attr]
    assert waits[1].interval == 0.2  # type: ignore[union-attr]


def test_the_library_loads() -> None:
    scenarios = [load.load(path) for path in load.library()]
    assert {s.name for s in scenarios} >= {
        "enroll-redfish",
        "enroll-virtualmedia",
        "enroll-ipmi",
        "bmc-faults",
        "controller-restart",
        "deprovision",
        "delete-from-every-state",
    }
    assert all(s.lab_file.name == "mixed.yaml" for s in scenarios)
    assert all(isinstance(s, model.Scenario) and s.description for s in scenarios)
