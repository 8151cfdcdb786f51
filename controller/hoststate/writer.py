"""The single writer: turns (host, outcome) into everything that must change about the host.

``apply`` is pure: it computes the new status — provisioning state, error fields and count,
operationalStatus, operationHistory, conditions, lastUpdated — the Events to emit, the
annotations and finalizer to change, and when to look at the host again. The operator
executes the returned ``Write`` and nothing else writes a host's state.
"""

from __future__ import annotations

import dataclasses
import random

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import backoff, change, outcomes

State = types.ProvisioningState
OK = types.OperationalStatus.OK


@dataclasses.dataclass(frozen=True)
class Write:
    status: api_host.HostStatus | None  # None: leave the status as it is
    add_finalizer: bool = False
    remove_finalizer: bool = False
    remove_annotations: frozenset[str] = frozenset()
    notes: tuple[outcomes.Note, ...] = ()
    requeue_after: float | None = None
    transition: tuple[State, State] | None = None
    outcome: str = ""  # the kind of outcome that decided it (advance, wait, fail, …)


def camel(text: str) -> str:
    return "".join(word.capitalize() for word in text.split()) or "New"


def _history(
    status: api_host.HostStatus, old: State, new: State, now: str
) -> dict[types.Operation, api_host.OperationMetric]:
    history = dict(status.operation_history)
    ended = types.OPERATION_OF_STATE.get(old)
    if ended is not None and (metric := history.get(ended)) and metric.start and not metric.end:
        history[ended] = dataclasses.replace(metric, end=now)
    started = types.OPERATION_OF_STATE.get(new)
    if started is not None:
        history[started] = api_host.OperationMetric(start=now)
    return history


def _condition(
    previous: dict[str, api_host.Condition],
    kind: str,
    *,
    true: bool,
    reason: str,
    message: str,
    generation: int,
    now: str,
) -> api_host.Condition:
    value = "True" if true else "False"
    old = previous.get(kind)
    since = old.last_transition_time if old is not None and old.status == value else now
    return api_host.Condition(kind, value, reason, message, since, generation)


def conditions(
    status: api_host.HostStatus, generation: int, now: str
) -> tuple[api_host.Condition, ...]:
    """``Ready``: usable and healthy at rest; ``Provisioned``: an image (or an outside one) runs."""
    previous = {c.type: c for c in status.conditions}
    at_rest = status.state is State.AVAILABLE or status.state in types.PROVISIONED_STATES
    healthy = status.operational_status is OK
    if status.error_type is not types.ErrorType.NONE:
        reason, message = camel(status.error_type.value), status.error_message
    else:
        reason, message = camel(status.state.value), f"provisioning state {status.state.value!r}"
    provisioned = status.state in types.PROVISIONED_STATES
    return (
        _condition(
            previous,
            "Ready",
            true=at_rest and healthy,
            reason=reason,
            message=message,
            generation=generation,
            now=now,
        ),
        _condition(
            previous,
            "Provisioned",
            true=provisioned,
            reason=camel(status.state.value),
            message=status.image.url if provisioned and status.image else "",
            generation=generation,
            now=now,
        ),
    )


def _error_cleared(status: api_host.HostStatus) -> api_host.HostStatus:
    operational = status.operational_status
    if operational in {types.OperationalStatus.ERROR, types.OperationalStatus.NONE}:
        operational = OK
    return dataclasses.replace(
        status, error_type=types.ErrorType.NONE, error_message="", operational_status=operational
    )


def apply(
    host: api_host.Host,
    outcome: outcomes.Outcome,
    *,
    now: str,
    policy: backoff.Policy,
    rng: random.Random | None = None,
) -> Write:
    write = _write(host, outcome, now=now, policy=policy, rng=rng)
    return dataclasses.replace(write, outcome=type(outcome).__name__.lower())


def _write(
    host: api_host.Host,
    outcome: outcomes.Outcome,
    *,
    now: str,
    policy: backoff.Policy,
    rng: random.Random | None,
) -> Write:
    old = host.status
    if isinstance(outcome, outcomes.Wait) and outcome.after is None and not outcome.changes.status:
        # Idle (e.g. paused): nothing is written, not even the finalizer.
        return Write(status=None, remove_annotations=frozenset(), notes=outcome.changes.notes)
    add_finalizer = not host.deleting and types.FINALIZER not in host.finalizers
    if isinstance(outcome, outcomes.Released):
        return Write(status=None, remove_finalizer=types.FINALIZER in host.finalizers)
    if isinstance(outcome, outcomes.Restore):
        restored = dataclasses.replace(
            outcome.status, last_updated=outcome.status.last_updated or now
        )
        return Write(
            status=restored,
            add_finalizer=add_finalizer,
            remove_annotations=frozenset({types.STATUS_ANNOTATION}),
            notes=(outcomes.Note("StatusRestored", "status restored from annotation"),),
            requeue_after=0,
        )

    changes = outcome.changes
    status = changes.status.applied_to(old)
    notes = list(changes.notes)
    transition = None
    requeue: float | None
    if isinstance(outcome, outcomes.Advance):
        transition = (old.state, outcome.to)
        status = dataclasses.replace(
            status, state=outcome.to, operation_history=_history(status, old.state, outcome.to, now)
        )
        if outcome.reset_errors:
            status = dataclasses.replace(_error_cleared(status), error_count=0)
            if changes.status.operational_status is change.KEEP and status.operational_status in {
                types.OperationalStatus.DELAYED,
                types.OperationalStatus.DISCOVERED,
            }:
                status = dataclasses.replace(status, operational_status=OK)
        notes.append(
            outcomes.Note(
                camel(outcome.to.value), f"{old.state.value or 'new'} → {outcome.to.value}"
            )
        )
        requeue = 0
    elif isinstance(outcome, outcomes.Wait):
        if outcome.clear_error and status.error_type is not types.ErrorType.NONE:
            status = _error_cleared(status)
        requeue = outcome.after
    elif isinstance(outcome, outcomes.Fail):
        status = dataclasses.replace(
            status,
            error_type=outcome.error_type,
            error_message=outcome.message,
            error_count=old.error_count + 1,
            operational_status=types.OperationalStatus.ERROR,
        )
        notes.append(outcomes.Note(camel(outcome.error_type.value), outcome.message, warning=True))
        requeue = backoff.delay(status.error_count, policy, rng)
    else:  # Delayed
        status = dataclasses.replace(status, operational_status=types.OperationalStatus.DELAYED)
        requeue = outcome.after
    if status.operational_status is types.OperationalStatus.NONE:
        status = dataclasses.replace(status, operational_status=OK)

    if status == old and host.has_status:
        new_status = None
    else:
        status = dataclasses.replace(status, conditions=conditions(status, host.generation, now))
        new_status = dataclasses.replace(status, last_updated=now)
    return Write(
        status=new_status,
        add_finalizer=add_finalizer,
        remove_annotations=changes.remove_annotations & frozenset(host.annotations),
        notes=tuple(notes),
        requeue_after=requeue,
        transition=transition,
    )
