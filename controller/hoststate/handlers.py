"""One handler per provisioning state; each returns an outcome naming the next state.

Called only through ``table.TABLE`` by ``machine.reconcile``, after the guards passed. The
behaviour follows BMO's state machine; the differences are written where they are made.
"""

from __future__ import annotations

import re

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import change, guards, outcomes, power
from controller.hoststate import context as ctx_mod
from controller.provisioner import base

State = types.ProvisioningState
Changes = outcomes.Changes

CHECKSUM_LENGTH = {"md5": 32, "sha256": 64, "sha512": 128}
HEX = re.compile(r"^[0-9a-fA-F]+$")


def _provisioner(ctx: ctx_mod.Context) -> base.Provisioner:
    assert ctx.provisioner is not None  # the registration guard fails hosts without one
    return ctx.provisioner


async def none(ctx: ctx_mod.Context) -> outcomes.Outcome:
    if ctx.host.spec.bmc_address:
        return outcomes.Advance(State.REGISTERING)
    note = outcomes.Note("Discovered", "Discovered host with no BMC details")
    return outcomes.Advance(
        State.UNMANAGED,
        changes=Changes(
            status=change.Status(operational_status=types.OperationalStatus.DISCOVERED),
            notes=(note,),
        ),
    )


async def unmanaged(ctx: ctx_mod.Context) -> outcomes.Outcome:
    if ctx.host.spec.bmc_address:
        return outcomes.Advance(State.REGISTERING)
    return outcomes.Wait(after=ctx.timing.unmanaged_poll, clear_error=False)


async def registering(ctx: ctx_mod.Context) -> outcomes.Outcome:
    # Reaching a handler means the registration guard validated the BMC access.
    host = ctx.host
    if host.spec.externally_provisioned:
        return outcomes.Advance(State.EXTERNALLY_PROVISIONED)
    if guards.inspection_disabled(host):
        return outcomes.Advance(State.PREPARING)
    return outcomes.Advance(State.INSPECTING)


def _drop_inspect(host: api_host.Host) -> frozenset[str]:
    value = host.annotations.get(types.INSPECT_ANNOTATION)
    return (
        frozenset({types.INSPECT_ANNOTATION})
        if value is not None and value != "disabled"
        else frozenset()
    )


