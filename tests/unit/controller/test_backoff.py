"""Retry backoff: exponential in the error count, capped, jittered into [half, full]."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.hoststate import backoff

POLICY = backoff.Policy(base=10.0, cap=300.0)


@pytest.mark.parametrize(
    ("count", "ceiling"), [(0, 10), (1, 10), (2, 20), (3, 40), (5, 160), (6, 300), (100, 300)]
)
def test_ceiling_doubles_until_the_cap(count: int, ceiling: float) -> None:
    assert backoff.ceiling(count, POLICY) == ceiling


@given(st.integers(min_value=0, max_value=10_000), st.integers())
def test_delay_is_jittered_within_half_to_full_ceiling(count: int, seed: int) -> None:
    top = backoff.ceiling(count, POLICY)
    delay = backoff.delay(count, POLICY, random.Random(seed))
    assert top / 2 <= delay <= top <= POLICY.cap


def test_jitter_spreads_retries() -> None:
    rng = random.Random(1)
    assert len({round(backoff.delay(4, POLICY, rng), 3) for _ in range(20)}) > 10
