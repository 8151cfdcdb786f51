"""``python3 -m agent [--root DIR] [--config PATH]``: the agent's entry point, run by the
ramdisk's init. Reads boot.json, collects the inventory, looks the host up, prints
``metallab-agent: ready`` and serves heartbeats until the host is powered off."""

from __future__ import annotations

import argparse
import pathlib
import sys

from agent import bootconfig, client, errors, inventory, orders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m agent")
    parser.add_argument(
        "--root",
        type=pathlib.Path,
        default=pathlib.Path("/"),
        help="where /sys, /proc and /dev are (a fake tree in tests)",
    )
    parser.add_argument("--config", type=pathlib.Path, default=bootconfig.PATH)
    args = parser.parse_args(argv)
    try:
        config = bootconfig.load(args.config)
        facts = inventory.collect(args.root)
        macs = [nic["mac_address"] for nic in facts["interfaces"] if nic["mac_address"]]
        conductor = client.Conductor(config)
        backoff = client.Backoff()
        identity = client.lookup(conductor, macs, backoff)
        print(f"metallab-agent: host {identity.namespace}/{identity.name}", flush=True)
        print("metallab-agent: ready", flush=True)
        machine = orders.Machine(args.root)
        client.Session(conductor, identity, machine, facts, backoff).serve()
    except errors.AgentError as err:
        print(f"metallab-agent: error: {err}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
