"""``metallab up``/``down`` on real hardware: idempotent up, a clear refusal of a changed lab,
a down that leaves nothing behind (namespace, links, lab and BMC processes, files), two labs side
by side (also with name-derived defaults), a libvirtd restarted after a crash, and bad input that
makes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest
import requests
import yaml

from hostkit import errors, process, runner
from lab import paths
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


def _bmc_pids(state: Path) -> dict[str, int]:
    """The supervisor's and every BMC's PID (they run in the host namespace)."""
    root = state / "bmc"
    found = {path.parent.name: process.read_pid(path) for path in root.glob("*/pid")}
    found["supervisor"] = process.read_pid(root / "supervisor.pid")
    return {name: pid for name, pid in found.items() if pid is not None}


def _lab_links(name: str) -> list[str]:
    """Host-namespace links that belong to lab ``name``: its veths (by name or alias), any
    bridge or tap (those must stay inside the namespace)."""
    links = json.loads(runner.run(["ip", "-j", "link"]).stdout)
    veths = {layout.veth_host(name, net) for net in model.NetworkName}
    return [
        link["ifname"]
        for link in links
        if link["ifname"] in veths
        or link.get("ifalias", "").startswith(f"metallab:{name}:")
        or link["ifname"].startswith(("ml-", "vnet"))
    ]


def test_down_leaves_no_namespace_interface_process_or_file(
    lab_factory: conftest.LabFactory, tmp_path: Path, home: Path
) -> None:
    config = conftest.lab_file(tmp_path, octet=247, hosts=2, protocol="mixed")
    lab = lab_factory("gone", config)
    state = paths.lab_dir("gone")
    conn = libvirtd.connect(state)
    try:
        conn.lookupByName(lab.hosts[0].name).create()  # a running qemu must go too
    finally:
        conn.close()
    pids = netns.pids("gone")
    assert len(pids) >= 4  # libvirtd, virtlogd, dnsmasq, qemu
    bmc_pids = _bmc_pids(state)
    # An IPMI BMC, the Redfish emulator and their supervisor, all alive.
    assert {"supervisor", f"ipmi-{lab.hosts[0].name}"} <= set(bmc_pids), bmc_pids
    assert any(name.startswith("redfish-") for name in bmc_pids), bmc_pids
    assert all(process.alive(pid) for pid in bmc_pids.values())
    veths = {layout.veth_host("gone", net) for net in model.NetworkName}
    assert veths <= _host_links()
    # Bridges and the VMs' taps live only in the lab's namespace.
    assert sorted(_lab_links("gone")) == sorted(veths)

    lifecycle.down("gone", progress=lambda _line: None)

    assert layout.netns("gone") not in _netns_names()
    assert not _lab_links("gone")
    assert not [pid for pid in pids if process.alive(pid)]
    assert not {name: pid for name, pid in bmc_pids.items() if process.alive(pid)}
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


def test_two_labs_left_to_their_name_defaults_coexist(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    """Neither lab file sets networks or BMC ports: each lab's come from its name."""
    (tmp_path / "east").mkdir()
    (tmp_path / "west").mkdir()
    east_file = conftest.lab_file(
        tmp_path / "east", octet=0, protocol="redfish", name_defaults=True
    )
    west_file = conftest.lab_file(
        tmp_path / "west", octet=0, protocol="redfish", name_defaults=True
    )
    east, west = lab_factory("east", east_file), lab_factory("west", west_file)
    assert {str(n.cidr) for n in east.networks}.isdisjoint(str(n.cidr) for n in west.networks)
    assert east.bmc.redfish_port != west.bmc.redfish_port
    for lab in (east, west):
        # Each lab's BMC answers on its own port, with its own certificate.
        ca = lifecycle.lab_ca(paths.lab_dir(lab.name))
        answer = requests.get(
            f"https://127.0.0.1:{lab.bmc.redfish_port}/redfish/v1", verify=str(ca.cert), timeout=30
        )
        assert answer.status_code == 200
        # The host side of each lab's provisioning network carries that lab's range.
        veth = layout.veth_host(lab.name, model.NetworkName.PROVISIONING)
        shown = json.loads(runner.run(["ip", "-j", "-4", "addr", "show", "dev", veth]).stdout)
        net = lab.network(model.NetworkName.PROVISIONING)
        assert [a["local"] for a in shown[0]["addr_info"]] == [str(net.host_address)]


def test_libvirtd_restarts_after_it_alone_crashed(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    """virtlogd keeps running (it holds the guests' consoles); a second ``up`` starts a new
    libvirtd next to it, which finds the running guest again."""
    config = conftest.lab_file(tmp_path, octet=239, hosts=1)
    lab = lab_factory("crash", config)
    state = paths.lab_dir("crash")
    conn = libvirtd.connect(state)
    try:
        conn.lookupByName(lab.hosts[0].name).create()
        running = conn.lookupByName(lab.hosts[0].name).ID()
    finally:
        conn.close()
    virtlogd = process.read_pid(layout.virtlogd_pid(state))
    crashed = process.read_pid(layout.libvirtd_pid(state))
    assert virtlogd is not None and crashed is not None
    os.kill(crashed, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while process.alive(crashed) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not libvirtd.running(state)

    lab_factory("crash", config)

    assert libvirtd.running(state)
    assert process.read_pid(layout.libvirtd_pid(state)) != crashed
    assert process.read_pid(layout.virtlogd_pid(state)) == virtlogd
    conn = libvirtd.connect(state)
    try:
        assert conn.lookupByName(lab.hosts[0].name).ID() == running
    finally:
        conn.close()


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
