"""Fixtures for the agent's unit tests: a fake host tree (tests/fakehost.py)."""

from __future__ import annotations

import pathlib

import pytest

from tests import fakehost


@pytest.fixture
def host(tmp_path: pathlib.Path) -> pathlib.Path:
    return fakehost.build(tmp_path / "host")
