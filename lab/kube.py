"""Kubernetes API clients for the lab's own use (CRD install, inventory, checks).

One place that turns a kubeconfig path into a ``kubernetes.client.ApiClient`` with bounded
retries, so every caller gets the same behaviour against a cluster that is down.
"""

from __future__ import annotations

from pathlib import Path

from kubernetes import client, config


def api_client(kubeconfig: Path, *, retries: int = 3) -> client.ApiClient:
    """A client for the cluster of ``kubeconfig``; close it when done."""
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    configuration.retries = retries  # read when the connection pool is built, so set it first
    return client.ApiClient(configuration)
