"""Install CustomResourceDefinitions and wait until the API server serves them.

Used by ``metallab up`` (the controller's CRDs) and by tests. Applying is create-or-replace,
so it is idempotent; waiting is bounded, and a CRD the server rejects is reported by name.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from lab import errors, kube

ESTABLISH_TIMEOUT = 60.0


def load(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Read every CRD document from ``paths``."""
    docs: list[dict[str, Any]] = []
    for path in paths:
        try:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
        except yaml.YAMLError as err:
            raise errors.LabError(
                f"{path} is not valid YAML: {err}", fix="fix or regenerate it"
            ) from err
    for doc in docs:
        if doc.get("kind") != "CustomResourceDefinition":
            raise errors.LabError(f"{doc.get('kind')!r} in a CRD file", fix="keep only CRDs there")
    return docs


def install(
    kubeconfig: Path, docs: list[dict[str, Any]], *, timeout: float = ESTABLISH_TIMEOUT
) -> None:
    """Create or replace each CRD, then wait until every one is ``Established``."""
    from kubernetes import client
    from kubernetes.client import exceptions

    api_client = kube.api_client(kubeconfig)
    api = client.ApiextensionsV1Api(api_client)
    try:
        for doc in docs:
            name = doc["metadata"]["name"]
            try:
                current = api.read_custom_resource_definition(name)
            except exceptions.ApiException as err:
                if err.status != 404:
                    raise
                current = None
            try:
                if current is None:
                    api.create_custom_resource_definition(doc)
                else:
                    version = current.metadata.resource_version
                    body = dict(doc, metadata=dict(doc["metadata"], resourceVersion=version))
                    api.replace_custom_resource_definition(name, body)
            except exceptions.ApiException as err:
                raise errors.LabError(
                    f"the API server rejected CRD {name}: {err.status} {err.reason}: {err.body}",
                    fix="fix the CRD (regenerate it with `make generate`)",
                ) from err
        deadline = time.monotonic() + timeout
        for doc in docs:
            name = doc["metadata"]["name"]
            while not _established(api.read_custom_resource_definition(name)):
                if time.monotonic() > deadline:
                    raise errors.LabError(
                        f"CRD {name} was not Established within {timeout:.0f}s",
                        fix=f"check its conditions: metallab kubectl get crd {name} -o yaml",
                    )
                time.sleep(0.1)
    finally:
        api_client.close()


def _established(crd: Any) -> bool:
    conditions = (crd.status and crd.status.conditions) or []
    return any(c.type == "Established" and c.status == "True" for c in conditions)
