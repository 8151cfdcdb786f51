"""What ``kubectl get bmh`` shows, read from the real API server as a Table (the request
kubectl makes): NAME, STATE, CONSUMER, ONLINE, ERROR, AGE like BMO. ``consumerRef`` is
informational, as in BMO: it names who uses the host (a cluster provider's Machine), shows in
the CONSUMER column and changes nothing in how the host is managed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from controller.api import types
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
IMAGE = {"url": "http://127.0.0.1/img.qcow2", "checksum": "f" * 32, "checksumType": "md5"}


def table(api: client.ApiClient, namespace: str) -> dict[str, dict[str, Any]]:
    """Host name → {column name (lower case): cell}."""
    request = api.param_serialize(
        "GET",
        f"/apis/{types.GROUP}/{types.VERSION}/namespaces/{namespace}/baremetalhosts",
        header_params={"Accept": TABLE},
        auth_settings=["BearerToken"],
    )
    raw = json.loads(api.call_api(*request).read())
    assert raw["kind"] == "Table"
    names = [c["name"].lower() for c in raw["columnDefinitions"]]
    rows = [dict(zip(names, row["cells"], strict=True)) for row in raw["rows"]]
    return {row["name"]: row for row in rows}


def test_consumer_column_shows_the_consumer_and_changes_nothing(
    api: client.ApiClient,
    run_controller: Callable[..., conftest.Controller],
    hosts: conftest.Hosts,
) -> None:
    run_controller()
    consumer = {
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
        "kind": "Metal3Machine",
        "name": "worker-0",
        "namespace": hosts.namespace,
    }
    hosts.create("used", image=IMAGE, consumerRef=consumer)
    hosts.create("free", image=IMAGE)
    hosts.wait_state("used", "provisioned")
    hosts.wait_state("free", "provisioned")

    rows = table(api, hosts.namespace)
    assert {"name", "state", "consumer", "online", "error", "age"} <= set(rows["used"])
    assert rows["used"]["consumer"] == "worker-0"
    assert rows["free"]["consumer"] in {"", None}
    for name in ("used", "free"):
        assert rows[name]["state"] == "provisioned"
        assert rows[name]["online"] in {True, "true"}
        assert rows[name]["error"] in {"", None}
    assert hosts.get("used")["spec"]["consumerRef"] == consumer  # type: ignore[index]
