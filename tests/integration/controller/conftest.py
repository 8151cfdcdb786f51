"""Fixtures for the controller's integration tests, on the real embedded API server.

``crds`` installs the generated CRDs once; ``namespace`` gives each test its own namespace
(emptied and deleted afterwards); ``run_controller`` starts the real controller — kopf,
reconciler, state machine — in a thread against that namespace with a fixture backend the
test can steer, and stops it (or ``kill``s it, abruptly) at the end. ``api`` is a kubernetes
client for the test's own reads and writes. ``redfish_bmc`` (sushy-tools' emulator, fake
driver) and ``ipmi_bmc`` (a pyghmi BMC in its own process) are real BMC services on
127.0.0.1, one of each per test module; ``file_server`` serves a directory over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from kubernetes import client
from kubernetes.client import exceptions

from controller.api import crds as api_crds
from controller.api import types
from controller.hoststate import backoff
from controller.hoststate import context as ctx_mod
from controller.operator import app
from controller.provisioner import base, fixture
from hostkit import ports
from lab import kube
from lab.mgmt import crds as lab_crds
from tests import imageserver
from tests.integration.controller import ipmi_bmc as memory_bmc

FAST_POLICY = backoff.Policy(base=0.3, cap=2.0)
FAST_TIMING = ctx_mod.Timing(
    steady_poll=1.0, unmanaged_poll=2.0, detached_poll=2.0, delayed_poll=2.0
)
SYSTEM = "27946b59-9e44-4fa7-8e91-f3527a1ef094"
USER, PASSWORD = "admin", "s3cret-pw"


@pytest.fixture(scope="session")
def crds(kubeconfig: Path) -> Path:
    lab_crds.install(kubeconfig, api_crds.all_crds())
    return kubeconfig


@pytest.fixture
def api(crds: Path) -> Iterator[client.ApiClient]:
    api_client = kube.api_client(crds)
    yield api_client
    api_client.close()


@pytest.fixture
def namespace(api: client.ApiClient) -> Iterator[str]:
    name = f"ctl-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": name}})
    yield name
    custom = client.CustomObjectsApi(api)
    hosts = custom.list_namespaced_custom_object(types.GROUP, types.VERSION, name, "baremetalhosts")
    for item in hosts["items"]:  # the controller is gone: let leftovers go
        with contextlib.suppress(exceptions.ApiException):
            custom.patch_namespaced_custom_object(
                types.GROUP,
                types.VERSION,
                name,
                "baremetalhosts",
                item["metadata"]["name"],
                {"metadata": {"finalizers": None}},
            )
    core.delete_namespace(name)


class Controller:
    """One controller instance in a thread; ``restart`` keeps the backend (the hardware)."""

    def __init__(self, options: app.Options, backend: base.Factory) -> None:
        self.options = options
        self.backend = backend
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stop = threading.Event()
        ready = threading.Event()
        stop = self._stop

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            await app.serve(self.options, backend=self.backend, stop_flag=stop, ready_flag=ready)

        def main() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                asyncio.run(serve())

        self._thread = threading.Thread(target=main, name="controller", daemon=True)
        self._thread.start()
        assert ready.wait(30), "the controller did not start within 30 s"

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(30)
            assert not self._thread.is_alive(), "the controller did not stop within 30 s"
            self._thread = None

    def kill(self) -> None:
        """Stop abruptly: cancel everything at once, reconciles in flight included, with no
        chance to finish a write (the closest a thread gets to SIGKILL)."""
        if self._thread is not None and self._loop is not None and self._task is not None:
            task, died = self._task, threading.Event()

            def cancel() -> None:
                task.add_done_callback(lambda _: died.set())
                task.cancel()

            self._loop.call_soon_threadsafe(cancel)
            assert died.wait(30), "the controller did not die within 30 s"
            # Only now release kopf's stop-flag waiter, a thread asyncio.run waits for.
            self._stop.set()
            self._thread.join(30)
            assert not self._thread.is_alive(), "the controller did not die within 30 s"
            self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def run_controller(crds: Path, namespace: str) -> Iterator[Callable[..., Controller]]:
    started: list[Controller] = []

    def start(
        *,
        backend: base.Factory | None = None,
        limit: int = 20,
        delays: fixture.Delays | None = None,
        timing: ctx_mod.Timing = FAST_TIMING,
    ) -> Controller:
        options = app.Options(
            namespaces=(namespace,),
            kubeconfig=crds,
            metrics_port=None,
            provisioning_limit=limit,
            policy=FAST_POLICY,
            timing=timing,
        )
        controller = Controller(
            options, backend or fixture.FixtureBackend(delays or fixture.Delays())
        )
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="module")
def redfish_bmc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("sushy")
    htpasswd = state / "htpasswd"
    htpasswd.write_text(f"{USER}:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt()).decode()}\n")
    config = state / "emulator.conf"
    systems = [
        {
            "uuid": SYSTEM,
            "name": "node-r",
            "power_state": "Off",
            "nics": [{"mac": "52:54:00:12:34:56", "ip": "127.0.0.2"}],
        }
    ]
    config.write_text(
        f"SUSHY_EMULATOR_AUTH_FILE = {str(htpasswd)!r}\n"
        f"SUSHY_EMULATOR_STATE_DIR = {str(state)!r}\n"
        f"SUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}\n"
    )
    port = ports.free(socket.SOCK_STREAM)
    log = (state / "emulator.log").open("w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "sushy-emulator"),
            "--config",
            str(config),
            "--fake",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        ports.wait_bound(port)
        yield f"redfish+http://127.0.0.1:{port}/redfish/v1/Systems/{SYSTEM}"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@contextlib.contextmanager
def pyghmi_bmc(*, ignore_soft_off: bool = False, ignore_power: bool = False) -> Iterator[str]:
    """A pyghmi BMC in its own process; yields its ipmi:// address."""
    port = ports.free(socket.SOCK_DGRAM)
    proc = memory_bmc.start(
        port, USER, PASSWORD, ignore_soft_off=ignore_soft_off, ignore_power=ignore_power
    )
    try:
        yield f"ipmi://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def ipmi_bmc() -> Iterator[str]:
    with pyghmi_bmc() as address:
        yield address


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory and the http://127.0.0.1:PORT URL serving it."""
    with imageserver.serve(tmp_path) as url:
        yield tmp_path, url


