"""Lab networks smaller than a /24 start in a real libvirtd (issue 12: libvirt refused their
reverse-lookup zone mid-``up``). Uses the private libvirtd of the BMC tests; each network is
removed again.
"""

from __future__ import annotations

import pytest

from lab.config import load, model
from lab.hardware import libvirtd, networks
from tests.integration.vbmc.conftest import LibvirtLab


@pytest.mark.parametrize("prefix", [26, 28])
def test_a_small_provisioning_network_starts(libvirt_lab: LibvirtLab, prefix: int) -> None:
    document = {
        "apiVersion": model.API_VERSION,
        "kind": model.KIND,
        "spec": {
            "networks": {
                "provisioning": {"cidr": f"10.123.45.0/{prefix}"},
                "external": {"cidr": "10.123.46.0/24"},
            },
            "hosts": 2,
        },
    }
    lab = load.build(document, name="x")
    conn = libvirtd.connect(libvirt_lab.state)
    try:
        net = lab.network(model.NetworkName.PROVISIONING)
        networks.ensure(conn, lab, net)
        try:
            assert conn.networkLookupByName(net.name.value).isActive()
        finally:
            networks.remove(conn, net.name)
    finally:
        conn.close()
