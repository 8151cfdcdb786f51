"""The embedded cluster's life: data kept across down/up, erased by --wipe, crashes survived.

Crashes: a SIGKILLed kube-apiserver is restarted while clients and watches opened before it
recover (and ``up`` meanwhile leaves the cluster running); a SIGKILLed supervisor leaves its
components behind, and the next ``up`` stops them and starts afresh with the data kept.
Each test runs its own lab (``fresh_lab``) through the real CLI, since it stops or breaks it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import urllib3
from kubernetes import client, watch
from kubernetes.client import exceptions

from hostkit import process, supervisor
from lab import kube
from lab.mgmt import cluster, embedded, probe
from tests.integration.mgmt.cli import metallab

pytestmark = pytest.mark.integration

T = TypeVar("T")
RECOVERY_BOUND = 90.0  # against a hang only; nothing here asserts speed


def _up(lab: Path) -> None:
    done = metallab("mgmt", "up", "--name", lab.name)
    assert done.returncode == 0, done.stderr


def _configmaps(lab: Path) -> client.CoreV1Api:
    return client.CoreV1Api(kube.api_client(cluster.kubeconfig(lab), retries=5))


def test_down_then_up_keeps_objects(fresh_lab: Path) -> None:
    _up(fresh_lab)
    _configmaps(fresh_lab).create_namespaced_config_map(
        "default", {"metadata": {"name": "keep"}, "data": {"answer": "42"}}
    )
    assert metallab("mgmt", "down", "--name", fresh_lab.name).returncode == 0
    assert metallab("mgmt", "status", "--name", fresh_lab.name).returncode == 3
    _up(fresh_lab)
    kept = _configmaps(fresh_lab).read_namespaced_config_map("keep", "default")
    assert kept.data == {"answer": "42"}


def test_down_wipe_removes_objects(fresh_lab: Path) -> None:
    _up(fresh_lab)
    _configmaps(fresh_lab).create_namespaced_config_map("default", {"metadata": {"name": "gone"}})
    assert metallab("mgmt", "down", "--wipe", "--name", fresh_lab.name).returncode == 0
    assert not fresh_lab.exists(), "a wiped lab leaves no directory behind"
    _up(fresh_lab)
    with pytest.raises(exceptions.ApiException) as missing:
        _configmaps(fresh_lab).read_namespaced_config_map("gone", "default")
    assert missing.value.status == 404


def _retrying(call: Callable[[], T]) -> T:
    """``call``, retried while the API server comes back; bounded."""
    deadline = time.monotonic() + RECOVERY_BOUND
    while True:
        try:
            return call()
        except (exceptions.ApiException, urllib3.exceptions.HTTPError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_killed_apiserver_is_restarted_and_clients_recover(fresh_lab: Path) -> None:
    _up(fresh_lab)
    layout = embedded.Layout(fresh_lab)
    api = _configmaps(fresh_lab)  # made before the crash: its pooled connections go stale
    listed = api.list_namespaced_config_map("default").metadata.resource_version
    api.create_namespaced_config_map("default", {"metadata": {"name": "before-crash"}})
    events = watch.Watch().stream(
        api.list_namespaced_config_map,
        "default",
        resource_version=listed,
        timeout_seconds=300,
    )
    first = next(events)  # the watch is open: it has delivered an event
    assert (first["type"], first["object"].metadata.name) == ("ADDED", "before-crash")
    supervisor_pid = process.read_pid(layout.supervisor_pid)
    before = supervisor.read_status(layout.run)["kube-apiserver"]
    assert isinstance(before["pid"], int)

    os.kill(before["pid"], signal.SIGKILL)
    with contextlib.suppress(urllib3.exceptions.HTTPError):  # ends, or resets, with the server
        assert list(events) == []

    # `up` on a cluster that is restarting a component waits for it; it never stops it.
    _up(fresh_lab)
    assert process.read_pid(layout.supervisor_pid) == supervisor_pid

    # The client made before the crash lists, creates and watches again.
    since = _retrying(lambda: api.list_namespaced_config_map("default")).metadata.resource_version
    _retrying(
        lambda: api.create_namespaced_config_map("default", {"metadata": {"name": "after-crash"}})
    )
    resumed = watch.Watch().stream(
        api.list_namespaced_config_map, "default", resource_version=since, timeout_seconds=60
    )
    event = next(resumed)
    assert (event["type"], event["object"].metadata.name) == ("ADDED", "after-crash")
    resumed.close()
    after = supervisor.read_status(layout.run)["kube-apiserver"]
    assert after["pid"] != before["pid"]
    assert after["restarts"] == 1
    assert after["state"] == supervisor.State.RUNNING
    assert (
        "kube-apiserver exited with code -9; restart #1"
        in (layout.root / "supervisor.log").read_text()
    )


def test_up_after_the_supervisor_was_killed_stops_its_orphans(fresh_lab: Path) -> None:
    _up(fresh_lab)
    _configmaps(fresh_lab).create_namespaced_config_map(
        "default", {"metadata": {"name": "survivor"}}
    )
    layout = embedded.Layout(fresh_lab)
    orphans = [
        p for s in supervisor.read_status(layout.run).values() if isinstance(p := s["pid"], int)
    ]
    assert len(orphans) == 3, "etcd, kube-apiserver and kube-controller-manager"
    supervisor_pid = process.read_pid(layout.supervisor_pid)
    assert supervisor_pid is not None
    os.kill(supervisor_pid, signal.SIGKILL)
    assert probe.wait_until(lambda: not process.alive(supervisor_pid), timeout=RECOVERY_BOUND)
    assert all(process.alive(pid) for pid in orphans), "killed -9: nobody stopped them"

    _up(fresh_lab)
    assert not any(process.alive(pid) for pid in orphans)
    kept = _configmaps(fresh_lab).read_namespaced_config_map("survivor", "default")
    assert kept.metadata.name == "survivor"
