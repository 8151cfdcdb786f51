"""Kubernetes API clients for the lab's own use (CRD install, inventory, checks).

One place that turns a kubeconfig path into a ``kubernetes.client.ApiClient`` with bounded
retries, so every caller gets the same behaviour against a cluster that is down.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from kubernetes import client, config


def api_client(kubeconfig: Path, *, retries: int = 3) -> client.ApiClient:
    """A client for the cluster of ``kubeconfig``; close it when done."""
    api = cast(
        client.ApiClient,
        config.new_client_from_config(config_file=str(kubeconfig)),
    )
    api.configuration.retries = retries
    return api
