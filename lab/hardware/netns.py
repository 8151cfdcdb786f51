"""The lab's network namespace and the veth pairs that let the host side reach lab networks.

Called by ``lab.up`` (create) and ``lab.down`` (remove). Everything the lab's VMs can reach
lives inside the namespace; the host namespace only gains one veth end per lab network, with
the network's host address (``.2``), and refuses to add one whose range the host already routes.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from pathlib import Path

from hostkit import errors, runner
from lab.config import model
from lab.hardware import layout

log = logging.getLogger(__name__)


def _ip(*args: str, netns: str | None = None, check: bool = True) -> str:
    ip = runner.require("ip", package="iproute2")
    argv = [ip, *(["-n", netns] if netns else []), *args]
    return runner.run(argv, check=check, timeout=30).stdout


def exists(name: str) -> bool:
    return Path("/run/netns", name).exists()


def create(lab: str) -> None:
    name = layout.netns(lab)
    if not exists(name):
        _ip("netns", "add", name)
    _ip("link", "set", "lo", "up", netns=name)


def pids(lab: str) -> list[int]:
    """Every process whose network namespace is the lab's (daemons, dnsmasq, qemu)."""
    name = layout.netns(lab)
    if not exists(name):
        return []
    out = _ip("netns", "pids", name, check=False)
    return [int(word) for word in out.split()]


def remove(lab: str) -> None:
    name = layout.netns(lab)
    if exists(name):
        _ip("netns", "del", name)


def host_links() -> set[str]:
    return {link["ifname"] for link in json.loads(_ip("-j", "link", "show") or "[]")}


def check_route(net: model.Network, *, own: str) -> None:
    """Refuse a lab range the host already routes through another interface."""
    for route in json.loads(_ip("-j", "-4", "route", "show") or "[]"):
        dst = route.get("dst", "")
        if dst in ("", "default") or route.get("dev") == own:
            continue
        try:
            routed = ipaddress.IPv4Network(dst, strict=False)
        except ValueError:
            continue
        if routed.overlaps(net.cidr):
            raise errors.LabError(
                f"the {net.name.value} network {net.cidr} overlaps {dst}, "
                f"which the host already routes via {route.get('dev')}",
                fix=f"choose another spec.networks.{net.name.value}.cidr "
                "(another lab may be using this one)",
            )


def connect(lab: str, net: model.Network) -> None:
    """Create the veth pair into ``net`` (idempotent) and plug its lab end into the bridge."""
    host_end, lab_end = layout.veth_host(lab, net.name), layout.veth_lab(net.name)
    ns = layout.netns(lab)
    check_route(net, own=host_end)
    if host_end not in host_links():
        _ip("link", "add", host_end, "type", "veth", "peer", "name", lab_end, "netns", ns)
        _ip("link", "set", host_end, "alias", f"metallab:{lab}:{net.name.value}")
        _ip("addr", "add", f"{net.host_address}/{net.cidr.prefixlen}", "dev", host_end)
    _ip("link", "set", lab_end, "master", layout.bridge(net.name), "up", netns=ns)
    _ip("link", "set", host_end, "up")


def disconnect(lab: str, network: model.NetworkName) -> None:
    host_end = layout.veth_host(lab, network)
    if host_end in host_links():
        _ip("link", "del", host_end)
