"""User data in CABPK's shape: Jinja cloud-config whose kubeadm configuration, once cloud-init
renders it with the config drive's meta_data, names the node and labels it with its UUID."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import subprocess
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from hostkit import pki
from lab.images.node import userdata

CP = ipaddress.IPv4Address("10.236.0.10")
WORKER = ipaddress.IPv4Address("10.236.0.11")


@pytest.fixture
def cluster(tmp_path: Path) -> userdata.Cluster:
    ca = pki.ensure_ca(pki.Pair(tmp_path / "ca.crt", tmp_path / "ca.key"), common_name="k8s")
    return userdata.Cluster(
        "v1.35.4", CP, ca.cert.read_text(), ca.key.read_text(), "abcdef.0123456789abcdef"
    )


def _render(text: str, meta: dict[str, object]) -> dict[str, Any]:
    """What cloud-init does with a ``## template: jinja`` part: render the whole text with
    ``ds.meta_data``, then read the cloud-config."""
    header, _, body = text.partition("\n")
    assert header == "## template: jinja"
    assert body.startswith("#cloud-config\n")
    rendered = jinja2.Template(body).render(ds={"meta_data": meta})
    return yaml.safe_load(rendered)  # type: ignore[no-any-return]


def _file(config: dict[str, Any], path: str) -> str:
    for item in config["write_files"]:
        if item["path"] == path:
            if item.get("encoding") == "b64":
                return base64.b64decode(item["content"]).decode()
            return item["content"]  # type: ignore[no-any-return]
    raise AssertionError(f"no {path}")


def test_init_writes_the_ca_kubeadm_config_and_cni_then_runs_kubeadm_init(
    cluster: userdata.Cluster,
) -> None:
    meta = userdata.meta_data("node-0", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", CP)
    node = userdata.Node(0, CP, ((1, WORKER),))
    config = _render(userdata.init(cluster, node), meta)
    assert _file(config, "/etc/kubernetes/pki/ca.key") == cluster.ca_key_pem
    init, cluster_config = yaml.safe_load_all(_file(config, userdata.KUBEADM_CONFIG))
    assert init["kind"] == "InitConfiguration"
    registration = init["nodeRegistration"]
    assert registration["name"] == "node-0"
    assert registration["imagePullPolicy"] == "Never"
    assert {
        "name": "node-labels",
        "value": "metal3.io/uuid=1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    } in registration["kubeletExtraArgs"]
    assert {"name": "node-ip", "value": str(CP)} in registration["kubeletExtraArgs"]
    assert cluster_config["controlPlaneEndpoint"] == f"{CP}:6443"
    assert cluster_config["kubernetesVersion"] == "v1.35.4"
    cni = json.loads(_file(config, userdata.CNI_CONFIG))
    assert cni["plugins"][0]["ipam"]["ranges"] == [[{"subnet": "10.244.0.0/24"}]]
    assert config["runcmd"] == [
        f"ip route replace 10.244.1.0/24 via {WORKER}",
        "mkdir -p /run/cluster-api",
        "kubeadm init --config /run/kubeadm/kubeadm.yaml "
        "&& echo success > /run/cluster-api/bootstrap-success.complete",
    ]


def test_join_pins_the_ca_and_routes_to_the_control_plane(cluster: userdata.Cluster) -> None:
    meta = userdata.meta_data("node-1", "u-1", WORKER)
    config = _render(userdata.join(cluster, userdata.Node(1, WORKER, ((0, CP),))), meta)
    join = yaml.safe_load(_file(config, userdata.KUBEADM_CONFIG))
    token = join["discovery"]["bootstrapToken"]
    assert token["apiServerEndpoint"] == f"{CP}:6443"
    assert token["caCertHashes"] == [userdata.ca_cert_hash(cluster.ca_cert_pem)]
    assert json.loads(_file(config, userdata.CNI_CONFIG))["plugins"][0]["ipam"]["ranges"] == [
        [{"subnet": "10.244.1.0/24"}]
    ]
    assert config["runcmd"][0] == f"ip route replace 10.244.0.0/24 via {CP}"
    assert config["runcmd"][-1].startswith("kubeadm join --config /run/kubeadm/kubeadm.yaml")


def test_ca_cert_hash_is_what_openssl_computes(cluster: userdata.Cluster, tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    pem.write_text(cluster.ca_cert_pem)
    public = subprocess.run(
        ["openssl", "x509", "-in", str(pem), "-pubkey", "-noout"], capture_output=True, check=True
    ).stdout
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "DER"],
        input=public,
        capture_output=True,
        check=True,
    ).stdout
    assert userdata.ca_cert_hash(cluster.ca_cert_pem) == "sha256:" + hashlib.sha256(der).hexdigest()
