"""Bad input to the management cluster: one clear line naming the problem and the fix, nothing lost.

Covers: a taken port, a missing Go toolchain, a corrupt etcd data directory, a kubeconfig that
does not answer, ``--provider kind`` without a Docker engine, and a provider switch.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from lab.mgmt import embedded
from tests.integration.mgmt.cli import metallab

pytestmark = pytest.mark.integration


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("metallab: error: ")
    return lines[0]


def test_port_in_use(fresh_lab: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        line = _one_error_line(
            metallab("mgmt", "up", "--name", fresh_lab.name, "--port", str(port))
        )
    assert f"port 127.0.0.1:{port} needed by kube-apiserver is in use" in line
    assert "--port" in line


def test_missing_go_toolchain(fresh_lab: Path, tmp_path: Path) -> None:
    env = {"METALLAB_CACHE": str(tmp_path / "empty-cache"), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    line = _one_error_line(metallab("mgmt", "up", "--name", fresh_lab.name, env=env))
    assert "the Go toolchain is not installed" in line
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
