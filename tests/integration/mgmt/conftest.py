"""Fixtures for the management-cluster tests: the Widget CRD installed through the CRD helper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from lab import kube
from lab.mgmt import crds

WIDGET_CRD = Path(__file__).with_name("widget-crd.yaml")
GROUP, VERSION, PLURAL = "test.metallab.dev", "v1", "widgets"


@pytest.fixture(scope="session")
def api(kubeconfig: Path) -> Iterator[client.ApiClient]:
    api_client = kube.api_client(kubeconfig)
    yield api_client
    api_client.close()


@pytest.fixture(scope="session")
def widgets(kubeconfig: Path, api: client.ApiClient) -> client.CustomObjectsApi:
    crds.install(kubeconfig, crds.load([WIDGET_CRD]))
    return client.CustomObjectsApi(api)


@pytest.fixture
def namespace(api: client.ApiClient, request: pytest.FixtureRequest) -> Iterator[str]:
    name = "t-" + request.node.name.lower().replace("_", "-")[:50].strip("-")
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


def widget(name: str, size: int = 1, **metadata: object) -> dict[str, object]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Widget",
        "metadata": {"name": name, **metadata},
        "spec": {"size": size},
    }
