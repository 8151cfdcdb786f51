"""Fixtures for the scenario e2e tests: running ``metallab scenario run`` as a user would.

``run_scenarios`` starts the real CLI in a subprocess with the test's private METALLAB_HOME
and returns it; the tests read its exit status, output and the report it wrote. Every lab a
test names is downed afterwards, whatever the runner did.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lab import up as lifecycle

HERE = Path(__file__).parent
ROOT = HERE.parents[2]

Runner = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def run_scenarios(home: Path) -> Iterator[Runner]:
    names: list[str] = []
    children: list[subprocess.Popen[str]] = []

    def start(name: str, report: Path, *files: Path) -> subprocess.Popen[str]:
        names.append(name)
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lab.cli.main",
                "scenario",
                "run",
                "--name",
                name,
                "--report",
                str(report),
                *map(str, files),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # lines as they happen
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        children.append(child)
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
            child.communicate()
    for name in names:
        lifecycle.down(name, progress=lambda _line: None)
