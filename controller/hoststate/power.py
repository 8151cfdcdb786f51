"""Power management of hosts at rest (available, provisioned, externally provisioned).

``online`` decides, except that a reboot annotation on a provisioned host asks for power off:
the plain ``reboot.metal3.io`` is removed once the host is off (so it comes back on), while a
``reboot.metal3.io/<key>`` holds it off until its owner removes it. ``{"mode": "hard"}`` in any
of them forces a hard power off; the default is soft, and a soft power off the host ignores
becomes hard after ``Timing.soft_power_off`` (the backend keeps the clock). A power change
the BMC accepts but the host never makes fails after ``Timing.power_change`` with a
``power management error`` (an Event, and the writer's backoff before the next try; the
error stands until the power follows). Called by the steady-state handlers.
"""

from __future__ import annotations

import json

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import change, outcomes
from controller.hoststate import context as ctx_mod
from controller.provisioner import base


def _is_reboot(annotation: str) -> bool:
    prefix = types.REBOOT_ANNOTATION
    return annotation == prefix or annotation.startswith(prefix + "/")


def reboot_request(host: api_host.Host) -> tuple[bool, types.RebootMode, tuple[outcomes.Note, ...]]:
    """Whether any reboot annotation is present, the strongest mode asked, and parse notes."""
    present, mode, notes = False, types.RebootMode.SOFT, []
    for key, value in host.annotations.items():
        if not _is_reboot(key):
            continue
        present = True
        if not value:
            continue
        try:
            asked = json.loads(value).get("mode")
        except (ValueError, AttributeError):
            notes.append(
                outcomes.Note("InvalidAnnotationValue", f"{key}: not JSON, assuming soft", True)
            )
            continue
        if asked == types.RebootMode.HARD:
            mode = types.RebootMode.HARD
    return present, mode, tuple(notes)


def reboot_annotations(host: api_host.Host) -> frozenset[str]:
    return frozenset(key for key in host.annotations if _is_reboot(key))


async def manage(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    assert ctx.provisioner is not None  # the registration guard passed
    seen = await ctx.provisioner.power_state()
    if seen.status is base.Status.FAILED:
        return outcomes.Fail(types.ErrorType.POWER_MANAGEMENT, seen.message)
    if seen.powered_on is not None and seen.powered_on != host.status.powered_on:
        return outcomes.Wait(
            after=0, changes=outcomes.Changes(status=change.Status(powered_on=seen.powered_on))
        )

    if not host.status.powered_on and types.REBOOT_ANNOTATION in host.annotations:
        drop = frozenset({types.REBOOT_ANNOTATION})
        return outcomes.Wait(after=0, changes=outcomes.Changes(remove_annotations=drop))

    desired = host.spec.online
    rebooting, mode, notes = reboot_request(host)
    if rebooting and host.status.state in types.PROVISIONED_STATES:
        desired = False
    if host.status.powered_on == desired:
        reset = change.Status(error_count=0) if host.status.error_count else change.NONE
        return outcomes.Wait(
            after=ctx.timing.steady_poll, changes=outcomes.Changes(status=reset, notes=notes)
        )

    mode = mode if not desired else types.RebootMode.HARD
    result = await ctx.provisioner.set_power(
        base.PowerRequest(
            on=desired,
            mode=mode,
            soft_timeout=ctx.timing.soft_power_off,
            change_timeout=ctx.timing.power_change,
        )
    )
    if result.status is base.Status.FAILED:
        return outcomes.Fail(types.ErrorType.POWER_MANAGEMENT, result.message)
    if result.status is base.Status.BUSY:
        # Retrying after a power management error: the error stands until the power changes.
        return outcomes.Wait(
            after=result.retry_after,
            changes=outcomes.Changes(notes=notes),
            clear_error=host.status.error_type is not types.ErrorType.POWER_MANAGEMENT,
        )
    note = outcomes.Note(
        "PowerOn" if desired else "PowerOff", f"host powered {'on' if desired else 'off'}"
    )
    return outcomes.Wait(
        after=0,
        changes=outcomes.Changes(
            status=change.Status(powered_on=desired, error_count=0), notes=(*notes, note)
        ),
    )
