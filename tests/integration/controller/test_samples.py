"""Metal3's sample manifests (written from its docs, under ``samples/``) apply unchanged with
strict server-side field validation, and the controller (fixture backend) takes each host to
the state Metal3 would: available, provisioned, externally provisioned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from controller.api import types
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
SAMPLES = Path(__file__).parent / "samples"


def apply_strictly(api: client.ApiClient, namespace: str, path: Path) -> list[str]:
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    hosts = []
    for doc in yaml.safe_load_all(path.read_text()):
        if doc["kind"] == "Secret":
            core.create_namespaced_secret(namespace, doc, field_validation="Strict")
        else:
            custom.create_namespaced_custom_object(
                types.GROUP,
                types.VERSION,
                namespace,
                "baremetalhosts",
                doc,
                field_validation="Strict",
            )
            hosts.append(doc["metadata"]["name"])
    return hosts


EXPECTED = {
    "basic-redfish.yaml": "available",
    "provisioned-ipmi.yaml": "provisioned",
    "externally-provisioned-vmedia.yaml": "externally provisioned",
}


def test_samples_apply_unchanged_and_reach_their_states(
    api: client.ApiClient,
    namespace: str,
    hosts: conftest.Hosts,
    run_controller: Callable[..., conftest.Controller],
) -> None:
    assert sorted(p.name for p in SAMPLES.glob("*.yaml")) == sorted(EXPECTED)
    names = {path.name: apply_strictly(api, namespace, path) for path in SAMPLES.glob("*.yaml")}
    run_controller()
    for file, state in EXPECTED.items():
        for name in names[file]:
            hosts.wait_state(name, state, timeout=60)
    ext = hosts.get("controller-0")
    assert conftest.status_of(ext, "hardware", "cpu", "count") == 4
    assert "inspect.metal3.io/hardwaredetails" not in ext["metadata"]["annotations"]  # type: ignore[index]
    printed = client.CustomObjectsApi(api).list_namespaced_custom_object(
        types.GROUP, types.VERSION, namespace, "baremetalhosts"
    )
    assert len(printed["items"]) == 3