class Hosts:
    """Create, read, change and wait for BareMetalHosts and their Secrets in one namespace."""

    def __init__(self, api: client.ApiClient, namespace: str) -> None:
        self.namespace = namespace
        self.custom = client.CustomObjectsApi(api)
        self.core = client.CoreV1Api(api)
        self._macs = itertools.count(1)  # each host its own machine: the controller refuses
        # a second host with the same boot MAC

    def secret(
        self, name: str, *, username: str = "admin", password: str = "fixture-pw-0", **data: str
    ) -> None:
        # The default password is no word an error message uses: the controller masks every
        # password it has read, in the status too ("password" would blank out the word).
        body = {
            "metadata": {"name": name},
            "stringData": {"username": username, "password": password, **data},
        }
        try:
            self.core.create_namespaced_secret(self.namespace, body)
        except exceptions.ApiException as err:
            if err.status != 409:
                raise
            self.core.replace_namespaced_secret(name, self.namespace, body)

    def create(
        self,
        name: str,
        *,
        secret: str | None = "bmc",
        address: str | None = None,
        annotations: dict[str, str] | None = None,
        with_secret: bool = True,
        **spec: Any,
    ) -> dict[str, Any]:
        """Create host ``name`` (and its Secret ``secret`` unless ``with_secret`` is False);
        unless given, its boot MAC is the next of this namespace (the first host's ends :01)."""
        n = next(self._macs)
        mac = f"52:54:00:00:{n // 256 % 256:02x}:{n % 256:02x}"
        body_spec: dict[str, Any] = {"online": True, "bootMACAddress": mac, **spec}
        if address is not None or secret is not None:
            body_spec["bmc"] = {
                "address": address or f"redfish+http://127.0.0.1:8000/redfish/v1/Systems/{name}",
                "credentialsName": secret or "",
            }
        if secret is not None and with_secret:
            self.secret(secret)
        body = {
            "apiVersion": types.API_VERSION,
            "kind": "BareMetalHost",
            "metadata": {
                "name": name,
                "namespace": self.namespace,
                "annotations": annotations or {},
            },
            "spec": body_spec,
        }
        result: dict[str, Any] = self.custom.create_namespaced_custom_object(
            types.GROUP, types.VERSION, self.namespace, "baremetalhosts", body
        )
        return result

    def get(self, name: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self.custom.get_namespaced_custom_object(
                types.GROUP, types.VERSION, self.namespace, "baremetalhosts", name
            )
            return result
        except exceptions.ApiException as err:
            if err.status == 404:
                return None
            raise

    def patch(self, name: str, body: dict[str, Any]) -> None:
        self.custom.patch_namespaced_custom_object(
            types.GROUP, types.VERSION, self.namespace, "baremetalhosts", name, body
        )

    def delete(self, name: str) -> None:
        self.custom.delete_namespaced_custom_object(
            types.GROUP, types.VERSION, self.namespace, "baremetalhosts", name
        )

    def state(self, name: str) -> str | None:
        host = self.get(name)
        if host is None:
            return None
        return str(((host.get("status") or {}).get("provisioning") or {}).get("state") or "")

    def wait(
        self,
        name: str,
        check: Callable[[dict[str, Any] | None], bool],
        *,
        timeout: float = 30.0,
        what: str = "",
    ) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        host = self.get(name)
        while not check(host):
            if time.monotonic() > deadline:
                status = (host or {}).get("status")
                raise AssertionError(
                    f"{name}: not {what or 'as expected'} within {timeout}s; status={status}"
                )
            time.sleep(0.2)
            host = self.get(name)
        return host

    def wait_state(self, name: str, state: str, *, timeout: float = 30.0) -> dict[str, Any]:
        host = self.wait(
            name,
            lambda h: h is not None and status_of(h, "provisioning", "state") == state,
            timeout=timeout,
            what=f"in state {state!r}",
        )
        assert host is not None
        return host

    def wait_gone(self, name: str, *, timeout: float = 30.0) -> None:
        self.wait(name, lambda h: h is None, timeout=timeout, what="deleted")

    def events(self, name: str) -> list[str]:
        items = self.core.list_namespaced_event(
            self.namespace, field_selector=f"involvedObject.name={name}"
        ).items
        return [e.reason for e in items]


def status_of(host: dict[str, Any] | None, *path: str) -> Any:
    value: Any = (host or {}).get("status") or {}
    for part in path:
        value = (value or {}).get(part)
    return value


@pytest.fixture
def hosts(api: client.ApiClient, namespace: str) -> Hosts:
    return Hosts(api, namespace)
