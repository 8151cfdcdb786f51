"""Cloud-config in the shape Cluster API's kubeadm bootstrap provider (CABPK) writes: Jinja
(``## template: jinja``), ``write_files`` with the cluster CA, the kubeadm configuration at
``/run/kubeadm/kubeadm.yaml`` and the node's CNI configuration, then ``runcmd`` with
``kubeadm init --config …`` or ``kubeadm join --config …`` and CABPK's success marker.

The node name and the ``metal3.io/uuid`` kubelet label come from the config drive's
``meta_data`` (``{{ ds.meta_data.name }}``, ``{{ ds.meta_data.uuid }}``), as in Metal3's
templates. Pod networking needs no daemonset: each node gets a bridge + host-local /24 of the
pod subnet and a route to every other node's /24 through that node's address. Called by the
node image's e2e tests and benchmark.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

POD_SUBNET = ipaddress.IPv4Network("10.244.0.0/16")
SERVICE_SUBNET = "10.96.0.0/12"
API_PORT = 6443
KUBEADM_CONFIG = "/run/kubeadm/kubeadm.yaml"
CNI_CONFIG = "/etc/cni/net.d/10-metallab.conflist"
SUCCESS = "/run/cluster-api/bootstrap-success.complete"
API = "kubeadm.k8s.io/v1beta4"


@dataclass(frozen=True)
class Cluster:
    """What every node's user data shares: version, endpoint, CA and bootstrap token."""

    kubernetes_version: str
    endpoint: ipaddress.IPv4Address
    ca_cert_pem: str
    ca_key_pem: str
    token: str


@dataclass(frozen=True)
class Node:
    """One node's place in the pod network: its index picks its /24; peers get routes."""

    index: int
    address: ipaddress.IPv4Address
    peers: tuple[tuple[int, ipaddress.IPv4Address], ...] = ()


def pod_cidr(index: int) -> ipaddress.IPv4Network:
    return list(POD_SUBNET.subnets(new_prefix=24))[index]


def ca_cert_hash(ca_cert_pem: str) -> str:
    """``sha256:<hex>`` of the CA's public key (``--discovery-token-ca-cert-hash``)."""
    cert = x509.load_pem_x509_certificate(ca_cert_pem.encode())
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


def cni_conflist(node: Node) -> str:
    bridge = {
        "type": "bridge",
        "bridge": "cni0",
        "isGateway": True,
        "ipMasq": False,
        "hairpinMode": True,
        "ipam": {
            "type": "host-local",
            "ranges": [[{"subnet": str(pod_cidr(node.index))}]],
            "routes": [{"dst": "0.0.0.0/0"}],
        },
    }
    conflist = {
        "cniVersion": "1.0.0",
        "name": "metallab",
        "plugins": [bridge, {"type": "portmap", "capabilities": {"portMappings": True}}],
    }
    return json.dumps(conflist, indent=2) + "\n"


def _node_registration() -> dict[str, object]:
    return {
        "name": "{{ ds.meta_data.name }}",
        "criSocket": "unix:///run/containerd/containerd.sock",
        "imagePullPolicy": "Never",
        "kubeletExtraArgs": [
            {"name": "node-labels", "value": "metal3.io/uuid={{ ds.meta_data.uuid }}"},
            {"name": "node-ip", "value": "{{ ds.meta_data.meta.node_ip }}"},
        ],
    }


