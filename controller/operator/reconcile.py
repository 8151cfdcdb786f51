"""One reconcile of one host, the same for the operator and the unit tests.

``reconcile_once`` builds the ``hoststate.context.Context`` — the BMC address parsed,
credentials read from the host's Secret, the config drive's Secrets while provisioning, a
provisioner from the backend, or why there is none (a bad address, a missing Secret, another
host claiming the same machine) — runs ``machine.reconcile`` and returns the
``writer.Write``. ``settle`` is the bookkeeping after a write has landed (provisioning slots
held or freed). The reconciler executes the write against the API server; the unit harness
applies it to an in-memory body; both call these.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from controller.api import host as api_host
from controller.api import types
from controller.bmc import access, credentials
from controller.bmc import errors as bmc_errors
from controller.hoststate import backoff, capacity, machine, writer
from controller.hoststate import context as ctx_mod
from controller.operator import logs
from controller.provisioner import base, configdrive

NO_ACCESS_STATES = frozenset({types.ProvisioningState.NONE, types.ProvisioningState.UNMANAGED})
SecretLookup = Callable[[str, str], Awaitable[Mapping[str, Any] | None]]


@dataclasses.dataclass(frozen=True)
class Env:
    """What every reconcile shares: the backend, the provisioning slots, timing and backoff."""

    backend: base.Factory
    slots: capacity.Capacity
    timing: ctx_mod.Timing = dataclasses.field(default_factory=ctx_mod.Timing)
    policy: backoff.Policy = dataclasses.field(default_factory=backoff.Policy)


async def reconcile_once(
    host: api_host.Host,
    env: Env,
    *,
    secret: SecretLookup,
    conflict: str = "",
    now: str,
    rng: random.Random | None = None,
) -> writer.Write:
    """Decide what to write for ``host``; ``conflict`` says why it may not touch its BMC."""
    provisioner, version, problem = None, "", ""
    if conflict:
        problem = conflict
    elif host.status.state not in NO_ACCESS_STATES:
        name = host.spec.credentials_name
        found = await secret(host.namespace, name) if name else None
        provisioner, version, problem = build_access(host, found, env.backend)
    drive, drive_error = None, ""
    if host.status.state is types.ProvisioningState.PROVISIONING:
        try:
            drive = await config_drive(host, secret)
        except configdrive.ConfigDriveError as err:
            drive_error = str(err)
    ctx = ctx_mod.Context(
        host=host,
        provisioner=provisioner,
        credentials_version=version,
        access_error=problem,
        capacity=env.slots,
        timing=env.timing,
        config_drive=drive,
        config_drive_error=drive_error,
    )
    outcome = await machine.reconcile(ctx)
    return writer.apply(host, outcome, now=now, policy=env.policy, rng=rng)


async def config_drive(host: api_host.Host, secret: SecretLookup) -> base.ConfigDrive:
    """The config drive's contents from the host's userData/networkData/metaData Secrets."""

    async def read(ref: api_host.SecretRef | None) -> tuple[str, Any] | None:
        if ref is None:
            return None
        namespace = ref.namespace or host.namespace  # BMO: an empty namespace is the host's
        return f"{namespace}/{ref.name}", await secret(namespace, ref.name)

    spec = host.spec
    return configdrive.build(
        user=await read(spec.user_data),
        network=await read(spec.network_data),
        meta=await read(spec.meta_data),
    )


def settle(slots: capacity.Capacity, host: api_host.Host, write: writer.Write) -> None:
    """Make the provisioning slots match a write that has landed."""
    if write.status is not None:
        slots.sync(host.key, write.status.state)
    if write.remove_finalizer:
        slots.release(host.key)


def build_access(
    host: api_host.Host, secret: Mapping[str, Any] | None, backend: base.Factory
) -> tuple[base.Provisioner | None, str, str]:
    """The host's provisioner and its credentials' version, or None and why there is none."""
    # Known to the scrubber before anything can quote it, even in an address error.
    with contextlib.suppress(bmc_errors.BMCError):
        if secret is not None:
            logs.redact(credentials.from_secret(secret).credentials.password)
    try:
        address = access.parse(host.spec.bmc_address)
        if address.needs_boot_mac and not host.spec.boot_mac:
            raise bmc_errors.BMCError(
                f"BMC driver {address.driver.scheme} boots from the network and needs "
                "spec.bootMACAddress; set it"
            )
        if secret is None:
            raise credentials.missing_secret(host.spec.credentials_name, host.namespace)
        creds = credentials.from_secret(secret)
    except bmc_errors.BMCError as err:
        return None, "", str(err)
    data = base.HostData(
        key=host.key,
        uid=host.uid,
        address=address,
        credentials=creds.credentials,
        boot_mac=host.spec.boot_mac,
        boot_mode=host.spec.boot_mode,
        verify_certificates=not host.spec.disable_certificate_verification,
        provisioning_id=host.status.provisioning_id,
    )
    return backend.build(data), creds.version, ""
