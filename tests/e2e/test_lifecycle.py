"""``metallab up``/``down`` on real hardware: idempotent up, a clear refusal of a changed lab,
a down that leaves nothing behind, two labs side by side, and bad input that makes nothing.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

from lab import errors, paths, process, runner
from lab import up as lifecycle
from lab.config import model
from lab.hardware import layout, libvirtd, netns
from tests.e2e import conftest


def _netns_names() -> set[str]:
    out = runner.run(["ip", "-j", "netns", "list"]).stdout
    return {entry["name"] for entry in json.loads(out or "[]")}


def _host_links() -> set[str]:
    return {link["ifname"] for link in json.loads(runner.run(["ip", "-j", "link"]).stdout)}


def _snapshot(name: str) -> dict[str, object]:
    state = paths.lab_dir(name)
    conn = libvirtd.connect(state)
    try:
        return {
            "domains": sorted((d.name(), d.UUIDString()) for d in conn.listAllDomains()),
            "volumes": sorted(conn.storagePoolLookupByName("default").listVolumes()),
            "networks": sorted(conn.listNetworks()),
            "libvirtd": process.read_pid(layout.libvirtd_pid(state)),
        }
    finally:
        conn.close()


def test_up_twice_is_idempotent(lab_factory: conftest.LabFactory, tmp_path: Path) -> None:
    config = conftest.lab_file(tmp_path, octet=243, hosts=2)
    lines: list[str] = []
    lab_factory("twice", config, lines=lines)
    first = _snapshot("twice")
    inventory = layout.inventory(paths.lab_dir("twice")).read_text()
    lab_factory("twice", config, lines=lines)
    assert _snapshot("twice") == first
    assert layout.inventory(paths.lab_dir("twice")).read_text() == inventory
    assert first["domains"] and len(first["volumes"]) == 2  # type: ignore[arg-type]
    assert all(line.startswith("✓ ") and line.endswith("s)") for line in lines)


def test_a_second_up_with_another_config_fails_and_keeps_the_lab(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    lab_factory("changed", conftest.lab_file(tmp_path, octet=245, hosts=1))
    before = _snapshot("changed")
    bigger = conftest.lab_file(tmp_path, octet=245, hosts=2)
    with pytest.raises(errors.LabError, match="already up with a different configuration"):
        lifecycle.up(lifecycle.Options(name="changed", config=bigger, hardware_only=True))
    assert _snapshot("changed") == before


def test_down_leaves_no_namespace_interface_process_or_file(
    lab_factory: conftest.LabFactory, tmp_path: Path, home: Path
) -> None:
    lab = lab_factory("gone", conftest.lab_file(tmp_path, octet=247, hosts=1))
    state = paths.lab_dir("gone")
    conn = libvirtd.connect(state)
    try:
        conn.lookupByName(lab.hosts[0].name).create()  # a running qemu must go too
    finally:
        conn.close()
    pids = netns.pids("gone")
    assert len(pids) >= 4  # libvirtd, virtlogd, dnsmasq, qemu
    veths = {layout.veth_host("gone", net) for net in model.NetworkName}
    assert veths <= _host_links()
    # Bridges and the VMs' taps live only in the lab's namespace.
    assert not [link for link in _host_links() if link.startswith(("ml-", "vnet"))]

    lifecycle.down("gone", progress=lambda _line: None)

    assert layout.netns("gone") not in _netns_names()
    assert not veths & _host_links()
    assert not any(link.startswith("ml-") for link in _host_links())  # bridges stayed inside
    assert not [pid for pid in pids if process.alive(pid)]
    assert not state.exists()
    lifecycle.down("gone", progress=lambda _line: None)  # idempotent


def test_two_labs_with_different_names_coexist(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    lab_factory("left", conftest.lab_file(tmp_path, octet=249, hosts=1))
    lab_factory("right", conftest.lab_file(tmp_path, octet=251, hosts=1))
    left, right = _snapshot("left"), _snapshot("right")
    assert left["libvirtd"] != right["libvirtd"]
    lifecycle.down("left", progress=lambda _line: None)
    assert _snapshot("right") == right


def test_a_taken_bmc_port_is_refused_before_anything_is_made(home: Path, tmp_path: Path) -> None:
    config = conftest.lab_file(tmp_path, octet=253, hosts=1, protocol="redfish")
    port = yaml.safe_load(config.read_text())["spec"]["bmc"]["redfishPort"]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        with pytest.raises(errors.LabError, match=f"BMC port 127.0.0.1:{port}/tcp is taken"):
            lifecycle.up(lifecycle.Options(name="taken", config=config, hardware_only=True))
    assert layout.netns("taken") not in _netns_names()
    assert not paths.lab_dir("taken").exists()
