"""kube-controller-manager really runs: namespaces finish deleting, ownerReferences cascade."""

from __future__ import annotations

import time

import pytest
from kubernetes import client
from kubernetes.client import exceptions

from tests.integration.mgmt import conftest
from tests.integration.mgmt.conftest import GROUP, PLURAL, VERSION

pytestmark = pytest.mark.integration

DEADLINE = 60.0


def _gone(read: object) -> bool:
    try:
        read()  # type: ignore[operator]
    except exceptions.ApiException as err:
        if err.status == 404:
            return True
        raise
    return False


def _wait_gone(read: object) -> bool:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if _gone(read):
            return True
        time.sleep(0.2)
    return False


def test_namespace_deletion_completes(
    api: client.ApiClient, widgets: client.CustomObjectsApi
) -> None:
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "doomed"}})
    core.create_namespaced_config_map("doomed", {"metadata": {"name": "c"}, "data": {"k": "v"}})
    widgets.create_namespaced_custom_object(GROUP, VERSION, "doomed", PLURAL, conftest.widget("w"))
    core.delete_namespace("doomed")
    assert _wait_gone(lambda: core.read_namespace("doomed")), "namespace stuck in Terminating"


def test_owner_reference_cascade_deletes_child(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    parent = core.create_namespaced_config_map(namespace, {"metadata": {"name": "parent"}})
    owner = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "parent",
        "uid": parent.metadata.uid,
    }
    core.create_namespaced_config_map(
        namespace, {"metadata": {"name": "child", "ownerReferences": [owner]}}
    )
    core.delete_namespaced_config_map("parent", namespace)
    assert _wait_gone(lambda: core.read_namespaced_config_map("child", namespace)), (
        "the garbage collector did not delete the child"
    )
