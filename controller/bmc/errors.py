"""The bmc package's one exception base and the few kinds a caller reacts to differently.

``AddressError`` and ``CredentialsError`` are the user's to fix (shown as a registration
error, retried when the host or Secret changes); ``BMCUnreachable`` and ``BMCRefused`` come
from talking to a BMC (retried with backoff).
"""

from __future__ import annotations

import enum


class BMCError(Exception):
    """Something about a host's BMC that the message explains."""


class AddressProblem(enum.StrEnum):
    EMPTY = "empty address"
    UNKNOWN_SCHEME = "unknown scheme"
    BAD_HOST = "bad host"
    BAD_PORT = "bad port"


class AddressError(BMCError):
    """``spec.bmc.address`` cannot be used; ``problem`` says which part is wrong."""

    def __init__(self, address: str, problem: AddressProblem, detail: str) -> None:
        self.address = address
        self.problem = problem
        super().__init__(f"invalid BMC address {address!r}: {problem.value}: {detail}")


class CredentialsError(BMCError):
    """The credentials Secret is missing or lacks a username or password."""


class BMCUnreachable(BMCError):
    """The BMC did not answer in time (network, wrong port, BMC down)."""


class BMCRefused(BMCError):
    """The BMC answered but refused: wrong credentials, or the request failed."""
