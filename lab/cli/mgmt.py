"""``metallab mgmt up|down|status|kubeconfig|build``: the lab's management cluster."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from lab.cli import options
from lab.mgmt import binaries, cluster


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mgmt = subparsers.add_parser("mgmt", help="the management cluster (a real Kubernetes API)")
    verbs = mgmt.add_subparsers(dest="verb", metavar="VERB", required=True)

    up = verbs.add_parser("up", help="start the management cluster and wait until it is ready")
    options.add_lab_name(up)
    up.add_argument(
        "--provider",
        choices=[p.value for p in cluster.Provider],
        default=cluster.Provider.EMBEDDED.value,
        help="embedded: local etcd + kube-apiserver + kube-controller-manager (default); "
        "kind: a kind cluster (needs a Docker engine); existing: the cluster of --kubeconfig",
    )
    up.add_argument("--kubeconfig", type=Path, help="for --provider existing")
    up.add_argument("--port", type=int, help="kube-apiserver port (embedded; default: a free one)")
    up.set_defaults(func=_up)

    down = verbs.add_parser("down", help="stop the management cluster (data is kept)")
    options.add_lab_name(down)
    down.add_argument("--wipe", action="store_true", help="also erase the cluster's data")
    down.set_defaults(func=_down)

    status = verbs.add_parser("status", help="show the management cluster's state")
    options.add_lab_name(status)
    status.add_argument("-o", "--output", choices=["text", "json"], default="text")
    status.set_defaults(func=_status)

    kubeconfig = verbs.add_parser("kubeconfig", help="print the admin kubeconfig's path")
    options.add_lab_name(kubeconfig)
    kubeconfig.set_defaults(func=_kubeconfig)

    build = verbs.add_parser("build", help="build the Kubernetes binaries (cached; no-op if built)")
    build.set_defaults(func=_build)


def _up(args: argparse.Namespace) -> int:
    started = time.monotonic()
    rec = cluster.up(
        options.lab_dir(args),
        cluster.UpOptions(cluster.Provider(args.provider), args.kubeconfig, args.port),
    )
    print(f"✓ Management cluster ({rec.provider}) ready in {time.monotonic() - started:.1f}s")
    print(f"  kubeconfig: {rec.kubeconfig}")
    print("  try: metallab kubectl get ns")
    return 0


def _down(args: argparse.Namespace) -> int:
    cluster.down(options.lab_dir(args), wipe=args.wipe)
    print("✓ Management cluster stopped" + (" and its data erased" if args.wipe else ""))
    return 0


def _status(args: argparse.Namespace) -> int:
    state = cluster.status(options.lab_dir(args))
    if args.output == "json":
        json.dump(state, sys.stdout, indent=2)
        print()
        return 0
    print(f"provider: {state.get('provider') or '-'}")
    print(f"running:  {state.get('running')}")
    if state.get("running") and state.get("supervised") is False:
        print(
            "supervisor: not running (killed?) — the components below run unsupervised and "
            "would not be restarted; `metallab mgmt up` puts them under a new supervisor"
        )
    print(f"ready:    {state.get('ready')}")
    if state.get("server"):
        print(f"server:   {state['server']}")
    components = state.get("components")
    if isinstance(components, dict):
        for name, info in components.items():
            pid, restarts, health = info.get("pid"), info.get("restarts"), info.get("state")
            print(f"  {name:<24} pid={pid} restarts={restarts} {health}")
    return 0 if state.get("ready") else 3


def _kubeconfig(args: argparse.Namespace) -> int:
    print(cluster.kubeconfig(options.lab_dir(args)))
    return 0


def _build(args: argparse.Namespace) -> int:
    built = binaries.ensure()
    print(f"✓ Kubernetes {built.version} binaries: {built.directory}")
    return 0
