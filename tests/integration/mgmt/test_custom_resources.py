"""The embedded API server serves custom resources like any cluster: CRUD, watch, status,
finalizers.

Also covers the CRD helper: the Widget CRD is applied through ``lab.mgmt.crds``; applying it
again is a no-op; a brand-new CRD takes an object the moment ``install`` returns (it waited for
Established); a CRD the server rejects is one clear error naming it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, watch
from kubernetes.client import exceptions

from hostkit import errors
from lab.mgmt import crds
from tests.integration.mgmt import conftest
from tests.integration.mgmt.conftest import GROUP, PLURAL, VERSION

pytestmark = pytest.mark.integration


def test_crd_install_is_idempotent(kubeconfig: Path, widgets: client.CustomObjectsApi) -> None:
    crds.install(kubeconfig, crds.load([conftest.WIDGET_CRD]))
    crd = client.ApiextensionsV1Api(widgets.api_client).read_custom_resource_definition(
        "widgets.test.metallab.dev"
    )
    assert any(c.type == "Established" and c.status == "True" for c in crd.status.conditions)


def _gadget_crd() -> dict[str, Any]:
    """The Widget CRD renamed: a CRD this API server has never seen."""
    crd = yaml.safe_load(conftest.WIDGET_CRD.read_text())
    crd["metadata"]["name"] = f"gadgets.{GROUP}"
    crd["spec"]["names"] = {"kind": "Gadget", "plural": "gadgets", "singular": "gadget"}
    return dict(crd)


@pytest.fixture
def gadgets(api: client.ApiClient) -> Iterator[str]:
    """The name of the Gadget CRD, which no other test installs; deleted afterwards."""
    name = f"gadgets.{GROUP}"
    yield name
    client.ApiextensionsV1Api(api).delete_custom_resource_definition(name)


def test_new_crd_serves_objects_as_soon_as_install_returns(
    kubeconfig: Path, api: client.ApiClient, gadgets: str, namespace: str
) -> None:
    crds.install(kubeconfig, [_gadget_crd()])
    gadget = dict(conftest.widget("first"), kind="Gadget")
    created = client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, namespace, "gadgets", gadget
    )
    assert created["metadata"]["uid"]


def test_rejected_crd_is_one_clear_error(kubeconfig: Path) -> None:
    bad = _gadget_crd()
    bad["metadata"]["name"] = f"wrong.{GROUP}"  # must be <plural>.<group>
    with pytest.raises(errors.LabError) as rejected:
        crds.install(kubeconfig, [bad])
    message = str(rejected.value)
    assert "\n" not in message
    assert f"the API server rejected CRD wrong.{GROUP}: answered 422" in message
    assert "is invalid: metadata.name" in message
    assert rejected.value.fix == "fix the CRD (regenerate it with `make generate`)"


def test_create_list_and_watch(widgets: client.CustomObjectsApi, namespace: str) -> None:
    seen: list[tuple[str, str]] = []
    started = threading.Event()

    def follow() -> None:
        stream = watch.Watch()
        started.set()
        for event in stream.stream(
            widgets.list_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            timeout_seconds=20,
        ):
            seen.append((event["type"], event["object"]["metadata"]["name"]))
            if len(seen) == 2:
                stream.stop()

    watcher = threading.Thread(target=follow)
    watcher.start()
    started.wait(5)
    time.sleep(0.5)  # let the watch request reach the server before the first create
    for name in ("alpha", "beta"):
        widgets.create_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, conftest.widget(name)
        )
    watcher.join(25)

    listed = widgets.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
    assert sorted(item["metadata"]["name"] for item in listed["items"]) == ["alpha", "beta"]
    assert seen == [("ADDED", "alpha"), ("ADDED", "beta")]


def test_status_subresource_patch(widgets: client.CustomObjectsApi, namespace: str) -> None:
    widgets.create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, conftest.widget("w", 3)
    )
    widgets.patch_namespaced_custom_object_status(
        GROUP, VERSION, namespace, PLURAL, "w", {"status": {"phase": "Ready"}, "spec": {"size": 9}}
    )
    got = widgets.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "w")
    assert got["status"] == {"phase": "Ready"}
    assert got["spec"] == {"size": 3}, "the status subresource must ignore spec changes"


def test_finalizer_blocks_deletion_until_removed(
    widgets: client.CustomObjectsApi, namespace: str
) -> None:
    body = conftest.widget("held", finalizers=["test.metallab.dev/hold"])
    widgets.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    widgets.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "held")

    held = widgets.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "held")
    assert held["metadata"]["deletionTimestamp"]

    widgets.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "held", {"metadata": {"finalizers": None}}
    )
    with pytest.raises(exceptions.ApiException) as gone:
        widgets.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "held")
    assert gone.value.status == 404
