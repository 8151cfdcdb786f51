"""The lab's top-level commands: ``up``, ``down``, ``status``, ``console`` and ``inventory``.

Registered by ``lab.cli.main`` like a noun module, but adds several top-level sub-commands.
Each builds its options and calls the library (``lab.up``, ``lab.hardware.report``,
``lab.inventory``); output is a progress line per step, a table, or JSON with ``-o json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from hostkit import errors
from lab import controller_component, paths
from lab import up as lifecycle
from lab.cli import options
from lab.config import model
from lab.hardware import layout, report
from lab.mgmt import cluster

_FOLLOW_POLL = 0.2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = subparsers.add_parser("up", help="bring up the management cluster and the lab hardware")
    up.add_argument("-c", "--config", type=Path, help="lab file (default: the built-in lab)")
    up.add_argument("--hosts", type=int, help="number of hosts, overriding the lab file")
    up.add_argument("--retain", action="store_true", help="keep what was made if a step fails")
    up.add_argument(
        "--hardware-only",
        action="store_true",
        help="only networks, VMs, BMCs and the inventory file (no cluster, CRDs, controller)",
    )
    options.add_lab_name(up)
    up.set_defaults(func=_up)

    down = subparsers.add_parser("down", help="remove everything the lab made")
    options.add_lab_name(down)
    down.set_defaults(func=_down)

    status = subparsers.add_parser("status", help="hosts, power, BMC URL, boot MAC, console")
    status.add_argument("-o", "--output", choices=("table", "json"), default="table")
    options.add_lab_name(status)
    status.set_defaults(func=_status)

    console = subparsers.add_parser("console", help="follow a host's serial console log")
    console.add_argument("host")
    console.add_argument("--no-follow", action="store_true", help="print the log and exit")
    options.add_lab_name(console)
    console.set_defaults(func=_console)

    inv = subparsers.add_parser("inventory", help="print the BareMetalHosts and Secrets")
    options.add_lab_name(inv)
    inv.set_defaults(func=_inventory)


def _up(args: argparse.Namespace) -> int:
    lifecycle.up(
        lifecycle.Options(
            name=paths.check_name(args.name),
            config=args.config,
            hosts=args.hosts,
            retain=args.retain,
            hardware_only=args.hardware_only,
        )
    )
    return 0


def _down(args: argparse.Namespace) -> int:
    lifecycle.down(paths.check_name(args.name))
    return 0


def _recorded(name: str) -> tuple[Path, model.Lab]:
    lab = lifecycle.recorded_lab(name)
    if lab is None:
        raise errors.LabError(f"lab {name!r} is not up", fix=f"metallab up --name {name}")
    return paths.lab_dir(name), lab


def _status(args: argparse.Namespace) -> int:
    state, lab = _recorded(args.name)
    hosts = report.hosts(lab, state)
    mgmt = cluster.status(state)
    port = controller_component.metrics_port(state)
    controller = {
        "running": controller_component.running(state),
        "metrics": f"http://127.0.0.1:{port}/metrics" if port else None,
    }
    if args.output == "json":
        document = {
            "name": lab.name,
            "managementCluster": mgmt,
            "controller": controller,
            "acceleration": layout.acceleration(state).read_text().strip()
            if layout.acceleration(state).exists()
            else None,
            "libvirtURI": layout.libvirt_uri(state),
            "netns": layout.netns(lab.name),
            "hosts": [
                {key: str(value) for key, value in dataclasses.asdict(host).items()}
                for host in hosts
            ],
        }
        print(json.dumps(document, indent=2))
        return 0
    ready = "ready" if mgmt.get("ready") else "not ready"
    print(f"management cluster: {mgmt.get('provider') or 'none'}, {ready}")
    print(f"controller: {'running' if controller['running'] else 'not running'}", end="")
    print(f" (metrics {controller['metrics']})" if controller["running"] else "")
    rows = [("HOST", "POWER", "BMC", "BOOT MAC", "CONSOLE")]
    rows += [(h.host, h.power.value, h.bmc, h.boot_mac, h.console) for h in hosts]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def _console(args: argparse.Namespace) -> int:
    state, lab = _recorded(args.name)
    if args.host not in {host.name for host in lab.hosts}:
        names = ", ".join(host.name for host in lab.hosts)
        raise errors.LabError(f"no host {args.host!r} in lab {lab.name!r}", fix=f"one of {names}")
    path = layout.console_log(state, args.host)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=True)
    with path.open("rb") as log:
        while True:
            chunk = log.read(65536)
            if chunk:
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            elif args.no_follow:
                return 0
            else:
                # Following a log ends with Ctrl-C (exit 130), like `tail -f`.
                time.sleep(_FOLLOW_POLL)


def _inventory(args: argparse.Namespace) -> int:
    state, _ = _recorded(args.name)
    path = layout.inventory(state)
    if not path.exists():
        raise errors.LabError(
            f"lab {args.name!r} has no inventory yet", fix="finish `metallab up` first"
        )
    sys.stdout.write(path.read_text())
    return 0
