"""kube-controller-manager really runs: namespaces finish deleting, ownerReferences cascade, and
the service-account controllers give a new namespace its ``default`` ServiceAccount and fill a
service-account token Secret."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kubernetes import client
from kubernetes.client import exceptions

from lab.mgmt import probe
from tests.integration.mgmt import conftest
from tests.integration.mgmt.conftest import GROUP, PLURAL, VERSION

pytestmark = pytest.mark.integration

BOUND = 60.0  # against a hang only; nothing here asserts speed


def _gone(read: Callable[[], object]) -> bool:
    try:
        read()
    except exceptions.ApiException as err:
        if err.status == 404:
            return True
        raise
    return False


def _wait_gone(read: Callable[[], object]) -> bool:
    return probe.wait_until(lambda: _gone(read), timeout=BOUND, interval=0.2)


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


def test_new_namespace_gets_a_default_service_account(
    api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    assert probe.wait_until(
        lambda: not _gone(lambda: core.read_namespaced_service_account("default", namespace)),
        timeout=BOUND,
        interval=0.2,
    ), "the serviceaccount controller did not create the default ServiceAccount"


def test_service_account_token_secret_is_filled(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "robot"}})
    core.create_namespaced_secret(
        namespace,
        {
            "metadata": {
                "name": "robot-token",
                "annotations": {"kubernetes.io/service-account.name": "robot"},
            },
            "type": "kubernetes.io/service-account-token",
        },
    )

    def filled() -> bool:
        data = core.read_namespaced_secret("robot-token", namespace).data or {}
        return {"token", "ca.crt", "namespace"} <= set(data)

    assert probe.wait_until(filled, timeout=BOUND, interval=0.2), (
        "the serviceaccount-token controller did not fill the Secret"
    )
