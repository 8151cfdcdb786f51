"""BMC addresses and the inventory: one Secret and one BareMetalHost per host, Metal3-shaped."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from lab import inventory
from lab.config import load
from lab.hardware import bmcs

EXAMPLES = Path(__file__).parents[2] / "config-examples"


def test_bmc_urls_follow_each_hosts_protocol() -> None:
    lab = load.load(EXAMPLES / "valid-count.yaml", name="metallab")
    urls = [bmcs.url(lab, host) for host in lab.hosts[:3]]
    assert urls == [
        "ipmi://127.0.0.1:6230",
        f"redfish+https://127.0.0.1:8000/redfish/v1/Systems/{lab.hosts[1].uuid}",
        f"redfish-virtualmedia+https://127.0.0.1:8000/redfish/v1/Systems/{lab.hosts[2].uuid}",
    ]
    assert bmcs.port(lab, lab.hosts[3]) == 6233


def test_passwords_are_made_once_kept_private_and_fit_ipmi(tmp_path: Path) -> None:
    lab = load.load(None, name="x", hosts=2)
    first = bmcs.access(tmp_path, lab)
    again = bmcs.access(tmp_path, lab)
    assert [a.password for a in first] == [a.password for a in again]
    assert len({a.password for a in first}) == 2
    assert all(1 <= len(a.password) <= 20 for a in first)
    assert first[0].password not in repr(first[0])
    mode = (tmp_path / "credentials.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_manifests_hold_a_secret_and_a_host_per_host(tmp_path: Path) -> None:
    lab = load.load(EXAMPLES / "valid-full.yaml", name="x")
    docs = inventory.manifests(lab, bmcs.access(tmp_path, lab))
    kinds = [d["kind"] for d in docs]
    assert kinds == ["Namespace", "Secret", "BareMetalHost", "Secret", "BareMetalHost"]
    bmh = docs[2]
    assert bmh["apiVersion"] == "metal3.io/v1alpha1"
    assert bmh["spec"]["bootMACAddress"] == "00:16:3e:00:00:01"
    assert bmh["spec"]["bootMode"] == "UEFI"
    assert bmh["spec"]["bmc"]["address"].startswith("redfish-virtualmedia+https://")
    assert bmh["spec"]["bmc"]["credentialsName"] == docs[1]["metadata"]["name"]
    # The lab's controller gets the lab CA (--bmc-ca-file): certificates are checked.
    assert "disableCertificateVerification" not in bmh["spec"]["bmc"]
    assert docs[4]["spec"]["bootMode"] == "legacy"
    path = inventory.write(tmp_path, docs)
    assert list(yaml.safe_load_all(path.read_text())) == docs
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
