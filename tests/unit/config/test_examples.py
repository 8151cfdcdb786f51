"""Every ``tests/config-examples/valid-*.yaml`` loads; every ``invalid-*.yaml`` fails with the
message written in its first line (``# error: …``), which names the offending path or host.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostkit import errors
from lab.config import load

EXAMPLES = Path(__file__).parents[2] / "config-examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("valid-*.yaml")), ids=lambda p: p.stem)
def test_valid_example_loads(path: Path) -> None:
    lab = load.load(path, name="example")
    assert lab.name == "example"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("invalid-*.yaml")), ids=lambda p: p.stem)
def test_invalid_example_is_rejected_with_its_message(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# error: "), f"{path.name} must say which error it expects"
    with pytest.raises(errors.LabError) as caught:
        load.load(path, name="example")
    assert first.removeprefix("# error: ") in str(caught.value)


def test_there_are_examples_of_both_kinds() -> None:
    assert len(list(EXAMPLES.glob("valid-*.yaml"))) >= 3
    assert len(list(EXAMPLES.glob("invalid-*.yaml"))) >= 10
