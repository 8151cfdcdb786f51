"""The one retry delay: capped exponential backoff of ``errorCount`` with jitter.

``delay(n)`` for the n-th consecutive error is ``min(cap, base * 2**(n-1))`` scaled by a random
factor in [0.5, 1.0], so a fleet of hosts failing together spreads its retries instead of
hammering a BMC or the API server in step. Called by the writer for every ``Fail``.
"""

from __future__ import annotations

import dataclasses
import random


@dataclasses.dataclass(frozen=True)
class Policy:
    base: float = 10.0
    cap: float = 300.0


def ceiling(error_count: int, policy: Policy) -> float:
    """The un-jittered delay for ``error_count`` consecutive errors."""
    exponent = min(max(error_count, 1) - 1, 32)
    return min(policy.cap, policy.base * 2.0**exponent)


def delay(error_count: int, policy: Policy, rng: random.Random | None = None) -> float:
    top = ceiling(error_count, policy)
    return top * (rng or random).uniform(0.5, 1.0)
