"""The guards run before any state handler, always in this order (``ORDER``).

paused → status annotation → hardware-details annotation → deletion → provisioning limit →
detached → registration. A guard returns an outcome to stop there, ``None`` to pass, or
``Changes`` to pass carrying status updates for the handler's write (so a successful
registration and the next transition cost one API write, not two).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import capacity, change, outcomes
from controller.hoststate import context as ctx_mod
from controller.provisioner import base

State = types.ProvisioningState
GuardResult = outcomes.Outcome | outcomes.Changes | None
Guard = Callable[[ctx_mod.Context], Awaitable[GuardResult]]

MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
DETACH_STATES = frozenset({State.PROVISIONED, State.EXTERNALLY_PROVISIONED, State.AVAILABLE})
NO_REGISTRATION_STATES = frozenset({State.NONE, State.UNMANAGED, State.DELETING})

# Transitions a guard can cause, for the table's listing and the diagram.
DELETION_EDGES = {
    State.NONE: State.DELETING,
    State.UNMANAGED: State.DELETING,
    State.REGISTERING: State.DELETING,
    State.INSPECTING: State.POWERING_OFF_BEFORE_DELETE,
    State.PREPARING: State.POWERING_OFF_BEFORE_DELETE,
    State.AVAILABLE: State.POWERING_OFF_BEFORE_DELETE,
    State.EXTERNALLY_PROVISIONED: State.POWERING_OFF_BEFORE_DELETE,
    State.PROVISIONING: State.DEPROVISIONING,
    State.PROVISIONED: State.DEPROVISIONING,
}
GIVE_UP_EDGES = {
    State.DEPROVISIONING: State.DELETING,
    State.POWERING_OFF_BEFORE_DELETE: State.DELETING,
}
GIVE_UP_AFTER = 3  # consecutive registration errors during deletion (BMO: errorCount > 3)


async def paused(ctx: ctx_mod.Context) -> GuardResult:
    if types.PAUSED_ANNOTATION in ctx.host.annotations:
        return outcomes.Wait(after=None, clear_error=False)
    return None


async def status_annotation(ctx: ctx_mod.Context) -> GuardResult:
    raw = ctx.host.annotations.get(types.STATUS_ANNOTATION)
    if raw is None:
        return None
    drop = outcomes.Changes(remove_annotations=frozenset({types.STATUS_ANNOTATION}))
    if ctx.host.has_status or not raw:
        return outcomes.Wait(after=0, changes=drop, clear_error=False)
    try:
        restored = api_host.parse_status(json.loads(raw))
    except (ValueError, TypeError, AttributeError):
        note = outcomes.Note("InvalidAnnotationValue", "status annotation is not a status", True)
        return outcomes.Wait(after=0, changes=drop + outcomes.Changes(notes=(note,)))
    return outcomes.Restore(status=restored)


def inspection_disabled(host: api_host.Host) -> bool:
    return (
        host.annotations.get(types.INSPECT_ANNOTATION) == "disabled"
        or host.spec.inspection_disabled
    )


async def hardware_details_annotation(ctx: ctx_mod.Context) -> GuardResult:
    raw = ctx.host.annotations.get(types.HARDWARE_DETAILS_ANNOTATION)
    if raw is None:
        return None
    drop = frozenset({types.HARDWARE_DETAILS_ANNOTATION})
    if ctx.host.status.hardware is not None and not inspection_disabled(ctx.host):
        note = outcomes.Note(
            "RemoveAnnotation", "hardware details annotation ignored: already inspected"
        )
        return outcomes.Wait(
            after=0,
            changes=outcomes.Changes(remove_annotations=drop, notes=(note,)),
            clear_error=False,
        )
    try:
        details = api_host.parse_hardware(json.loads(raw))
    except (ValueError, TypeError) as err:
        note = outcomes.Note("InvalidAnnotationValue", f"hardware details: {err}", True)
        return outcomes.Wait(
            after=0, changes=outcomes.Changes(remove_annotations=drop, notes=(note,))
        )
    note = outcomes.Note("UpdateHardwareDetails", "set hardware details from annotation")
    return outcomes.Wait(
        after=0,
        changes=outcomes.Changes(
            status=change.Status(hardware=details), remove_annotations=drop, notes=(note,)
        ),
        clear_error=False,
    )


def _detached(host: api_host.Host) -> bool:
    return host.status.operational_status is types.OperationalStatus.DETACHED


def _delete_delayed_while_detached(host: api_host.Host) -> bool:
    raw = host.annotations.get(types.DETACHED_ANNOTATION)
    if raw is None:
        return _detached(host)  # detached then re-attach requested: wait for it
    try:
        return bool(json.loads(raw).get("deleteAction") == "delay")
    except (ValueError, AttributeError):
        return False


async def deletion(ctx: ctx_mod.Context) -> GuardResult:
    host = ctx.host
    if not host.deleting:
        return None
    state = host.status.state
    if state in GIVE_UP_EDGES:
        if (
            host.status.error_type is types.ErrorType.REGISTRATION
            and host.status.error_count > GIVE_UP_AFTER
        ):
            return outcomes.Advance(GIVE_UP_EDGES[state])
        return None
    if state is State.DELETING:
        return None
    if _detached(host):
        if _delete_delayed_while_detached(host):
            return outcomes.Wait(after=ctx.timing.detached_poll, clear_error=False)
        return outcomes.Advance(State.DELETING)  # a detached host's hardware is not ours
    return outcomes.Advance(DELETION_EDGES[state])


async def provisioning_limit(ctx: ctx_mod.Context) -> GuardResult:
    host = ctx.host
    if host.status.operational_status is types.OperationalStatus.DELAYED:
        if not ctx.capacity.try_acquire(host.key):
            return outcomes.Wait(after=ctx.timing.delayed_poll, clear_error=False)
        return outcomes.Changes(status=change.Status(operational_status=types.OperationalStatus.OK))
    if host.status.state in capacity.SLOT_STATES:
        ctx.capacity.hold(host.key)
    return None


async def detached(ctx: ctx_mod.Context) -> GuardResult:
    host = ctx.host
    wants_detach = types.DETACHED_ANNOTATION in host.annotations
    if wants_detach and host.status.state in DETACH_STATES and ctx.provisioner is not None:
        result = await ctx.provisioner.detach()
        if result.status is base.Status.FAILED:
            return outcomes.Fail(types.ErrorType.REGISTRATION, f"detach failed: {result.message}")
        if result.status is base.Status.BUSY:
            return outcomes.Wait(after=result.retry_after)
        if _detached(host):
            return outcomes.Wait(after=ctx.timing.detached_poll, clear_error=False)
        note = outcomes.Note("Detached", "host detached: the controller no longer manages it")
        return outcomes.Wait(
            after=ctx.timing.detached_poll,
            changes=outcomes.Changes(
                status=change.Status(operational_status=types.OperationalStatus.DETACHED),
                notes=(note,),
            ),
            clear_error=False,
        )
    if _detached(host) and not wants_detach:
        status = (
            types.OperationalStatus.ERROR
            if host.status.error_type is not types.ErrorType.NONE
            else types.OperationalStatus.OK
        )
        note = outcomes.Note("Attached", "detached annotation removed: managing the host again")
        return outcomes.Wait(
            after=0,
            changes=outcomes.Changes(
                status=change.Status(operational_status=status), notes=(note,)
            ),
            clear_error=False,
        )
    return None


def _registration_error(host: api_host.Host) -> types.ErrorType:
    if host.status.state in types.PROVISIONED_STATES:
        return types.ErrorType.PROVISIONED_REGISTRATION
    return types.ErrorType.REGISTRATION


async def registration(ctx: ctx_mod.Context) -> GuardResult:
    host = ctx.host
    if host.status.state in NO_REGISTRATION_STATES:
        return None
    if ctx.provisioner is None:
        if host.deleting:
            return None  # deleting without usable access: the handlers skip the BMC
        return outcomes.Fail(_registration_error(host), ctx.access_error)
    if host.spec.boot_mac and not MAC.match(host.spec.boot_mac):
        return outcomes.Fail(
            _registration_error(host),
            f"bootMACAddress {host.spec.boot_mac!r} is not a MAC address (aa:bb:cc:dd:ee:ff)",
        )
    tried = api_host.CredentialsVersion(
        secret=api_host.SecretRef(host.spec.credentials_name, host.namespace),
        version=ctx.credentials_version,
    )
    tried_changes = (
        outcomes.Changes(status=change.Status(tried_credentials=tried))
        if host.status.tried_credentials != tried
        else outcomes.NO_CHANGES
    )
    result = await ctx.provisioner.register(
        base.RegisterRequest(
            credentials_version=ctx.credentials_version,
            force=host.status.error_type is types.ErrorType.REGISTRATION,
        )
    )
    if result.status is base.Status.FAILED:
        return outcomes.Fail(_registration_error(host), result.message, changes=tried_changes)
    if result.status is base.Status.BUSY:
        return outcomes.Wait(after=result.retry_after, changes=tried_changes)
    changes = tried_changes
    if result.provisioning_id and result.provisioning_id != host.status.provisioning_id:
        changes += outcomes.Changes(status=change.Status(provisioning_id=result.provisioning_id))
    registration_errors = {types.ErrorType.REGISTRATION, types.ErrorType.PROVISIONED_REGISTRATION}
    if host.status.good_credentials != tried or host.status.error_type in registration_errors:
        note = outcomes.Note("BMCAccessValidated", "Verified access to BMC")
        changes += outcomes.Changes(status=change.Status(good_credentials=tried), notes=(note,))
        if host.status.error_type in registration_errors:
            changes += outcomes.ERROR_CLEARED
    return changes if changes != outcomes.NO_CHANGES else None


ORDER: tuple[Guard, ...] = (
    paused,
    status_annotation,
    hardware_details_annotation,
    deletion,
    provisioning_limit,
    detached,
    registration,
)
