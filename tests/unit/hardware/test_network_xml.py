"""The lab networks' libvirt XML: isolated bridges, DHCP range, fixed leases, PXE boot file."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from lab.config import load, model
from lab.hardware import layout, networks

EXAMPLES = Path(__file__).parents[2] / "config-examples"


def test_an_isolated_bridge_with_a_fixed_lease_per_nic() -> None:
    lab = load.load(None, name="metallab", hosts=3)
    net = lab.network(model.NetworkName.PROVISIONING)
    root = ET.fromstring(networks.xml(lab, net))
    assert root.find("forward") is None  # no NAT, no route out of the lab
    assert root.find("bridge").get("name") == layout.bridge(net.name)  # type: ignore[union-attr]
    ip = root.find("ip")
    assert ip is not None and ip.get("address") == "172.22.0.1"
    leases = [(h.get("mac"), h.get("ip")) for h in root.findall("ip/dhcp/host")]
    assert leases == [(host.nics[0].mac, f"172.22.0.{10 + i}") for i, host in enumerate(lab.hosts)]
    assert root.find("ip/dhcp/bootp") is None


def test_pxe_settings_become_tftp_root_and_bootp_file() -> None:
    lab = load.load(EXAMPLES / "valid-full.yaml", name="x")
    root = ET.fromstring(networks.xml(lab, lab.network(model.NetworkName.PROVISIONING)))
    assert root.find("ip/tftp").get("root") == "/srv/tftp"  # type: ignore[union-attr]
    assert root.find("ip/dhcp/bootp").get("file") == "boot.ipxe"  # type: ignore[union-attr]
    external = ET.fromstring(networks.xml(lab, lab.network(model.NetworkName.EXTERNAL)))
    assert external.find("ip/dhcp/bootp") is None


def test_interface_names_fit_the_kernel_and_differ_between_labs() -> None:
    names = {
        layout.veth_host(lab, net)
        for lab in ("a", "b", "a-much-longer-x")
        for net in model.NetworkName
    }
    assert len(names) == 6
    assert all(len(name) <= 15 for name in names)
    assert all(len(layout.bridge(net)) <= 15 for net in model.NetworkName)


@pytest.mark.parametrize(
    ("prefix", "local_ptr"), [(8, "yes"), (16, "yes"), (24, "yes"), (26, None), (28, None)]
)
def test_reverse_lookups_are_local_only_where_libvirt_can_name_the_zone(
    prefix: int, local_ptr: str | None
) -> None:
    networks_doc = {
        "provisioning": {"cidr": f"10.0.0.0/{prefix}"},
        "external": {"cidr": "192.168.200.0/24"},
    }
    document = {
        "apiVersion": model.API_VERSION,
        "kind": model.KIND,
        "spec": {"networks": networks_doc, "hosts": 1},
    }
    lab = load.build(document, name="x")
    root = ET.fromstring(networks.xml(lab, lab.network(model.NetworkName.PROVISIONING)))
    assert root.find("ip").get("localPtr") == local_ptr  # type: ignore[union-attr]


def test_without_a_boot_file_ipxe_clients_on_provisioning_chain_to_the_conductor() -> None:
    lab = load.load(None, name="metallab", hosts=1)
    chain = "http://172.22.0.2:8000/boot.ipxe"
    prov = lab.network(model.NetworkName.PROVISIONING)
    root = ET.fromstring(networks.xml(lab, prov, chain_url=chain))
    assert root.find("ip/dhcp/bootp").get("file") == chain  # type: ignore[union-attr]
    external = lab.network(model.NetworkName.EXTERNAL)
    assert ET.fromstring(networks.xml(lab, external, chain_url=chain)).find("ip/dhcp/bootp") is None


def test_a_boot_file_from_the_lab_file_wins_over_the_chain_script() -> None:
    lab = load.load(EXAMPLES / "valid-full.yaml", name="x")
    prov = lab.network(model.NetworkName.PROVISIONING)
    root = ET.fromstring(networks.xml(lab, prov, chain_url="http://10.0.0.2:1/boot.ipxe"))
    assert root.find("ip/dhcp/bootp").get("file") == "boot.ipxe"  # type: ignore[union-attr]
