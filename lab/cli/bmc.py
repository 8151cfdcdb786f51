"""``metallab bmc list|fault``: the lab's virtual BMCs, and misbehaving on purpose.

``list`` shows each host's BMC (kind, address, process, fault) from the supervisor's state;
``fault HOST unresponsive|slow=SECONDS|error|ignore-power|clear`` sets or clears a fault through
``vbmc.faults`` — the same call scenarios make. Both act on the lab's state directory
(``--name``), where ``metallab up`` keeps the BMCs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from lab.cli import options
from vbmc import errors, faults, supervisor


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bmc = subparsers.add_parser("bmc", help="the lab's virtual BMCs (IPMI and Redfish)")
    verbs = bmc.add_subparsers(dest="verb", metavar="VERB", required=True)

    listing = verbs.add_parser("list", help="show every host's BMC, its process and its fault")
    options.add_lab_name(listing)
    listing.add_argument("-o", "--output", choices=["text", "json"], default="text")
    listing.set_defaults(func=_list)

    fault = verbs.add_parser(
        "fault",
        help="make a host's BMC misbehave",
        description="unresponsive: answer nothing; slow=SECONDS: answer late; error: IPMI "
        "completion code 0xFF / HTTP 500; ignore-power: accept power commands, do nothing; "
        "clear: behave again. Takes effect on the next request.",
    )
    options.add_lab_name(fault)
    fault.add_argument("host", help="host name as in the lab file")
    fault.add_argument("fault", help="unresponsive | slow=SECONDS | error | ignore-power | clear")
    fault.set_defaults(func=_fault)


def _list(args: argparse.Namespace) -> int:
    statuses = supervisor.status(options.lab_dir(args))
    if args.output == "json":
        rows = [
            {**dataclasses.asdict(s), "kind": s.kind.value, "state": s.state.value}
            for s in statuses
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not statuses:
        print("no BMCs: the lab is not up (metallab up)")
        return 0
    table = [("HOST", "KIND", "ADDRESS", "STATE", "PID", "FAULT")]
    table += [
        (s.host, s.kind.value, s.address, s.state.value, str(s.pid or "-"), s.fault or "-")
        for s in statuses
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _fault(args: argparse.Namespace) -> int:
    state_dir = options.lab_dir(args)
    known = supervisor.hosts(state_dir)
    if args.host not in known:
        raise errors.VbmcError(
            f"lab {args.name} has no BMC for host {args.host!r}",
            fix=f"use one of: {', '.join(known)}" if known else "bring the lab up first",
        )
    fault = faults.parse(args.fault)
    faults.set_fault(state_dir, args.host, fault)
    print(f"{args.host}: {'no fault' if fault is None else fault}")
    return 0
