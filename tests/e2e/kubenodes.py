"""Kubernetes nodes made of the node image on lab VMs, for the node image's e2e test and
benchmark: each host's disk becomes a copy-on-write overlay of the image, a config drive with
CABPK-shaped user data goes in as a SATA CD-ROM, and the host is powered on.

The control-plane endpoint is node-0's fixed DHCP lease on the provisioning network (the lab
gives every NIC a reservation before anything boots). The cluster CA is made here and handed
to kubeadm in the user data (as CABPK does), so the host can sign its own admin client
certificate and workers can pin the CA hash. Progress is read from each host's serial
console, which shows cloud-init's and kubeadm's output.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import socket
import string
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libvirt
import yaml

from hostkit import pki, ports, runner
from lab.config import model
from lab.hardware import layout, libvirtd, networks, pool
from lab.images.node import configdrive, userdata
from lab.mgmt import binaries

VCPUS = 2
MEMORY_MIB = 2560
DISK_GIB = 6


def lab_file(directory: Path, *, octet: int, hosts: int, cpus: int = VCPUS) -> Path:
    """Hosts sized for kubeadm (2 vCPUs, 2.5 GiB), one NIC; node-1 boots UEFI, node-0 BIOS."""
    host_list = [
        {"name": f"node-{index}", "bootMode": "uefi" if index % 2 else "legacy"}
        for index in range(hosts)
    ]
    spec = {
        "acceleration": "tcg",
        "networks": {
            "provisioning": {"cidr": f"10.{octet}.0.0/24"},
            "external": {"cidr": f"10.{octet + 1}.0.0/24"},
        },
        "bmc": {
            "protocol": "ipmi",
            "redfishPort": ports.free(),
            "ipmiPortBase": ports.free(socket.SOCK_DGRAM),
        },
        "hostDefaults": {
            "cpus": cpus,
            "memoryMiB": MEMORY_MIB,
            "disks": [{"sizeGiB": DISK_GIB}],
            "nics": [{"network": "provisioning"}],
        },
        "hosts": host_list,
    }
    path = directory / f"kube-{octet}.yaml"
    path.write_text(
        yaml.safe_dump({"apiVersion": model.API_VERSION, "kind": model.KIND, "spec": spec})
    )
    return path


def address(lab: model.Lab, host: model.Host) -> ipaddress.IPv4Address:
    return networks.address(lab, host, host.nics[0])


@dataclass(frozen=True)
class Cluster:
    spec: userdata.Cluster
    kubeconfig: Path


def cluster(lab: model.Lab, directory: Path) -> Cluster:
    """A CA, a bootstrap token and an admin kubeconfig for a cluster whose endpoint is node-0."""
    ca = pki.ensure_ca(
        pki.Pair(directory / "ca.crt", directory / "ca.key"), common_name="kubernetes"
    )
    admin = pki.issue(
        ca,
        pki.Pair(directory / "admin.crt", directory / "admin.key"),
        common_name="metallab-e2e",
        organization="system:masters",
        usage=pki.Usage.CLIENT,
        validity=datetime.timedelta(days=1),
    )
    alphabet = string.ascii_lowercase + string.digits
    token = (
        "".join(secrets.choice(alphabet) for _ in range(6))
        + "."
        + "".join(secrets.choice(alphabet) for _ in range(16))
    )
    endpoint = address(lab, lab.hosts[0])
    spec = userdata.Cluster(
        kubernetes_version=binaries.kubernetes_version(),
        endpoint=endpoint,
        ca_cert_pem=ca.cert.read_text(),
        ca_key_pem=ca.key.read_text(),
        token=token,
    )
    kubeconfig = directory / "admin.conf"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "nodes",
                        "cluster": {
                            "server": f"https://{endpoint}:{userdata.API_PORT}",
                            "certificate-authority": str(ca.cert),
                        },
                    }
                ],
                "users": [
                    {
                        "name": "admin",
                        "user": {
                            "client-certificate": str(admin.cert),
                            "client-key": str(admin.key),
                        },
                    }
                ],
                "contexts": [{"name": "nodes", "context": {"cluster": "nodes", "user": "admin"}}],
                "current-context": "nodes",
            }
        )
    )
    return Cluster(spec, kubeconfig)


def node(lab: model.Lab, index: int) -> userdata.Node:
    """Node ``index``'s pod /24 and a route to every other host's /24."""
    peers = tuple(
        (other, address(lab, host)) for other, host in enumerate(lab.hosts) if other != index
    )
    return userdata.Node(index, address(lab, lab.hosts[index]), peers)


def provision(lab: model.Lab, state: Path, host: model.Host, image: Path, user_data: str) -> None:
    """Give ``host`` the image as its disk and a config drive, then power it on."""
    disk = layout.pool_dir(state) / pool.volume_name(host, 0)
    disk.unlink()
    runner.run(
        [
            "qemu-img",
            "create",
            "-q",
            "-f",
            "qcow2",
            "-F",
            "qcow2",
            "-b",
            str(image),
            str(disk),
            f"{DISK_GIB}G",
        ]
    )
    iso = configdrive.write(
        state / f"{host.name}-config-2.iso",
        userdata.meta_data(host.name, host.uuid, address(lab, host)),
        user_data,
    )
    cdrom = (
        "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
        f"<source file='{iso}'/><target dev='sdz' bus='sata'/><readonly/></disk>"
    )
    conn = libvirtd.connect(state)
    try:
        conn.storagePoolLookupByName(pool.POOL).refresh()
        domain = conn.lookupByName(host.name)
        domain.attachDeviceFlags(cdrom, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        domain.create()
    finally:
        conn.close()


def console(state: Path, host: model.Host) -> str:
    path = layout.console_log(state, host.name)
    return path.read_text(errors="replace") if path.exists() else ""


def kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    binary = binaries.ensure().path("kubectl")
    done = runner.run(
        [str(binary), "--kubeconfig", str(kubeconfig), "--request-timeout=20s", *args],
        stdin=stdin,
        timeout=60,
    )
    return done.stdout


def ready_nodes(kubeconfig: Path) -> dict[str, dict[str, Any]]:
    """Nodes whose Ready condition is True, by name (empty while the API is unreachable)."""
    try:
        listing = json.loads(kubectl(kubeconfig, "get", "nodes", "-o", "json"))
    except runner.CommandError:
        return {}
    ready = {}
    for item in listing["items"]:
        conditions = {c["type"]: c["status"] for c in item["status"].get("conditions", [])}
        if conditions.get("Ready") == "True":
            ready[item["metadata"]["name"]] = item
    return ready


class KubeadmFailed(AssertionError):
    """kubeadm gave up on a node: the message holds its ``[ERROR …]`` lines and the phase."""

    def __init__(self, host: str, console_text: str) -> None:
        lines = [
            line.split("]: ", 1)[-1] if "cloud-init[" in line else line
            for line in console_text.splitlines()
            if "[ERROR" in line or "error execution phase" in line
        ]
        super().__init__(f"kubeadm failed on {host}: " + " | ".join(lines))


@dataclass
class Timeline:
    """When each console marker of a host was first seen, in seconds since power-on."""

    started: float
    seen: dict[str, float]


def wait_ready(
    kubeconfig: Path,
    state: Path,
    host: model.Host,
    markers: dict[str, str],
    *,
    started: float,
    timeout: float,
) -> Timeline:
    """Poll until ``host`` is a Ready node and every console marker has appeared, noting when
    each did; a failed kubeadm step raises ``KubeadmFailed`` at once, a timeout fails with the
    console's last lines."""
    timeline = Timeline(started, {})
    deadline = started + timeout
    last_poll = 0.0
    while time.monotonic() < deadline:
        text = console(state, host)
        for name, marker in markers.items():
            if name not in timeline.seen and marker in text:
                timeline.seen[name] = time.monotonic() - started
        if "error execution phase" in text:
            raise KubeadmFailed(host.name, text)
        if time.monotonic() - last_poll >= 5:
            last_poll = time.monotonic()
            if "ready" not in timeline.seen and host.name in ready_nodes(kubeconfig):
                timeline.seen["ready"] = time.monotonic() - started
        if "ready" in timeline.seen and set(markers) <= set(timeline.seen):
            return timeline
        time.sleep(1)
    tail = "\n".join(console(state, host).splitlines()[-25:])
    raise AssertionError(f"{host.name} not Ready after {timeout:.0f}s; console tail:\n{tail}")


CONTROL_PLANE_MARKERS = {
    "systemd": "Debian GNU/Linux 13 (trixie)",
    "cloud-init": "Cloud-init v. ",
    "kubeadm-preflight": "[preflight] Running pre-flight checks",
    "kubelet-start": "[kubelet-start] Starting the kubelet",
    "control-plane-healthy": "[control-plane-check] kube-apiserver is healthy",
    "kubeadm-init-done": "Your Kubernetes control-plane has initialized successfully",
}
WORKER_MARKERS = {
    "systemd": "Debian GNU/Linux 13 (trixie)",
    "cloud-init": "Cloud-init v. ",
    "kubeadm-preflight": "[preflight] Running pre-flight checks",
    "kubelet-start": "[kubelet-start] Starting the kubelet",
    "kubeadm-join-done": "This node has joined the cluster",
}


def init_user_data(lab: model.Lab, cluster: Cluster) -> str:
    return userdata.init(cluster.spec, node(lab, 0))


def join_user_data(lab: model.Lab, cluster: Cluster) -> str:
    return userdata.join(cluster.spec, node(lab, 1))
