"""The main job end to end: ``metallab up`` with the management cluster and the controller.

One lab with an IPMI and a Redfish host, brought up by the real ``up``: the inventory lands in
the embedded API server, the controller (``direct`` provisioner) registers both hosts over
their real BMCs and inspects both in-band: the deploy agent boots over the network through the
lab's iPXE chain and reports the hardware (NICs with the lab's MACs, the boot NIC marked pxe,
the lab file's disks). ``online: true`` powers
the Redfish host's VM on; ``metallab status`` shows the cluster ready and the controller
up. The Redfish emulator's certificate verifies against the cluster's CA. ``down`` leaves no
process of the lab behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from kubernetes import client

from hostkit import process
from lab import kube, paths
from lab import up as lifecycle
from lab.mgmt import cluster, embedded
from tests.e2e.conftest import LabFactory, lab_file

GROUP, VERSION, PLURAL, NAMESPACE = "metal3.io", "v1alpha1", "baremetalhosts", "metal3"


def _host(api: client.CustomObjectsApi, name: str) -> dict[str, Any]:
    host: dict[str, Any] = api.get_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL, name)
    return host


def _wait(
    api: client.CustomObjectsApi, name: str, check: Any, timeout: float = 180.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    host: dict[str, Any] = {}
    while time.monotonic() < deadline:
        host = _host(api, name)
        if check(host.get("status") or {}):
            return host
        time.sleep(1)
    raise AssertionError(f"{name} did not get there in {timeout}s; status: {host.get('status')}")


def test_up_enrolls_hosts_through_the_controller(
    lab_factory: LabFactory, home: Path, tmp_path: Path
) -> None:
    config = lab_file(tmp_path, octet=236, hosts=2, protocol="mixed")
    lines: list[str] = []
    lab = lab_factory("full", config, lines=lines, hardware_only=False)
    assert any(line.startswith("✓ Starting the controller") for line in lines), lines

    state = paths.lab_dir("full")
    api = client.CustomObjectsApi(kube.api_client(cluster.kubeconfig(state)))
    ipmi_host, redfish_host = lab.hosts[0], lab.hosts[1]
    # The Redfish BMCs' certificate comes from the CA the cluster's certificates come from.
    cluster_ca = embedded.Layout(state).pki / "ca.crt"
    root = f"https://127.0.0.1:{lab.bmc.redfish_port}/redfish/v1"
    assert requests.get(root, verify=str(cluster_ca), timeout=30).status_code == 200

    inspected = _wait(
        api, redfish_host.name, lambda s: s.get("provisioning", {}).get("state") == "available"
    )
    macs = {nic["mac"] for nic in inspected["status"]["hardware"]["nics"]}
    assert inspected["spec"]["bootMACAddress"] in macs
    assert inspected["status"]["hardware"]["cpu"]["arch"] == "x86_64"

    # The IPMI host has no out-of-band inventory: the deploy agent, booted over the network
    # through the lab's iPXE chain, reports it in-band.
    ipmi = _wait(
        api, ipmi_host.name, lambda s: s.get("provisioning", {}).get("state") == "available"
    )
    assert ipmi["status"]["goodCredentials"], "the IPMI BMC's credentials were accepted"
    hardware = ipmi["status"]["hardware"]
    assert len(hardware["storage"]) == len(ipmi_host.disks)
    pxe = [nic["mac"] for nic in hardware["nics"] if nic.get("pxe")]
    assert pxe == [ipmi["spec"]["bootMACAddress"]]

    api.patch_namespaced_custom_object(
        GROUP, VERSION, NAMESPACE, PLURAL, redfish_host.name, {"spec": {"online": True}}
    )
    _wait(api, redfish_host.name, lambda s: s.get("poweredOn") is True)

    shown = subprocess.run(
        [sys.executable, "-m", "lab.cli.main", "status", "--name", "full", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    status = json.loads(shown.stdout)
    assert status["managementCluster"]["ready"] is True
    assert status["controller"]["running"] is True
    assert [h["host"] for h in status["hosts"]] == [ipmi_host.name, redfish_host.name]

    again: list[str] = []
    lab_factory("full", config, lines=again, hardware_only=False)
    assert _host(api, redfish_host.name)["status"]["provisioning"]["state"] == "available"

    supervisor_pid = process.read_pid(embedded.Layout(state).supervisor_pid)
    assert supervisor_pid is not None
    lifecycle.down("full", progress=lambda _line: None)
    assert not process.alive(supervisor_pid)
    assert not state.exists()
