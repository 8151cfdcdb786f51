"""The work queue between kopf's watches and the state machine.

kopf hands every host and Secret event to ``observe_host`` / ``observe_secret``; the latest
object of each host is kept and its key queued. Workers take keys one at a time per host
(never two reconciles of one host at once), build a ``hoststate.context.Context`` — the BMC
address parsed, credentials read from the Secret cache, a provisioner from the backend —
run ``machine.reconcile``, and execute the ``writer.Write`` through ``kube``: finalizer and
annotations, status, Events, the HardwareData object. Requeues are timers; a Secret change
wakes the hosts that use it, a freed provisioning slot wakes a parked host.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from controller.api import host as api_host
from controller.api import types
from controller.bmc import access, credentials
from controller.bmc import errors as bmc_errors
from controller.hoststate import backoff, capacity, machine, writer
from controller.hoststate import context as ctx_mod
from controller.operator import kube, logs, metrics
from controller.provisioner import base, configdrive

log = logging.getLogger("metallab.controller")
State = types.ProvisioningState
NO_ACCESS_STATES = frozenset({State.NONE, State.UNMANAGED})
EVENT_POSTERS = 2
EVENT_BACKLOG = 10_000


def _key(body: Mapping[str, Any]) -> str:
    meta = body.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def _meta_changed(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Whether ``new`` differs from ``old`` in what a reconcile acts on.

    Like BMO's update predicate: a change of status alone (most often our own write) does not
    need a reconcile; spec (generation), annotations, finalizers and deletion do.
    """
    if old is None:
        return True
    a, b = old.get("metadata") or {}, new.get("metadata") or {}
    return any(
        a.get(field) != b.get(field)
        for field in ("generation", "annotations", "finalizers", "deletionTimestamp", "uid")
    )


def _newer(candidate: Mapping[str, Any], current: Mapping[str, Any] | None) -> bool:
    if current is None:
        return True
    new_rv = str((candidate.get("metadata") or {}).get("resourceVersion") or "")
    old_rv = str((current.get("metadata") or {}).get("resourceVersion") or "")
    if new_rv.isdigit() and old_rv.isdigit():
        return int(new_rv) >= int(old_rv)
    return True


