"""The embedded cluster's life: data kept across down/up, erased by --wipe, crashes survived.

Each test runs its own lab (``fresh_lab``) through the real CLI, since it stops or breaks it.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client import exceptions

from lab import kube, supervisor
from lab.mgmt import binaries, cluster, embedded
from tests.integration.mgmt.cli import metallab

pytestmark = pytest.mark.integration


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


def test_killed_apiserver_is_restarted_and_clients_recover(fresh_lab: Path) -> None:
    _up(fresh_lab)
    run_dir = embedded.Layout(fresh_lab).run
    before = supervisor.read_status(run_dir)["kube-apiserver"]
    assert isinstance(before["pid"], int)
    os.kill(before["pid"], signal.SIGKILL)

    api = _configmaps(fresh_lab)
    deadline = time.monotonic() + 90
    while True:
        try:
            api.create_namespaced_config_map("default", {"metadata": {"name": "after-crash"}})
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    after = supervisor.read_status(run_dir)["kube-apiserver"]
    assert after["pid"] != before["pid"]
    assert after["restarts"] == 1
    assert (
        "kube-apiserver exited with code -9; restart #1"
        in (embedded.Layout(fresh_lab).root / "supervisor.log").read_text()
    )


def test_kubectl_reports_the_pinned_server_version(kubeconfig: Path, mgmt_lab: Path) -> None:
    done = metallab("kubectl", "--name", mgmt_lab.name, "version", "-o", "json")
    assert done.returncode == 0, done.stderr
    version = json.loads(done.stdout)
    assert version["serverVersion"]["gitVersion"] == binaries.kubernetes_version()
    assert version["clientVersion"]["gitVersion"] == binaries.kubernetes_version()


def test_kubectl_get_namespaces(mgmt_lab: Path) -> None:
    done = metallab("kubectl", "--name", mgmt_lab.name, "get", "ns", "-o", "name")
    assert done.returncode == 0, done.stderr
    assert "namespace/kube-system" in done.stdout.split()
