"""What the ``metallab mgmt`` and ``metallab kubectl`` commands print against a running cluster,
and ``--provider existing`` adopting that cluster by kubeconfig without deleting anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from hostkit import supervisor
from lab.mgmt import binaries, embedded
from tests.integration.mgmt.cli import metallab

pytestmark = pytest.mark.integration


def test_status_json_describes_the_running_cluster(mgmt_lab: Path, kubeconfig: Path) -> None:
    done = metallab("mgmt", "status", "--name", mgmt_lab.name, "-o", "json")
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    assert {k: state[k] for k in ("provider", "running", "ready", "server", "dataDir")} == {
        "provider": "embedded",
        "running": True,
        "ready": True,
        "server": server,
        "dataDir": str(embedded.Layout(mgmt_lab).etcd_data),
    }
    components = state["components"]
    assert sorted(components) == ["etcd", "kube-apiserver", "kube-controller-manager"]
    for info in components.values():
        assert isinstance(info["pid"], int)
        assert info["state"] == supervisor.State.RUNNING


def test_status_text_names_each_component(mgmt_lab: Path) -> None:
    done = metallab("mgmt", "status", "--name", mgmt_lab.name)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == ["provider: embedded", "running:  True", "ready:    True"]
    for name in ("etcd", "kube-apiserver", "kube-controller-manager"):
        assert any(line.split()[0] == name and line.endswith(" running") for line in lines[4:])


def test_kubeconfig_prints_the_admin_kubeconfig_path(mgmt_lab: Path, kubeconfig: Path) -> None:
    done = metallab("mgmt", "kubeconfig", "--name", mgmt_lab.name)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{kubeconfig}\n"


def test_kubectl_reports_the_pinned_server_version(mgmt_lab: Path) -> None:
    done = metallab("kubectl", "--name", mgmt_lab.name, "version", "-o", "json")
    assert done.returncode == 0, done.stderr
    version = json.loads(done.stdout)
    assert version["serverVersion"]["gitVersion"] == binaries.kubernetes_version()
    assert version["clientVersion"]["gitVersion"] == binaries.kubernetes_version()


def test_kubectl_get_namespaces(mgmt_lab: Path) -> None:
    done = metallab("kubectl", "--name", mgmt_lab.name, "get", "ns", "-o", "name")
    assert done.returncode == 0, done.stderr
    assert "namespace/kube-system" in done.stdout.split()


def test_existing_provider_adopts_a_cluster_and_down_deletes_nothing(
    fresh_lab: Path, kubeconfig: Path, api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "theirs"}})
    up = metallab(
        "mgmt",
        "up",
        "--name",
        fresh_lab.name,
        "--provider",
        "existing",
        "--kubeconfig",
        str(kubeconfig),
    )
    assert up.returncode == 0, up.stderr
    assert "Management cluster (existing) ready" in up.stdout
    status = json.loads(metallab("mgmt", "status", "--name", fresh_lab.name, "-o", "json").stdout)
    assert status == {
        "provider": "existing",
        "running": True,
        "ready": True,
        "version": binaries.kubernetes_version(),
    }
    adopted = metallab(
        "kubectl", "--name", fresh_lab.name, "get", "cm", "-n", namespace, "-o", "name"
    )
    assert adopted.stdout.split() == ["configmap/theirs"]

    assert metallab("mgmt", "down", "--name", fresh_lab.name).returncode == 0
    assert metallab("mgmt", "down", "--wipe", "--name", fresh_lab.name).returncode == 0
    assert kubeconfig.is_file(), "the adopted kubeconfig is the user's; it is kept"
    assert core.read_namespaced_config_map("theirs", namespace).metadata.name == "theirs"