class Reconciler:
    def __init__(
        self,
        *,
        client: kube.Kube,
        backend: base.Factory,
        slots: capacity.Capacity,
        timing: ctx_mod.Timing,
        policy: backoff.Policy,
        recorder: metrics.Metrics,
        workers: int = 8,
    ) -> None:
        self.client = client
        self.backend = backend
        self.slots = slots
        self.timing = timing
        self.policy = policy
        self.workers = workers
        self.metrics = recorder
        recorder.track_states(self.states)
        self.bodies: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, dict[str, Any]] = {}
        self._users: dict[str, set[str]] = {}  # secret key → host keys using it
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._busy: set[str] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._entered: dict[str, float] = {}
        self._crashes: dict[str, int] = {}
        self._events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(EVENT_BACKLOG)
        self.slots.on_free = self.add

    # --- what kopf tells us -------------------------------------------------------------

    def states(self) -> Iterator[str]:
        for body in list(self.bodies.values()):
            yield str(((body.get("status") or {}).get("provisioning") or {}).get("state") or "")

    def observe_host(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        key = _key(body)
        if event_type == "DELETED":
            self._drop(key, str((body.get("metadata") or {}).get("uid") or ""))
            return
        old = self.bodies.get(key)
        if not _newer(body, old):
            return
        self.bodies[key] = dict(body)
        if not _meta_changed(old, body):
            return
        spec = body.get("spec") or {}
        name = (spec.get("bmc") or {}).get("credentialsName")
        if name:
            self._users.setdefault(f"{key.split('/')[0]}/{name}", set()).add(key)
        self.add(key)

    def observe_secret(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        key = _key(body)
        if event_type == "DELETED":
            self.secrets.pop(key, None)
        else:
            self.secrets[key] = dict(body)
        for host_key in self._users.get(key, ()):
            if host_key in self.bodies:
                self.add(host_key)

    def _drop(self, key: str, uid: str) -> None:
        self.bodies.pop(key, None)
        self._entered.pop(key, None)
        if (timer := self._timers.pop(key, None)) is not None:
            timer.cancel()
        self.slots.forget(key)
        if uid:
            self.backend.forget(uid)

    # --- the queue -------------------------------------------------------------------------

    def add(self, key: str) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        if key not in self._busy:
            self._queue.put_nowait(key)

    def _requeue(self, key: str, after: float | None) -> None:
        if (timer := self._timers.pop(key, None)) is not None:
            timer.cancel()
        if after is None:
            return
        if after <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(after, self._fire, key)

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        if key in self.bodies:
            self.add(key)

    async def run(self, started: asyncio.Event | None = None) -> None:
        """Run the workers until cancelled; ``started`` is set once they all exist."""
        async with asyncio.TaskGroup() as group:
            for _ in range(self.workers):
                group.create_task(self._work())
            for _ in range(EVENT_POSTERS):
                group.create_task(self._post_events())
            if started is not None:
                started.set()

    async def _post_events(self) -> None:
        """Post queued Events off the reconcile path: a slow Event never delays a host."""
        while True:
            namespace, event = await self._events.get()
            with contextlib.suppress(kube.KubeError, OSError, TimeoutError):
                await self.client.post_event(namespace, event)

    async def _work(self) -> None:
        while True:
            key = await self._queue.get()
            self._queued.discard(key)
            self._busy.add(key)
            try:
                await self._reconcile(key)
            except kube.Conflict:
                self.metrics.reconciles.labels("conflict").inc()
                self._requeue(key, 0.2)
            except Exception:
                crashes = self._crashes[key] = self._crashes.get(key, 0) + 1
                self.metrics.reconciles.labels("error").inc()
                log.exception("reconcile failed", extra={"host": key, "attempt": crashes})
                self._requeue(key, backoff.delay(crashes, self.policy))
            finally:
                self._busy.discard(key)
                if key in self._queued:
                    self._queue.put_nowait(key)

    # --- one reconcile ---------------------------------------------------------------------

    async def _secret(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        cached = self.secrets.get(f"{namespace}/{name}")
        if cached is not None:
            return cached
        return await self.client.get_secret(namespace, name)

    async def _config_drive(self, host: api_host.Host) -> base.ConfigDrive:
        async def read(ref: api_host.SecretRef | None) -> tuple[str, Any] | None:
            if ref is None:
                return None
            return f"{ref.namespace}/{ref.name}", await self._secret(ref.namespace, ref.name)

        spec = host.spec
        return configdrive.build(
            user=await read(spec.user_data),
            network=await read(spec.network_data),
            meta=await read(spec.meta_data),
        )

    async def _access(self, host: api_host.Host) -> tuple[base.Provisioner | None, str, str]:
        if host.status.state in NO_ACCESS_STATES:
            return None, "", ""
        name = host.spec.credentials_name
        secret = await self._secret(host.namespace, name) if name else None
        return build_access(host, secret, self.backend)

    async def _reconcile(self, key: str) -> None:
        body = self.bodies.get(key)
        if body is None:
            return
        host = api_host.parse(body)
        provisioner, version, problem = await self._access(host)
        drive, drive_error = None, ""
        if host.status.state is types.ProvisioningState.PROVISIONING:
            try:
                drive = await self._config_drive(host)
            except configdrive.ConfigDriveError as err:
                drive_error = str(err)
        ctx = ctx_mod.Context(
            host=host,
            provisioner=provisioner,
            credentials_version=version,
            access_error=problem,
            capacity=self.slots,
            timing=self.timing,
            config_drive=drive,
            config_drive_error=drive_error,
        )
        outcome = await machine.reconcile(ctx)
        write = writer.apply(host, outcome, now=api_host.now(), policy=self.policy)
        await self._execute(host, write)
        self._crashes.pop(key, None)
        self.metrics.reconciles.labels(type(outcome).__name__.lower()).inc()
        self._requeue(key, write.requeue_after)

    async def _execute(self, host: api_host.Host, write: writer.Write) -> None:
        rv = host.resource_version
        latest: dict[str, Any] | None = None
        meta: dict[str, Any] = {}
        if write.add_finalizer:
            meta["finalizers"] = [*host.finalizers, types.FINALIZER]
        if write.remove_finalizer:
            meta["finalizers"] = [f for f in host.finalizers if f != types.FINALIZER]
        if write.remove_annotations:
            meta["annotations"] = dict.fromkeys(write.remove_annotations)
        if meta:
            meta["resourceVersion"] = rv
            latest = await self.client.patch_host(
                host.namespace, host.name, {"metadata": meta}, status=False
            )
            rv = str(latest["metadata"]["resourceVersion"])
        if write.status is not None:
            patch = {
                "metadata": {"resourceVersion": rv},
                # errorMessage (and the Ready condition quoting it) may carry BMC output.
                "status": logs.scrub_json(api_host.status_to_json(write.status)),
            }
            latest = await self.client.patch_host(host.namespace, host.name, patch, status=True)
        if latest is not None and host.key in self.bodies and _newer(latest, self.bodies[host.key]):
            self.bodies[host.key] = latest  # what we wrote; no reconcile needed for it
        if write.transition is not None:
            self._record_transition(host, write)
        if write.status is not None:
            self.slots.sync(host.key, write.status.state)
            if write.status.hardware is not None and write.status.hardware != host.status.hardware:
                await self.client.put_hardware_data(
                    host.namespace, host.name, _owner(host), write.status.hardware
                )
        if write.remove_finalizer:
            self.slots.release(host.key)
            await self.client.delete_hardware_data(host.namespace, host.name)
        for note in write.notes:
            self._post(host, note.reason, note.message, warning=note.warning)

    def _record_transition(self, host: api_host.Host, write: writer.Write) -> None:
        assert write.transition is not None
        old, new = write.transition
        now = time.monotonic()
        if (entered := self._entered.get(host.key)) is not None:
            self.metrics.state_seconds.labels(old.value or "none").observe(now - entered)
        self._entered[host.key] = now
        log.info(
            "state changed",
            extra={"host": host.key, "from": old.value, "to": new.value},
        )

    def _post(self, host: api_host.Host, reason: str, message: str, *, warning: bool) -> None:
        stamp = api_host.now()
        event = {
            "metadata": {"generateName": f"{host.name}.", "namespace": host.namespace},
            "involvedObject": {
                "apiVersion": types.API_VERSION,
                "kind": "BareMetalHost",
                "name": host.name,
                "namespace": host.namespace,
                "uid": host.uid,
            },
            "reason": reason,
            "message": logs.scrub(message)[:1024],
            "type": "Warning" if warning else "Normal",
            "source": {"component": "metallab-controller"},
            "reportingComponent": "metallab-controller",
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        with contextlib.suppress(asyncio.QueueFull):  # under a flood, Events are shed first
            self._events.put_nowait((host.namespace, event))


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


def _owner(host: api_host.Host) -> dict[str, Any]:
    return {
        "apiVersion": types.API_VERSION,
        "kind": "BareMetalHost",
        "name": host.name,
        "uid": host.uid,
        "controller": True,
    }
