"""Running the controller: options, login, the kopf registry and ``serve``.

``serve(options)`` logs in (kubeconfig file, else the pod's service account), opens the
Kubernetes client, starts the reconciler's workers and runs kopf standalone with two watches —
BareMetalHosts, and the Secrets labelled ``environment.metal3.io: baremetal`` (the ones hosts
use: a label selector, so the API server sends no other Secret) — whose events feed the
reconciler. ``run`` is the blocking form
used by ``python -m controller run`` and ``metallab controller run``; tests call ``serve``
in a thread with a ``stop_flag`` and a ``backend`` of their own.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

import kopf
import yaml

from controller.api import types
from controller.conductor import config as conductor_config
from controller.conductor import service as conductor_service
from controller.hoststate import backoff, capacity
from controller.hoststate import context as ctx_mod
from controller.operator import cache, kube, logs, metrics, reconcile, reconciler
from controller.provisioner import base, direct, fixture

log = logging.getLogger("metallab.controller")
PROVISIONERS = ("direct", "fixture")


@dataclasses.dataclass(frozen=True)
class Options:
    provisioner: str = "direct"  # the real BMCs; fixture (no hardware) is asked for by name
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    kubeconfig: Path | None = None
    metrics_port: int | None = 9640  # None: no metrics endpoint
    metrics_address: str = "127.0.0.1"
    provisioning_limit: int = 20
    workers: int = 8
    bmc_timeout: float = 15.0
    bmc_ca_file: Path | None = None  # CA bundle for Redfish BMCs (None: the system's)
    policy: backoff.Policy = dataclasses.field(default_factory=backoff.Policy)
    timing: ctx_mod.Timing = dataclasses.field(default_factory=ctx_mod.Timing)
    fixture_delays: fixture.Delays = dataclasses.field(default_factory=fixture.Delays)
    conductor: conductor_config.Config | None = None  # the deploy agent's side; None: off


class LoginError(Exception):
    """No usable cluster credentials were found."""


def _kubeconfig_login(path: Path) -> kopf.ConnectionInfo:
    config = yaml.safe_load(path.read_text()) or {}

    def named(section: str, name: str) -> dict[str, Any]:
        for item in config.get(section) or []:
            if item.get("name") == name:
                return dict(item.get(section[:-1]) or {})
        raise LoginError(f"{path}: no {section[:-1]} named {name!r}")

    context = named("contexts", str(config.get("current-context") or ""))
    cluster = named("clusters", str(context.get("cluster")))
    user = named("users", str(context.get("user")))

    def data(item: dict[str, Any], key: str) -> bytes | None:
        raw = item.get(f"{key}-data")
        return base64.b64decode(raw) if raw else None

    return kopf.ConnectionInfo(
        server=str(cluster["server"]),
        ca_path=cluster.get("certificate-authority"),
        ca_data=data(cluster, "certificate-authority"),
        insecure=cluster.get("insecure-skip-tls-verify"),
        certificate_path=user.get("client-certificate"),
        certificate_data=data(user, "client-certificate"),
        private_key_path=user.get("client-key"),
        private_key_data=data(user, "client-key"),
        username=user.get("username"),
        password=user.get("password"),
        token=user.get("token"),
        scheme="Bearer" if user.get("token") else None,
        default_namespace=context.get("namespace"),
    )


def login(options: Options) -> kopf.ConnectionInfo:
    if options.kubeconfig is not None:
        return _kubeconfig_login(options.kubeconfig)
    settings = kopf.OperatorSettings()
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(
        settings=settings
    )
    if info is None:
        raise LoginError("no kubeconfig given and not running in a pod: pass --kubeconfig")
    return info


def build_backend(
    options: Options,
    recorder: direct.Recorder,
    conductor: conductor_service.Conductor | None = None,
) -> base.Factory:
    if options.provisioner == "fixture":
        return fixture.FixtureBackend(options.fixture_delays)
    if options.provisioner == "direct":
        return direct.DirectBackend(
            timeout=options.bmc_timeout,
            recorder=recorder,
            conductor=conductor,
            ca_file=options.bmc_ca_file,
        )
    raise ValueError(f"unknown provisioner {options.provisioner!r}; use one of {PROVISIONERS}")


def _settings() -> kopf.OperatorSettings:
    settings = kopf.OperatorSettings()
    settings.posting.enabled = False  # the reconciler posts its own, meaningful Events
    # Only the Secrets hosts use (labelled as BMO labels them), selected by the API server.
    settings.watching.label_selectors["v1", "secrets"] = (
        f"{cache.SECRET_LABEL}={cache.SECRET_LABEL_VALUE}"
    )
    settings.watching.server_timeout = 300
    settings.networking.request_timeout = 60
    return settings


def _registry(worker: reconciler.Reconciler, info: kopf.ConnectionInfo) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.login(registry=registry)
    def _login(**_: Any) -> kopf.ConnectionInfo:
        return info

    @kopf.on.event(types.GROUP, types.VERSION, "baremetalhosts", registry=registry)
    async def _host(*, event: kopf.RawEvent, **_: Any) -> None:
        worker.observe_host(event.get("type"), event["object"])

    @kopf.on.event("", "v1", "secrets", registry=registry)
    async def _secret(*, event: kopf.RawEvent, **_: Any) -> None:
        worker.observe_secret(event.get("type"), event["object"])

    return registry


async def serve(
    options: Options,
    *,
    backend: base.Factory | None = None,
    stop_flag: threading.Event | asyncio.Event | None = None,
    ready_flag: threading.Event | asyncio.Event | None = None,
) -> None:
    info = login(options)
    recorder = metrics.Metrics()
    conductor = None
    if options.conductor is not None and backend is None:
        conductor = conductor_service.Conductor(options.conductor)
        conductor.start()
    env = reconcile.Env(
        backend=backend or build_backend(options, recorder.observe_bmc, conductor),
        slots=capacity.Capacity(options.provisioning_limit),
        timing=options.timing,
        policy=options.policy,
    )
    async with kube.Kube(info) as client:
        worker = reconciler.Reconciler(
            client=client, env=env, recorder=recorder, workers=options.workers
        )
        server = None
        if options.metrics_port is not None:
            server = worker.metrics.serve(options.metrics_port, options.metrics_address)
        namespaces: Collection[str] = options.namespaces
        log.info(
            "controller starting",
            extra={
                "provisioner": env.backend.name,
                "namespaces": list(namespaces) or "all",
                "limit": options.provisioning_limit,
            },
        )
        # kopf treats tasks born after it starts as "hung" and gives them 5 s on exit: let
        # the workers exist first, so they are cancelled below instead of waited for.
        started = asyncio.Event()
        workers = asyncio.create_task(worker.run(started))
        await started.wait()
        try:
            await kopf.operator(
                registry=_registry(worker, info),
                settings=_settings(),
                clusterwide=not namespaces,
                namespaces=namespaces,
                standalone=True,
                stop_flag=stop_flag,
                ready_flag=ready_flag,
            )
        finally:
            workers.cancel()
            await asyncio.gather(workers, return_exceptions=True)
            if server is not None:
                server.shutdown()
            if conductor is not None:
                conductor.stop()


def run(options: Options, *, json_logs: bool = True, verbose: bool = False) -> int:
    logs.setup(level=logging.DEBUG if verbose else logging.INFO, json_lines=json_logs)
    logging.getLogger("kopf").setLevel(logging.WARNING)
    try:
        asyncio.run(serve(options))
    except KeyboardInterrupt:
        return 130
    return 0
