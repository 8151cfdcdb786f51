"""Fixtures for the CLI tests: a private METALLAB_HOME holding a lab recorded as ``up`` left it
after its first step (its lab file's document and host count), with no cluster or daemons."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from lab import paths
from lab.config import model
from lab.hardware import layout

RecordLab = Callable[[str, int], Path]


@pytest.fixture
def record_lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RecordLab:
    """``record_lab(name, hosts)`` records the built-in lab with ``hosts`` hosts; its state dir."""
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))

    def record(name: str, hosts: int) -> Path:
        state = paths.lab_dir(name)
        state.mkdir(parents=True)
        document = {"apiVersion": model.API_VERSION, "kind": model.KIND}
        layout.source(state).write_text(json.dumps({"document": document, "hosts": hosts}))
        return state

    return record
