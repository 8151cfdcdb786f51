"""The node image makes real Kubernetes nodes with no registry: two lab VMs (node-0 under
BIOS, node-1 under UEFI) boot it with CABPK-shaped config drives; node-0 runs ``kubeadm
init``, node-1 ``kubeadm join``; from the host both are Ready, carry their
``metal3.io/uuid`` label, and a pod on the worker reaches a pod on the control plane.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lab import paths
from lab.images.node import build, containers
from tests.e2e import conftest, kubenodes

CONTROL_PLANE_TIMEOUT = 900.0
WORKER_TIMEOUT = 600.0
POD_TIMEOUT = 300.0


def _pod(name: str, node: str, command: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "nodeName": node,
                "restartPolicy": "Never",
                "tolerations": [{"operator": "Exists"}],
                "containers": [
                    {
                        "name": "main",
                        "image": containers.busybox_reference(),
                        "imagePullPolicy": "Never",
                        "command": ["sh", "-c", command],
                    }
                ],
            },
        }
    )


def _wait_pod(kubeconfig: Path, name: str, phases: set[str]) -> dict[str, object]:
    deadline = time.monotonic() + POD_TIMEOUT
    pod: dict[str, object] = {}
    while time.monotonic() < deadline:
        pod = json.loads(kubenodes.kubectl(kubeconfig, "get", "pod", name, "-o", "json"))
        phase = pod["status"].get("phase")  # type: ignore[attr-defined]
        if phase in phases:
            return pod
        if phase == "Failed":
            logs = kubenodes.kubectl(kubeconfig, "logs", name)
            raise AssertionError(f"pod {name} failed: {logs}")
        time.sleep(3)
    raise AssertionError(f"pod {name} not in {phases} after {POD_TIMEOUT}s: {pod.get('status')}")


@pytest.mark.timeout(CONTROL_PLANE_TIMEOUT + WORKER_TIMEOUT + 2 * POD_TIMEOUT)
def test_two_vms_become_a_cluster_and_pods_talk_across_nodes(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    image = build.ensure()
    lab = lab_factory("kube", kubenodes.lab_file(tmp_path, octet=236, hosts=2))
    state = paths.lab_dir("kube")
    cluster = kubenodes.cluster(lab, tmp_path)
    control_plane, worker = lab.hosts

    started = time.monotonic()
    kubenodes.provision(
        lab, state, control_plane, image.qcow2, kubenodes.init_user_data(lab, cluster)
    )
    init = kubenodes.wait_ready(
        cluster.kubeconfig,
        state,
        control_plane,
        kubenodes.CONTROL_PLANE_MARKERS,
        started=started,
        timeout=CONTROL_PLANE_TIMEOUT,
    )
    started = time.monotonic()
    kubenodes.provision(lab, state, worker, image.qcow2, kubenodes.join_user_data(lab, cluster))
    join = kubenodes.wait_ready(
        cluster.kubeconfig,
        state,
        worker,
        kubenodes.WORKER_MARKERS,
        started=started,
        timeout=WORKER_TIMEOUT,
    )

    print(f"control plane, seconds since power-on: {init.seen}")
    print(f"worker, seconds since power-on: {join.seen}")
    ready = kubenodes.ready_nodes(cluster.kubeconfig)
    assert set(ready) == {"node-0", "node-1"}
    for host in lab.hosts:
        assert ready[host.name]["metadata"]["labels"]["metal3.io/uuid"] == host.uuid

    server = (
        "mkdir -p /www && echo metallab-pod-ok > /www/index.html && exec httpd -f -p 8080 -h /www"
    )
    kubenodes.kubectl(
        cluster.kubeconfig, "apply", "-f", "-", stdin=_pod("server", "node-0", server)
    )
    pod = _wait_pod(cluster.kubeconfig, "server", {"Running"})
    server_ip = pod["status"]["podIP"]  # type: ignore[index]
    # busybox-static's wget crashes in a bare container (static glibc's NSS); nc does not
    request = "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n'"
    client = (
        f"for i in $(seq 30); do {request} | nc -w 3 {server_ip} 8080 | grep metallab-pod-ok "
        "&& exit 0; sleep 2; done; exit 1"
    )
    kubenodes.kubectl(
        cluster.kubeconfig, "apply", "-f", "-", stdin=_pod("client", "node-1", client)
    )
    finished = _wait_pod(cluster.kubeconfig, "client", {"Succeeded", "Failed"})
    logs = kubenodes.kubectl(cluster.kubeconfig, "logs", "client")
    assert finished["status"]["phase"] == "Succeeded", logs  # type: ignore[index]
    assert "metallab-pod-ok" in logs
    assert finished["spec"]["nodeName"] == "node-1"  # type: ignore[index]


@pytest.mark.timeout(900)
def test_a_failing_kubeadm_step_is_named_from_the_console(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    """A host too small for a control plane (one vCPU): kubeadm's preflight refuses it, and
    the failure reads as kubeadm's own error lines, at once rather than at a timeout."""
    image = build.ensure()
    lab = lab_factory("kubebad", kubenodes.lab_file(tmp_path, octet=234, hosts=1, cpus=1))
    cluster = kubenodes.cluster(lab, tmp_path)
    state = paths.lab_dir("kubebad")
    host = lab.hosts[0]
    kubenodes.provision(lab, state, host, image.qcow2, kubenodes.init_user_data(lab, cluster))
    with pytest.raises(kubenodes.KubeadmFailed) as failed:
        kubenodes.wait_ready(
            cluster.kubeconfig, state, host, {}, started=time.monotonic(), timeout=600
        )
    message = str(failed.value)
    assert message.startswith("kubeadm failed on node-0: ")
    assert "[ERROR NumCPU]" in message
    assert "error execution phase preflight" in message
