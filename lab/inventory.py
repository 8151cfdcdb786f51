"""The lab's inventory: one BMC Secret and one BareMetalHost per host, as Metal3 expects them.

``manifests`` builds the objects from the lab and its BMC access (pure; unit-tested); ``write``
stores them as multi-document YAML in the lab's state directory (always, so ``metallab
inventory`` can print them before any cluster exists); ``apply`` creates or updates them in the
management cluster, and is called by ``metallab up`` only once the BareMetalHost CRD exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hostkit import errors, files
from lab import kube
from lab.config import model
from lab.hardware import bmcs, layout

NAMESPACE = "metal3"
LAB_LABEL = "metallab.dev/lab"
BMH_GROUP, BMH_VERSION, BMH_PLURAL = "metal3.io", "v1alpha1", "baremetalhosts"
_BOOT_MODE = {model.BootMode.LEGACY: "legacy", model.BootMode.UEFI: "UEFI"}


def secret_name(host: str) -> str:
    return f"{host}-bmc-secret"


def manifests(
    lab: model.Lab, access: list[bmcs.Access], *, namespace: str = NAMESPACE
) -> list[dict[str, Any]]:
    labels = {LAB_LABEL: lab.name}
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    ]
    for host, bmc in zip(lab.hosts, access, strict=True):
        meta = {"name": host.name, "namespace": namespace, "labels": labels}
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {**meta, "name": secret_name(host.name)},
                "type": "Opaque",
                "stringData": {"username": bmc.username, "password": bmc.password},
            }
        )
        docs.append(
            {
                "apiVersion": f"{BMH_GROUP}/{BMH_VERSION}",
                "kind": "BareMetalHost",
                "metadata": meta,
                "spec": {
                    "online": False,
                    "bootMACAddress": host.boot_mac,
                    "bootMode": _BOOT_MODE[host.boot_mode],
                    # Certificates are checked: the lab gives its controller the lab CA
                    # that signs the emulators' certificates (--bmc-ca-file).
                    "bmc": {"address": bmc.url, "credentialsName": secret_name(host.name)},
                },
            }
        )
    return docs


def render(docs: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False)


def write(state: Path, docs: list[dict[str, Any]]) -> Path:
    path = layout.inventory(state)
    files.write_private(path, render(docs))  # it holds BMC passwords
    return path


def crd_installed(kubeconfig: Path) -> bool:
    from kubernetes import client
    from kubernetes.client import exceptions

    api_client = kube.api_client(kubeconfig)
    try:
        client.ApiextensionsV1Api(api_client).read_custom_resource_definition(
            f"{BMH_PLURAL}.{BMH_GROUP}"
        )
    except exceptions.ApiException as err:
        if err.status == 404:
            return False
        raise errors.LabError(
            f"cannot read the BareMetalHost CRD: {err.status} {err.reason}",
            fix="check the management cluster: metallab mgmt status",
        ) from err
    finally:
        api_client.close()
    return True


def apply(kubeconfig: Path, docs: list[dict[str, Any]]) -> None:
    """Create each object that is missing. Existing ones are left alone: a BareMetalHost's
    spec belongs to its users once it exists (``online``, images), and passwords are stable."""
    from kubernetes import client
    from kubernetes.client import exceptions

    api_client = kube.api_client(kubeconfig)
    core = client.CoreV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)
    try:
        for doc in docs:
            kind, meta = doc["kind"], doc["metadata"]
            try:
                if kind == "Namespace":
                    core.create_namespace(doc)
                elif kind == "Secret":
                    core.create_namespaced_secret(meta["namespace"], doc)
                else:
                    custom.create_namespaced_custom_object(
                        BMH_GROUP, BMH_VERSION, meta["namespace"], BMH_PLURAL, doc
                    )
            except exceptions.ApiException as err:
                if err.status == 409:
                    continue
                raise errors.LabError(
                    f"the API server rejected {kind} {meta['name']}: {err.status} {err.reason}",
                    fix=f"fix the lab file or the cluster; the server said: {err.body}",
                ) from err
    finally:
        api_client.close()
