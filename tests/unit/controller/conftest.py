"""Shared fixtures of the controller's unit tests: a fresh in-memory ``Sim`` per test."""

from __future__ import annotations

import pytest

from tests.unit.controller import harness


@pytest.fixture
def sim() -> harness.Sim:
    return harness.Sim()
