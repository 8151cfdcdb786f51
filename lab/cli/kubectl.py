"""``metallab kubectl …``: the built kubectl, pointed at the lab's admin kubeconfig."""

from __future__ import annotations

import argparse
import os

from lab.cli import options
from lab.mgmt import binaries, cluster


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kubectl = subparsers.add_parser(
        "kubectl",
        help="run kubectl against the lab's management cluster",
        description="Arguments after `kubectl` go to kubectl unchanged (use `--` before options "
        "that metallab would otherwise read, e.g. `metallab kubectl -- --help`).",
    )
    options.add_lab_name(kubectl)
    kubectl.set_defaults(func=_run, passthrough=True)


def _run(args: argparse.Namespace) -> int:
    config = cluster.kubeconfig(options.lab_dir(args))
    kubectl = str(binaries.ensure().path("kubectl"))
    extra = [a for a in args.extra if a != "--"] if args.extra[:1] == ["--"] else args.extra
    os.execv(kubectl, [kubectl, f"--kubeconfig={config}", *extra])