async def inspecting(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    if guards.inspection_disabled(host):
        note = outcomes.Note("InspectionSkipped", "disabled by annotation")
        return outcomes.Advance(State.PREPARING, changes=Changes(notes=(note,)))
    drop = _drop_inspect(host)
    result = await _provisioner(ctx).inspect(
        base.InspectRequest(
            refresh=bool(drop), force=host.status.error_type is types.ErrorType.INSPECTION
        )
    )
    if result.status is base.Status.FAILED:
        return outcomes.Fail(types.ErrorType.INSPECTION, result.message)
    if result.status is base.Status.BUSY:
        return outcomes.Wait(after=result.retry_after, changes=Changes(remove_annotations=drop))
    return outcomes.Advance(
        State.PREPARING,
        changes=Changes(status=change.Status(hardware=result.hardware), remove_annotations=drop),
    )


async def preparing(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    result = await _provisioner(ctx).prepare(
        base.PrepareRequest(
            root_device_hints=host.spec.root_device_hints,
            force=host.status.error_type is types.ErrorType.PREPARATION,
        )
    )
    if result.status is base.Status.FAILED:
        return outcomes.Fail(types.ErrorType.PREPARATION, result.message)
    if result.status is base.Status.BUSY:
        return outcomes.Wait(after=result.retry_after)
    return outcomes.Advance(
        State.AVAILABLE,
        changes=Changes(status=change.Status(root_device_hints=host.spec.root_device_hints)),
    )


def needs_provisioning(host: api_host.Host) -> bool:
    return host.spec.image is not None or bool(host.spec.custom_deploy)


def provisioning_cancelled(host: api_host.Host) -> bool:
    """The image URL (or custom deploy) in the spec no longer matches what was provisioned.

    Like BMO only the URL counts: correcting a checksum or its type does not redeploy.
    """
    spec, status = host.spec, host.status
    if spec.custom_deploy:
        if status.custom_deploy and status.custom_deploy != spec.custom_deploy:
            return True
        if status.image is None:
            return False
        return spec.image is None or spec.image.url != status.image.url
    if status.custom_deploy:
        return True
    if spec.image is None:
        return True
    return status.image is not None and spec.image.url != status.image.url


async def available(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    if host.spec.externally_provisioned:
        return outcomes.Advance(State.EXTERNALLY_PROVISIONED)
    if _drop_inspect(host):
        return outcomes.Advance(State.INSPECTING)
    if needs_provisioning(host):
        if host.status.error_type is types.ErrorType.NONE:
            return outcomes.Advance(State.PROVISIONING)
        # Back after a failed deployment: try again, keeping the count so the next failure
        # backs off longer.
        return outcomes.Advance(
            State.PROVISIONING, changes=outcomes.ERROR_CLEARED, reset_errors=False
        )
    return await power.manage(ctx)


def _checksum_problem(image: api_host.Image) -> str:
    if image.format == "live-iso" or image.url.startswith("oci://"):
        return ""
    if not image.checksum:
        return f"image {image.url} has no checksum; set spec.image.checksum"
    kind = image.checksum_type or "md5"
    length = CHECKSUM_LENGTH.get(kind)
    if "://" in image.checksum or kind == "auto" or length is None:
        return ""
    if len(image.checksum) != length or not HEX.match(image.checksum):
        return (
            f"image checksum is not a {kind} digest ({length} hex digits); "
            "fix spec.image.checksum or checksumType (or use checksumType: auto)"
        )
    return ""


async def provisioning(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    # Only a failed deployment sends the host back through deprovisioning; other errors
    # (registration, say, while the Secret was missing) are the guards' to clear.
    failed = host.status.error_type is types.ErrorType.PROVISIONING
    if failed or provisioning_cancelled(host):
        return outcomes.Advance(State.DEPROVISIONING, reset_errors=not failed)
    image = host.spec.image
    if image is not None and (problem := _checksum_problem(image)):
        return outcomes.Fail(types.ErrorType.PROVISIONING, problem)
    result = await _provisioner(ctx).provision(
        base.ProvisionRequest(image=image, custom_deploy=host.spec.custom_deploy)
    )
    if result.status is base.Status.FAILED:
        return outcomes.Fail(types.ErrorType.PROVISIONING, result.message)
    if result.status is base.Status.BUSY:
        return outcomes.Wait(after=result.retry_after)
    return outcomes.Advance(
        State.PROVISIONED,
        changes=Changes(
            status=change.Status(
                image=image,
                custom_deploy=host.spec.custom_deploy,
                boot_mode=host.spec.boot_mode or types.BootMode.UEFI,
                powered_on=result.powered_on
                if result.powered_on is not None
                else host.status.powered_on,
            ),
            remove_annotations=power.reboot_annotations(host),
        ),
    )


async def provisioned(ctx: ctx_mod.Context) -> outcomes.Outcome:
    if provisioning_cancelled(ctx.host):
        return outcomes.Advance(State.DEPROVISIONING)
    return await power.manage(ctx)


async def deprovisioning(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    if ctx.provisioner is None:  # deleting without usable BMC access
        return outcomes.Advance(State.DELETING, changes=_skipping("deprovisioning", ctx))
    result = await ctx.provisioner.deprovision(
        base.DeprovisionRequest(
            clean=host.spec.cleaning_mode is types.CleaningMode.METADATA,
            deployed=host.status.image is not None or bool(host.status.custom_deploy),
            force=host.status.error_type is types.ErrorType.PROVISIONING,
        )
    )
    if result.status is base.Status.FAILED:
        if host.deleting and host.status.error_count > guards.GIVE_UP_AFTER:
            note = outcomes.Note(
                "DeprovisioningSkipped",
                "giving up cleaning after repeated failures; clean the host by hand",
                warning=True,
            )
            return outcomes.Advance(
                State.POWERING_OFF_BEFORE_DELETE, changes=Changes(notes=(note,))
            )
        return outcomes.Fail(types.ErrorType.PROVISIONING, result.message)
    if result.status is base.Status.BUSY:
        return outcomes.Wait(after=result.retry_after)
    cleared = Changes(
        status=change.Status(image=None, custom_deploy="", root_device_hints=None, boot_mode=None),
        remove_annotations=power.reboot_annotations(host),
    )
    if host.deleting:
        return outcomes.Advance(State.POWERING_OFF_BEFORE_DELETE, changes=cleared)
    # After a failed deployment the error stays so the retry waits out the backoff.
    keep = host.status.error_type is types.ErrorType.PROVISIONING
    return outcomes.Advance(State.AVAILABLE, changes=cleared, reset_errors=not keep)


async def externally_provisioned(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    if host.spec.externally_provisioned:
        return await power.manage(ctx)
    if host.status.hardware is None and not guards.inspection_disabled(host):
        return outcomes.Advance(State.INSPECTING)
    return outcomes.Advance(State.PREPARING)


def _skipping(step: str, ctx: ctx_mod.Context) -> Changes:
    reason = ctx.access_error or "repeated failures"
    note = outcomes.Note(
        f"Skipped{step.title().replace(' ', '')}", f"skipping {step}: {reason}", True
    )
    return Changes(notes=(note,))


async def powering_off_before_delete(ctx: ctx_mod.Context) -> outcomes.Outcome:
    host = ctx.host
    if ctx.provisioner is None:
        return outcomes.Advance(State.DELETING, changes=_skipping("power off", ctx))
    result = await ctx.provisioner.set_power(
        base.PowerRequest(
            on=False, mode=types.RebootMode.HARD, change_timeout=ctx.timing.power_change
        )
    )
    if result.status is base.Status.FAILED:
        if host.status.error_count > guards.GIVE_UP_AFTER:
            return outcomes.Advance(State.DELETING, changes=_skipping("power off", ctx))
        return outcomes.Fail(types.ErrorType.POWER_MANAGEMENT, result.message)
    if result.status is base.Status.BUSY:
        return outcomes.Wait(after=result.retry_after)
    return outcomes.Advance(State.DELETING, changes=Changes(status=change.Status(powered_on=False)))


async def deleting(ctx: ctx_mod.Context) -> outcomes.Outcome:
    if ctx.provisioner is None:
        return outcomes.Released()
    result = await ctx.provisioner.delete()
    if result.status is base.Status.BUSY:
        return outcomes.Wait(after=result.retry_after)
    if result.status is base.Status.FAILED:
        note = outcomes.Note("DeleteFailed", result.message, warning=True)
        return outcomes.Wait(after=10.0, changes=Changes(notes=(note,)), clear_error=False)
    return outcomes.Released()
