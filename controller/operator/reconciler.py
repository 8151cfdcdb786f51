"""The operator's loop: kopf's events in, ``reconcile.reconcile_once`` per host, writes out.

kopf hands every host and (labelled) Secret event to ``observe_host`` / ``observe_secret``;
the ``cache.Cache`` keeps what they say and names the hosts to wake, which go on the
``workqueue.WorkQueue``. Workers take one host at a time (never two reconciles of one host at
once), run ``reconcile_once`` and execute its ``writer.Write`` through ``kube``: finalizer and
annotations, status, HardwareData, Events (``events.Poster``). Requeues are timers; a Secret
change wakes the hosts that use it, a freed provisioning slot wakes a parked host, a host
created, changed or deleted wakes the hosts claiming the same machine. A deleted host's
bookkeeping — cache, timer, slot, crash count, state clock, backend memory — goes with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import backoff, writer
from controller.operator import cache, events, kube, logs, metrics, reconcile, workqueue

log = logging.getLogger("metallab.controller")


class Reconciler:
    def __init__(
        self,
        *,
        client: kube.Kube,
        env: reconcile.Env,
        recorder: metrics.Metrics,
        workers: int = 8,
    ) -> None:
        self.client = client
        self.env = env
        self.workers = workers
        self.metrics = recorder
        self.cache = cache.Cache()
        self.queue = workqueue.WorkQueue()
        self.events = events.Poster(client)
        self._entered: dict[str, float] = {}
        self._crashes: dict[str, int] = {}
        self._unlabelled: set[str] = set()  # Secrets we may not label (warned once)
        recorder.track_states(self.cache.states)
        env.slots.on_free = self.queue.add

    # --- what kopf tells us -------------------------------------------------------------

    def observe_host(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        if event_type == "DELETED":
            self._forget(cache.key_of(body), str((body.get("metadata") or {}).get("uid") or ""))
            return
        for key in self.cache.put_host(body):
            self.queue.add(key)

    def observe_secret(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        for key in self.cache.put_secret(event_type, body):
            self.queue.add(key)

    def _forget(self, key: str, uid: str) -> None:
        for other in self.cache.forget_host(key):
            self.queue.add(other)
        self.queue.forget(key)
        self._entered.pop(key, None)
        self._crashes.pop(key, None)
        self.env.slots.forget(key)
        if uid:
            self.env.backend.forget(uid)

    # --- the workers ------------------------------------------------------------------------

    async def run(self, started: asyncio.Event | None = None) -> None:
        """Run the workers until cancelled; ``started`` is set once they all exist."""
        async with asyncio.TaskGroup() as group:
            for _ in range(self.workers):
                group.create_task(self._work())
            for _ in range(events.POSTERS):
                group.create_task(self.events.run())
            if started is not None:
                started.set()

    async def _work(self) -> None:
        while True:
            key = await self.queue.take()
            try:
                await self._reconcile(key)
            except kube.Conflict:
                self.metrics.reconciles.labels("conflict").inc()
                self.queue.after(key, 0.2)
            except Exception:
                crashes = self._crashes[key] = self._crashes.get(key, 0) + 1
                self.metrics.reconciles.labels("error").inc()
                log.exception("reconcile failed", extra={"host": key, "attempt": crashes})
                self.queue.after(key, backoff.delay(crashes, self.env.policy))
            finally:
                self.queue.done(key)

    async def _secret(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        """A host's Secret: from the cache, else read (and labelled, so the watch sees it)."""
        cached = self.cache.secret(namespace, name)
        if cached is not None:
            return cached
        found = await self.client.get_secret(namespace, name)
        if found is not None and not cache.labelled(found):
            try:
                found = await self.client.label_secret(
                    namespace, name, cache.SECRET_LABEL, cache.SECRET_LABEL_VALUE
                )
            except kube.KubeError as err:  # still usable: read it again on every reconcile
                key = f"{namespace}/{name}"
                if key not in self._unlabelled:
                    self._unlabelled.add(key)
                    log.warning(
                        "cannot label the Secret %s (%s): it is read on every reconcile; "
                        "allow the controller to patch Secrets (controller/deploy RBAC)",
                        key,
                        err,
                        extra={"secret": key},
                    )
        if found is not None:
            self.cache.put_secret("ADDED", found)
        return found

    async def _reconcile(self, key: str) -> None:
        body = self.cache.hosts.get(key)
        if body is None:
            return
        host = api_host.parse(body)
        write = await reconcile.reconcile_once(
            host,
            self.env,
            secret=self._secret,
            conflict=self.cache.conflict(key),
            now=api_host.now(),
        )
        await self._execute(host, write)
        self._crashes.pop(key, None)
        self.metrics.reconciles.labels(write.outcome).inc()
        self.queue.after(key, write.requeue_after)

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
        if latest is not None:
            self.cache.wrote(latest)  # what we wrote; no reconcile needed for it
        if write.transition is not None:
            self._record_transition(host, write.transition)
        reconcile.settle(self.env.slots, host, write)
        hardware = None if write.status is None else write.status.hardware
        if hardware is not None and hardware != host.status.hardware:
            await self.client.put_hardware_data(host.namespace, host.name, _owner(host), hardware)
        if write.remove_finalizer:
            await self.client.delete_hardware_data(host.namespace, host.name)
        for note in write.notes:
            self.events.post(host, note)

    def _record_transition(
        self,
        host: api_host.Host,
        transition: tuple[types.ProvisioningState, types.ProvisioningState],
    ) -> None:
        old, new = transition
        now = time.monotonic()
        if (entered := self._entered.get(host.key)) is not None:
            self.metrics.state_seconds.labels(old.value or "none").observe(now - entered)
        self._entered[host.key] = now
        log.info("state changed", extra={"host": host.key, "from": old.value, "to": new.value})


def _owner(host: api_host.Host) -> dict[str, Any]:
    return {
        "apiVersion": types.API_VERSION,
        "kind": "BareMetalHost",
        "name": host.name,
        "uid": host.uid,
        "controller": True,
    }
