"""Bad input to the management cluster: one clear line naming the problem and the fix, nothing lost.

Covers: a taken port (also on a lab that holds data, which survives), a missing or too old Go
toolchain, a corrupt etcd data directory, a kubeconfig that does not answer, ``--provider kind``
without a Docker engine, and a provider switch.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from kubernetes import client

from lab import kube
from lab.mgmt import binaries, cluster, embedded, record
from tests.integration.mgmt.cli import metallab

pytestmark = pytest.mark.integration


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("metallab: error: ")
    return lines[0]


def _holding(port: int) -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen()
    return holder


def test_port_in_use(fresh_lab: Path) -> None:
    with _holding(0) as holder:
        port = holder.getsockname()[1]
        line = _one_error_line(
            metallab("mgmt", "up", "--name", fresh_lab.name, "--port", str(port))
        )
    assert f"port 127.0.0.1:{port} needed by kube-apiserver is in use" in line
    assert "--port" in line


def test_port_in_use_keeps_the_labs_data(fresh_lab: Path) -> None:
    assert metallab("mgmt", "up", "--name", fresh_lab.name).returncode == 0
    kubeconfig = cluster.kubeconfig(fresh_lab)
    api = kube.api_client(kubeconfig)
    client.CoreV1Api(api).create_namespaced_config_map(
        "default", {"metadata": {"name": "precious"}}
    )
    api.close()
    assert metallab("mgmt", "down", "--name", fresh_lab.name).returncode == 0
    rec = record.load(fresh_lab)
    assert rec is not None
    port = rec.ports["apiserver"]
    with _holding(port):
        line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name))
    assert f"port 127.0.0.1:{port} needed by kube-apiserver" in line
    assert "metallab mgmt up --port N" in line
    assert metallab("mgmt", "up", "--name", fresh_lab.name).returncode == 0
    done = metallab("kubectl", "--name", fresh_lab.name, "get", "cm", "precious", "-o", "name")
    assert done.stdout.strip() == "configmap/precious", done.stderr


def test_missing_go_toolchain(fresh_lab: Path, tmp_path: Path) -> None:
    no_go = tmp_path / "bin"
    no_go.mkdir()
    env = {"METALLAB_CACHE": str(tmp_path / "empty-cache"), "PATH": str(no_go)}
    line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name, env=env))
    assert "the Go toolchain is not installed" in line
    assert "install Go >=" in line


def test_too_old_go_toolchain(fresh_lab: Path, tmp_path: Path) -> None:
    old_go = tmp_path / "bin" / "go"
    old_go.parent.mkdir()
    old_go.write_text("#!/bin/sh\necho 'go version go1.20.1 linux/amd64'\n")
    old_go.chmod(0o755)
    env = {"METALLAB_CACHE": str(tmp_path / "empty-cache"), "PATH": str(old_go.parent)}
    line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name, env=env))
    assert f"{old_go} is too old to build Kubernetes {binaries.kubernetes_version()}" in line
    assert "install Go >=" in line


def test_corrupt_data_directory_is_refused_and_kept(fresh_lab: Path) -> None:
    assert metallab("mgmt", "up", "--name", fresh_lab.name).returncode == 0
    assert metallab("mgmt", "down", "--name", fresh_lab.name).returncode == 0
    db = embedded.Layout(fresh_lab).etcd_data / "member" / "snap" / "db"
    db.write_bytes(b"\0" * 100)
    line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name))
    assert "etcd data directory" in line and "corrupt" in line
    assert "down --wipe" in line
    assert db.read_bytes() == b"\0" * 100, "the data directory must be left as it was"


def test_garbled_etcd_database_stops_with_etcds_error(fresh_lab: Path) -> None:
    assert metallab("mgmt", "up", "--name", fresh_lab.name).returncode == 0
    assert metallab("mgmt", "down", "--name", fresh_lab.name).returncode == 0
    db = embedded.Layout(fresh_lab).etcd_data / "member" / "snap" / "db"
    garbage = b"not a bolt database" * 1000
    db.write_bytes(garbage)
    line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name))
    assert "etcd crashed while starting" in line
    assert "nothing was deleted" in line
    assert db.read_bytes() == garbage
    assert metallab("mgmt", "status", "--name", fresh_lab.name).returncode == 3, (
        "nothing left running"
    )


def test_kubeconfig_that_does_not_answer(fresh_lab: Path, tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = tmp_path / "dead.kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
        f"clusters: [{{name: dead, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: dead, user: {token: x}}]\n"
        "contexts: [{name: dead, context: {cluster: dead, user: dead}}]\n"
    )
    done = metallab(
        "mgmt",
        "up",
        "--name",
        fresh_lab.name,
        "--provider",
        "existing",
        "--kubeconfig",
        str(config),
    )
    line = _one_error_line(done)
    assert f"https://127.0.0.1:{port}" in line and "does not answer" in line
    assert config.exists()


def test_kind_without_docker_engine(fresh_lab: Path) -> None:
    line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name, "--provider", "kind"))
    assert "Docker" in line
    assert "--provider embedded" in line


def test_switching_provider_is_refused(fresh_lab: Path) -> None:
    assert metallab("mgmt", "up", "--name", fresh_lab.name).returncode == 0
    line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name, "--provider", "kind"))
    assert "already has a management cluster from provider 'embedded'" in line