def _init_config(cluster: Cluster, node: Node) -> str:
    endpoint = f"{cluster.endpoint}:{API_PORT}"
    init = {
        "apiVersion": API,
        "kind": "InitConfiguration",
        "bootstrapTokens": [{"token": cluster.token, "ttl": "2h"}],
        "localAPIEndpoint": {"advertiseAddress": str(node.address), "bindPort": API_PORT},
        "nodeRegistration": _node_registration(),
        # under software emulation the static pods take minutes to turn healthy
        "timeouts": {"controlPlaneComponentHealthCheck": "15m0s", "kubeletHealthCheck": "10m0s"},
    }
    config = {
        "apiVersion": API,
        "kind": "ClusterConfiguration",
        "kubernetesVersion": cluster.kubernetes_version,
        "controlPlaneEndpoint": endpoint,
        "networking": {"podSubnet": str(POD_SUBNET), "serviceSubnet": SERVICE_SUBNET},
        "apiServer": {"certSANs": [str(cluster.endpoint)]},
        # no kube-proxy (its single-binary image has no iptables) and no CoreDNS: pod-to-pod
        # traffic needs neither, and under TCG every saved process counts
        "proxy": {"disabled": True},
        "dns": {"disabled": True},
    }
    return yaml.safe_dump_all([init, config], sort_keys=False)


def _join_config(cluster: Cluster) -> str:
    join = {
        "apiVersion": API,
        "kind": "JoinConfiguration",
        "discovery": {
            "bootstrapToken": {
                "apiServerEndpoint": f"{cluster.endpoint}:{API_PORT}",
                "token": cluster.token,
                "caCertHashes": [ca_cert_hash(cluster.ca_cert_pem)],
            }
        },
        "nodeRegistration": _node_registration(),
        "timeouts": {"discovery": "15m0s", "tlsBootstrap": "15m0s"},
    }
    return yaml.safe_dump(join, sort_keys=False)


def _file(path: str, content: str, permissions: str) -> dict[str, str]:
    encoded = base64.b64encode(content.encode()).decode()
    return {
        "path": path,
        "owner": "root:root",
        "permissions": permissions,
        "encoding": "b64",
        "content": encoded,
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, as CABPK writes them: a folded line could split a
    Jinja expression."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def _cloud_config(files: Sequence[dict[str, str]], commands: Sequence[str]) -> str:
    document = {"write_files": list(files), "runcmd": list(commands)}
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000)
    return "## template: jinja\n#cloud-config\n" + body


def _routes(node: Node) -> list[str]:
    return [f"ip route replace {pod_cidr(index)} via {via}" for index, via in node.peers]


def init(cluster: Cluster, node: Node) -> str:
    """User data of the first control-plane node: ``kubeadm init``."""
    files = [
        _file("/etc/kubernetes/pki/ca.crt", cluster.ca_cert_pem, "0640"),
        _file("/etc/kubernetes/pki/ca.key", cluster.ca_key_pem, "0600"),
        {
            "path": KUBEADM_CONFIG,
            "owner": "root:root",
            "permissions": "0640",
            "content": _init_config(cluster, node),
        },
        _file(CNI_CONFIG, cni_conflist(node), "0644"),
    ]
    command = f"kubeadm init --config {KUBEADM_CONFIG} && echo success > {SUCCESS}"
    return _cloud_config(files, [*_routes(node), "mkdir -p /run/cluster-api", command])


def join(cluster: Cluster, node: Node) -> str:
    """User data of a worker: ``kubeadm join``."""
    files = [
        {
            "path": KUBEADM_CONFIG,
            "owner": "root:root",
            "permissions": "0640",
            "content": _join_config(cluster),
        },
        _file(CNI_CONFIG, cni_conflist(node), "0644"),
    ]
    command = f"kubeadm join --config {KUBEADM_CONFIG} && echo success > {SUCCESS}"
    return _cloud_config(files, [*_routes(node), "mkdir -p /run/cluster-api", command])


def meta_data(name: str, uuid: str, address: ipaddress.IPv4Address) -> dict[str, object]:
    """An OpenStack ``meta_data.json`` for ``name``; the user-set ``meta.node_ip`` pins the
    kubelet's address (lab networks have no default route for it to guess from)."""
    return {
        "uuid": uuid,
        "name": name,
        "hostname": name,
        "launch_index": 0,
        "availability_zone": "metallab",
        "meta": {"node_ip": str(address)},
    }
