"""Install CustomResourceDefinitions and wait until the API server serves them.

Used by ``metallab up`` (the controller's CRDs) and by tests. Applying is create-or-replace,
so it is idempotent; waiting is bounded, and a CRD the server rejects is reported by name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from hostkit import errors
from lab import kube

ESTABLISH_TIMEOUT = 60.0
_BOUNDED: dict[str, Any] = {"_request_timeout": 30}  # per request, so no call hangs forever


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
    import urllib3
    from kubernetes import client, config
    from kubernetes.client import exceptions

    try:
        api_client = kube.api_client(kubeconfig)
    except (OSError, config.ConfigException, yaml.YAMLError, ValueError, KeyError) as err:
        raise errors.LabError(
            f"cannot install CRDs: kubeconfig {kubeconfig} cannot be used: {err}",
            fix="start the management cluster with `metallab mgmt up` (it writes the kubeconfig)",
        ) from err
    api = client.ApiextensionsV1Api(api_client)
    try:
        for doc in docs:
            _apply(api, doc)
        deadline = time.monotonic() + timeout
        for doc in docs:
            name = doc["metadata"]["name"]
            while not _established(api.read_custom_resource_definition(name, **_BOUNDED)):
                if time.monotonic() > deadline:
                    raise errors.LabError(
                        f"CRD {name} was not Established within {timeout:.0f}s",
                        fix=f"check its conditions: metallab kubectl get crd {name} -o yaml",
                    )
                time.sleep(0.1)
    except (urllib3.exceptions.HTTPError, exceptions.ApiException) as err:
        refused = isinstance(err, exceptions.ApiException)
        raise errors.LabError(
            f"cannot install CRDs: the API server {api_client.configuration.host} "
            f"(kubeconfig {kubeconfig}) {_failure(err)}",
            fix="use an admin kubeconfig (`metallab mgmt kubeconfig`)"
            if refused
            else "start the management cluster with `metallab mgmt up` and retry",
        ) from err
    finally:
        api_client.close()


def _apply(api: Any, doc: dict[str, Any]) -> None:
    """Create ``doc``, or replace the CRD of its name; a rejection is reported by name."""
    from kubernetes.client import exceptions

    name = doc["metadata"]["name"]
    try:
        current = api.read_custom_resource_definition(name, **_BOUNDED)
    except exceptions.ApiException as err:
        if err.status != 404:
            raise
        current = None
    try:
        if current is None:
            api.create_custom_resource_definition(doc, **_BOUNDED)
        else:
            version = current.metadata.resource_version
            body = dict(doc, metadata=dict(doc["metadata"], resourceVersion=version))
            api.replace_custom_resource_definition(name, body, **_BOUNDED)
    except exceptions.ApiException as err:
        if err.status not in (400, 409, 422):
            raise
        raise errors.LabError(
            f"the API server rejected CRD {name}: {_failure(err)}",
            fix="fix the CRD (regenerate it with `make generate`)",
        ) from err


def _failure(err: Exception) -> str:
    """One line for what went wrong: the API server's message, or why it did not answer."""
    from kubernetes.client import exceptions

    if isinstance(err, exceptions.ApiException):
        try:
            message = json.loads(err.body or "")["message"]
        except (ValueError, KeyError, TypeError):
            message = err.body or ""
        text = f"answered {err.status} {err.reason}: {message}"
    else:
        reason = str(getattr(err, "reason", None) or err)
        text = "does not answer: " + reason.split("): ", 1)[-1]
    return " ".join(text.split())[:400]


def _established(crd: Any) -> bool:
    conditions = (crd.status and crd.status.conditions) or []
    return any(c.type == "Established" and c.status == "True" for c in conditions)
