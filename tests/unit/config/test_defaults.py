"""Defaults and derived values: host counts, the mixed BMC cycle, stable MACs and UUIDs,
``--hosts`` overriding the file, settings falling back host → hostDefaults → built-in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostkit import errors
from lab.config import load, model

EXAMPLES = Path(__file__).parents[2] / "config-examples"


def test_the_built_in_lab_has_two_redfish_hosts_on_both_networks() -> None:
    lab = load.load(None, name="metallab")
    assert [h.name for h in lab.hosts] == ["node-0", "node-1"]
    assert {h.bmc for h in lab.hosts} == {model.BmcProtocol.REDFISH}
    assert lab.acceleration is model.Acceleration.AUTO
    host = lab.hosts[0]
    assert [n.network for n in host.nics] == [
        model.NetworkName.PROVISIONING,
        model.NetworkName.EXTERNAL,
    ]
    assert host.boot_mac == host.nics[0].mac
    assert (host.cpus, host.memory_mib, host.boot_mode) == (1, 1024, model.BootMode.LEGACY)
    assert str(lab.network(model.NetworkName.PROVISIONING).cidr) == "172.22.0.0/24"
    assert str(lab.network(model.NetworkName.EXTERNAL).cidr) == "192.168.111.0/24"
    assert (lab.bmc.ipmi_port_base, lab.bmc.redfish_port) == (6230, 8000)


def _claims(lab: model.Lab) -> set[str]:
    """What a lab takes on the host: its network ranges and its BMC ports."""
    first = lab.bmc.ipmi_port_base
    return (
        {str(net.cidr) for net in lab.networks}
        | {f"udp/{port}" for port in range(first, first + len(lab.hosts))}
        | {f"tcp/{lab.bmc.redfish_port}"}
    )


def test_labs_with_other_names_get_their_own_default_ranges_and_ports() -> None:
    default = _claims(load.load(None, name="metallab"))
    alpha, beta = load.load(None, name="alpha"), load.load(None, name="beta")
    assert alpha == load.load(None, name="alpha"), "derived from the name: stable"
    assert not _claims(alpha) & default
    assert not _claims(beta) & default
    assert not _claims(alpha) & _claims(beta)


def test_derived_defaults_stay_private_and_apart_for_many_names() -> None:
    for index in range(300):
        lab = load.load(None, name=f"lab{index}")  # validation: RFC 1918, no overlap
        assert lab.networks[0].cidr != lab.networks[1].cidr
        assert not str(lab.networks[0].cidr).startswith(("172.17.", "172.22.0."))


def test_a_lab_file_setting_ranges_and_ports_wins_over_the_name() -> None:
    lab = load.load(EXAMPLES / "valid-full.yaml", name="alpha")
    assert str(lab.network(model.NetworkName.PROVISIONING).cidr) == "10.10.0.0/24"
    assert (lab.bmc.ipmi_port_base, lab.bmc.redfish_port) == (7000, 7443)


def test_mixed_cycles_ipmi_redfish_virtualmedia() -> None:
    lab = load.load(EXAMPLES / "valid-count.yaml", name="mix")
    assert [h.bmc.value for h in lab.hosts] == [
        "ipmi",
        "redfish",
        "redfish-virtualmedia",
        "ipmi",
        "redfish",
        "redfish-virtualmedia",
    ]
    assert {(h.cpus, h.memory_mib) for h in lab.hosts} == {(2, 2048)}


def test_derived_identities_are_stable_and_distinct() -> None:
    one = load.load(None, name="alpha", hosts=4)
    again = load.load(None, name="alpha", hosts=4)
    other = load.load(None, name="beta", hosts=4)
    assert one == again
    macs = [nic.mac for host in one.hosts for nic in host.nics]
    assert len(set(macs)) == len(macs)
    assert all(mac.startswith("52:54:01:") for mac in macs)
    assert len({h.uuid for h in one.hosts}) == 4
    assert {h.uuid for h in one.hosts}.isdisjoint({h.uuid for h in other.hosts})


def test_hosts_flag_overrides_the_file() -> None:
    lab = load.load(EXAMPLES / "valid-full.yaml", name="x", hosts=3)
    assert [h.name for h in lab.hosts] == ["node-0", "node-1", "node-2"]
    assert {h.vendor for h in lab.hosts} == {"Contoso"}  # hostDefaults still apply


def test_a_host_setting_wins_over_host_defaults() -> None:
    lab = load.load(EXAMPLES / "valid-full.yaml", name="x")
    control, worker = lab.hosts
    assert control.boot_mode is model.BootMode.UEFI and control.memory_mib == 4096
    assert [d.size_gib for d in control.disks] == [50, 500]
    assert [d.rotational for d in control.disks] == [False, True]
    assert [d.size_gib for d in worker.disks] == [40]
    assert control.serial == "CZ1234" and worker.serial.startswith("ML")
    assert control.boot_mac == "00:16:3e:00:00:01"
    net = lab.network(model.NetworkName.PROVISIONING)
    assert net.pxe == model.Pxe(boot_file="boot.ipxe", tftp_root="/srv/tftp")


def test_a_negative_host_count_is_refused() -> None:
    with pytest.raises(errors.LabError, match="negative"):
        load.load(None, name="x", hosts=-1)


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(errors.LabError, match="expected a mapping, got a list"):
        load.load(path, name="x")


def test_canonical_json_tells_equal_labs_from_different_ones() -> None:
    two = load.load(None, name="a", hosts=2).to_json()
    assert two == load.load(None, name="a").to_json()
    assert two != load.load(None, name="a", hosts=3).to_json()
    assert two["hosts"][0]["nics"][0]["network"] == "provisioning"
