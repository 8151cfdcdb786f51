"""The CRD helper without a cluster: an unreachable API server or an unusable kubeconfig is one
clear ``LabError`` naming the fix, never a urllib3 or ApiException traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hostkit import errors
from lab.mgmt import crds

WIDGET_CRD = Path(__file__).parents[2] / "integration" / "mgmt" / "widget-crd.yaml"


def _dead_kubeconfig(path: Path) -> str:
    """A kubeconfig for 127.0.0.1 on a port that was just closed, so connecting is refused."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        server = f"https://127.0.0.1:{closed.getsockname()[1]}"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
        f"clusters: [{{name: dead, cluster: {{server: '{server}'}}}}]\n"
        "users: [{name: dead, user: {token: x}}]\n"
        "contexts: [{name: dead, context: {cluster: dead, user: dead}}]\n"
    )
    return server


def test_unreachable_api_server(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "dead.kubeconfig"
    server = _dead_kubeconfig(kubeconfig)
    with pytest.raises(errors.LabError) as failed:
        crds.install(kubeconfig, crds.load([WIDGET_CRD]))
    message = str(failed.value)
    assert "\n" not in message
    assert f"cannot install CRDs: the API server {server} (kubeconfig {kubeconfig})" in message
    assert "does not answer" in message and "Connection refused" in message
    assert failed.value.fix == "start the management cluster with `metallab mgmt up` and retry"


def test_missing_kubeconfig(tmp_path: Path) -> None:
    with pytest.raises(errors.LabError) as failed:
        crds.install(tmp_path / "none", crds.load([WIDGET_CRD]))
    assert f"kubeconfig {tmp_path / 'none'} cannot be used" in str(failed.value)
    assert "metallab mgmt up" in failed.value.fix


def test_a_file_with_other_kinds_is_refused(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(WIDGET_CRD.read_text() + "\n---\napiVersion: v1\nkind: ConfigMap\n")
    with pytest.raises(errors.LabError, match="'ConfigMap' in a CRD file"):
        crds.load([mixed])
