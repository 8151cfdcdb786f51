"""One running lab as the steps see it: names, paths, Kubernetes clients and the stop flag.

Made by ``scenarios.runner`` once the lab is up (or found running) and handed to every step in
``scenarios.execute``; ``reset`` puts a shared lab back to a known start between scenarios.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, dynamic
from kubernetes.client import exceptions

from hostkit import errors
from lab import controller_component, inventory, kube, paths
from lab.config import model as lab_model
from lab.hardware import bmcs, layout, libvirtd
from lab.mgmt import cluster
from vbmc import faults

_RESET_TIMEOUT = 120.0
_FINALIZER_GRACE = 60.0


@dataclasses.dataclass
class Session:
    lab: lab_model.Lab
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return self.lab.name

    @property
    def state(self) -> Path:
        return paths.lab_dir(self.lab.name)

    @property
    def kubeconfig(self) -> Path:
        return cluster.kubeconfig(self.state)

    def kubeconfig_or_empty(self) -> str:
        """The kubeconfig's path for commands and playbooks; "" when the lab has no cluster."""
        try:
            return str(self.kubeconfig)
        except errors.LabError:
            return ""

    @functools.cached_property
    def api_client(self) -> client.ApiClient:
        return kube.api_client(self.kubeconfig)

    @functools.cached_property
    def dynamic(self) -> dynamic.DynamicClient:
        return dynamic.DynamicClient(self.api_client)

    def resource(self, api_version: str, kind: str) -> Any:
        return self.dynamic.resources.get(api_version=api_version, kind=kind)

    def bmc_access(self, host: str) -> bmcs.Access:
        for access in bmcs.access(self.state, self.lab):
            if access.host == host:
                return access
        raise errors.LabError(f"lab {self.name} has no host {host!r}", fix="check the lab file")

    def hosts(self) -> list[dict[str, Any]]:
        """The lab's BareMetalHosts as dicts (empty if the CRD or namespace is not there)."""
        api = client.CustomObjectsApi(self.api_client)
        try:
            found = api.list_namespaced_custom_object(
                inventory.BMH_GROUP,
                inventory.BMH_VERSION,
                inventory.NAMESPACE,
                inventory.BMH_PLURAL,
            )
        except exceptions.ApiException:
            return []
        items: list[dict[str, Any]] = found.get("items", [])
        return items

    def sleep(self, seconds: float) -> None:
        """Wait, but wake at once when the run is stopped (Ctrl-C)."""
        if self.stop.wait(seconds):
            raise KeyboardInterrupt

    def close(self) -> None:
        if "api_client" in self.__dict__:
            self.api_client.close()


def _inventory(session: Session) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = list(
        yaml.safe_load_all(layout.inventory(session.state).read_text())
    )
    return docs


def enroll(session: Session, host: str | None) -> None:
    """Create the BareMetalHost and BMC Secret of ``host`` (every host's if None) from the
    lab's inventory; objects that exist are left alone."""
    docs = [
        doc
        for doc in _inventory(session)
        if doc["kind"] == "Namespace"
        or host is None
        or doc["metadata"]["name"] in (host, inventory.secret_name(host))
    ]
    inventory.apply(session.kubeconfig, docs)


def reset(session: Session) -> None:
    """A known start: no BMC faults, the controller running, every VM off, no BareMetalHost,
    BMC Secret or Event of the inventory left (scenarios enroll the hosts with an ``enroll``
    step, after any fault they want the enrollment to meet)."""
    for host in session.lab.hosts:
        faults.set_fault(session.state, host.name, None)
    controller_component.start(session.state, session.kubeconfig)
    docs = _inventory(session)
    api = client.CustomObjectsApi(session.api_client)
    core = client.CoreV1Api(session.api_client)
    names = [doc["metadata"]["name"] for doc in docs if doc["kind"] == "BareMetalHost"]
    for name in names:
        _ignore_missing(api.delete_namespaced_custom_object, *_bmh(name))
    _wait_gone(session, names)
    # The last scenario's Events would crowd this one's artefacts.
    core.delete_collection_namespaced_event(inventory.NAMESPACE)
    for doc in docs:
        if doc["kind"] == "Secret":
            meta = doc["metadata"]
            _ignore_missing(core.delete_namespaced_secret, meta["name"], meta["namespace"])
    _power_off(session)


def _power_off(session: Session) -> None:
    """Every VM off, hard: a host left on by the last scenario would spin under emulation
    (and an OS-less host ignores the soft power off a deleted host may have been sent)."""
    connection = libvirtd.connect(session.state)
    try:
        for domain in connection.listAllDomains():
            if domain.isActive():
                domain.destroy()
    finally:
        connection.close()


def _wait_gone(session: Session, names: list[str]) -> None:
    """Hosts go once the controller drops its finalizer; one stuck past a grace period (a
    deletion the controller retries with backoff) has its finalizers removed."""
    api = client.CustomObjectsApi(session.api_client)
    started = time.monotonic()
    while True:
        left = [h["metadata"]["name"] for h in session.hosts() if h["metadata"]["name"] in names]
        if not left:
            return
        waited = time.monotonic() - started
        if waited > _RESET_TIMEOUT:
            raise errors.LabError(
                f"resetting lab {session.name}: hosts {', '.join(left)} were not deleted "
                f"in {_RESET_TIMEOUT:.0f}s",
                fix=f"check the controller log: {controller_log(session.state)}",
            )
        if waited > _FINALIZER_GRACE:
            for name in left:
                _ignore_missing(
                    api.patch_namespaced_custom_object,
                    *_bmh(name),
                    {"metadata": {"finalizers": None}},
                )
        session.sleep(0.5)


def _bmh(name: str) -> tuple[str, str, str, str, str]:
    """The arguments naming one of the lab's BareMetalHosts to the custom-objects API."""
    return (
        inventory.BMH_GROUP,
        inventory.BMH_VERSION,
        inventory.NAMESPACE,
        inventory.BMH_PLURAL,
        name,
    )


def _ignore_missing(call: Any, *args: object) -> None:
    try:
        call(*args)
    except exceptions.ApiException as err:
        if err.status != 404:
            raise


def controller_log(state: Path) -> Path:
    return controller_component.directory(state) / "controller.log"
