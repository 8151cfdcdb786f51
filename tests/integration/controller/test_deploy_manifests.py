"""The manifests that run the controller in any cluster are accepted and grant enough.

``controller/deploy/`` is applied with the built kubectl to the real API server; then the
controller runs with nothing but the ServiceAccount's token (a real TokenRequest) and takes a
host through registration, inspection and deletion — so a missing RBAC rule fails here, not
in a user's cluster. The Deployment is only validated: the embedded cluster has no nodes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from controller.operator import app
from controller.provisioner import fixture
from lab.mgmt import binaries
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration

DEPLOY = Path(conftest.__file__).resolve().parents[3] / "controller" / "deploy"
SERVICE_ACCOUNT, SYSTEM_NAMESPACE = "metallab-controller", "metallab-system"


def _kubectl(kubeconfig: Path, *args: str, ok: bool = True) -> str:
    """kubectl's output; ``ok=False`` accepts a non-zero exit (``auth can-i`` answering no)."""
    kubectl = binaries.ensure().path("kubectl")
    done = subprocess.run(
        [str(kubectl), f"--kubeconfig={kubeconfig}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 or not ok, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def deployed(crds: Path) -> Iterator[Path]:
    """Applied once for the module, exactly as a user would; deleted (and waited for) after."""
    _kubectl(crds, "apply", "-f", str(DEPLOY))
    yield crds
    _kubectl(crds, "delete", "-f", str(DEPLOY), "--timeout=60s")


def _service_account_kubeconfig(admin: Path, directory: Path) -> Path:
    """A kubeconfig holding only the controller ServiceAccount's token."""
    token = _kubectl(
        admin, "create", "token", SERVICE_ACCOUNT, "-n", SYSTEM_NAMESPACE, "--duration=1h"
    ).strip()
    config = yaml.safe_load(admin.read_text())
    config["users"] = [{"name": "controller", "user": {"token": token}}]
    for context in config["contexts"]:
        context["context"]["user"] = "controller"
    path = directory / "controller.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_deployment_is_valid(deployed: Path) -> None:
    shown = _kubectl(deployed, "get", "deployment", SERVICE_ACCOUNT, "-n", SYSTEM_NAMESPACE)
    assert SERVICE_ACCOUNT in shown


def test_service_account_can_run_a_host_lifecycle(
    deployed: Path, namespace: str, hosts: conftest.Hosts, tmp_path: Path
) -> None:
    sa_kubeconfig = _service_account_kubeconfig(deployed, tmp_path)
    can_delete = _kubectl(
        sa_kubeconfig, "auth", "can-i", "delete", "secrets", "-n", namespace, ok=False
    )
    assert can_delete.strip() == "no", "the controller must not be able to delete Secrets"

    options = app.Options(
        namespaces=(namespace,),
        kubeconfig=sa_kubeconfig,
        metrics_port=None,
        policy=conftest.FAST_POLICY,
        timing=conftest.FAST_TIMING,
    )
    controller = conftest.Controller(options, fixture.FixtureBackend(fixture.Delays()))
    controller.start()
    try:
        hosts.create("rbac0")
        hosts.wait_state("rbac0", "available", timeout=60)
        hosts.delete("rbac0")
        hosts.wait_gone("rbac0", timeout=60)
    finally:
        controller.stop()
