"""The closed set of things a guard or handler can decide, as frozen values.

``Advance`` moves to another state; ``Wait`` stays and polls again (``after=None``: until the
next change of the object); ``Fail`` records an error and retries with backoff; ``Delayed``
parks the host until a provisioning slot frees; ``Restore`` replaces the status from the
status annotation; ``Released`` ends deletion by dropping the finalizer. ``Changes`` rides on
each: a typed ``change.Status`` of fields to set, annotations to remove, events to emit.
"""

from __future__ import annotations

import dataclasses

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import change


@dataclasses.dataclass(frozen=True)
class Note:
    """A Kubernetes Event to emit: ``reason`` is CamelCase, ``warning`` selects the type."""

    reason: str
    message: str
    warning: bool = False


@dataclasses.dataclass(frozen=True)
class Changes:
    status: change.Status = change.NONE
    remove_annotations: frozenset[str] = frozenset()
    notes: tuple[Note, ...] = ()

    def __add__(self, other: Changes) -> Changes:
        return Changes(
            status=self.status + other.status,
            remove_annotations=self.remove_annotations | other.remove_annotations,
            notes=self.notes + other.notes,
        )


NO_CHANGES = Changes()
# A retried error that now passes: the host is healthy again (errorCount is the caller's call).
ERROR_CLEARED = Changes(
    status=change.Status(
        error_type=types.ErrorType.NONE,
        error_message="",
        operational_status=types.OperationalStatus.OK,
    )
)


@dataclasses.dataclass(frozen=True)
class Advance:
    to: types.ProvisioningState
    changes: Changes = NO_CHANGES
    reset_errors: bool = True


@dataclasses.dataclass(frozen=True)
class Wait:
    after: float | None
    changes: Changes = NO_CHANGES
    clear_error: bool = True


@dataclasses.dataclass(frozen=True)
class Fail:
    error_type: types.ErrorType
    message: str
    changes: Changes = NO_CHANGES


@dataclasses.dataclass(frozen=True)
class Delayed:
    after: float
    changes: Changes = NO_CHANGES


@dataclasses.dataclass(frozen=True)
class Restore:
    status: api_host.HostStatus


@dataclasses.dataclass(frozen=True)
class Released:
    pass


Outcome = Advance | Wait | Fail | Delayed | Restore | Released


def with_changes(outcome: Advance | Wait | Fail | Delayed, extra: Changes) -> Outcome:
    """``outcome`` with ``extra`` applied before its own changes."""
    return dataclasses.replace(outcome, changes=extra + outcome.changes)
