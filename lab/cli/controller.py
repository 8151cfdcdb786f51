"""``metallab controller run``: the BareMetalHost controller in the foreground.

Defaults to the lab's kubeconfig and the lab CA for the BMCs; the flags are the controller's
own (``controller.cli``), so ``metallab controller run`` and ``python -m controller run``
behave the same. Against the lab's own cluster it refuses what would fight over the lab's
hosts: the fixture provisioner (it would write made-up status onto hosts with real BMCs) while
the lab has hardware, and any second controller while the lab's own controller runs — unless
``--namespace`` keeps it away from the lab's hosts (namespace ``metal3``).
"""

from __future__ import annotations

import argparse

from controller import cli
from controller.operator import app
from hostkit import errors
from lab import controller_component, inventory
from lab import up as lifecycle
from lab.cli import options
from lab.hardware import bmcs
from lab.mgmt import cluster


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    noun = subparsers.add_parser("controller", help="the BareMetalHost controller")
    verbs = noun.add_subparsers(dest="verb", metavar="VERB", required=True)
    run = verbs.add_parser("run", help="run the controller against the lab (or --kubeconfig)")
    options.add_lab_name(run)
    cli.add_arguments(run, kubeconfig_default="the admin kubeconfig of the lab named by --name")
    run.add_argument("--json-logs", action="store_true", help="JSON lines instead of text")
    run.set_defaults(func=_run)


def _refuse_to_fight(args: argparse.Namespace) -> None:
    """Refuse a run that would manage the lab's real hosts beside (or instead of) the real
    controller; only called when the cluster is the lab's own."""
    if args.namespace and inventory.NAMESPACE not in args.namespace:
        return
    state = options.lab_dir(args)
    stay_away = f"or pass --namespace other than {inventory.NAMESPACE} (the lab's hosts)"
    if controller_component.running(state):
        raise errors.LabError(
            f"lab {args.name!r}'s own controller already manages its BareMetalHosts; a second "
            "controller would fight it over the same hosts",
            fix=f"run against another cluster with --kubeconfig, {stay_away}",
        )
    lab = lifecycle.recorded_lab(args.name)
    if args.provisioner == "fixture" and lab is not None and lab.hosts:
        addresses = ", ".join(bmcs.url(lab, host) for host in lab.hosts[:3])
        more = f" and {len(lab.hosts) - 3} more" if len(lab.hosts) > 3 else ""
        raise errors.LabError(
            f"lab {args.name!r} has real BMCs ({addresses}{more}); the fixture provisioner "
            "would overwrite their hosts' status with made-up hardware",
            fix=f"use --provisioner direct, {stay_away}",
        )


def _run(args: argparse.Namespace) -> int:
    if args.kubeconfig is None:
        _refuse_to_fight(args)
        args.kubeconfig = cluster.kubeconfig(options.lab_dir(args))
    if args.bmc_ca_file is None:
        # The lab's BMC certificates come from the lab CA; the inventory checks them.
        args.bmc_ca_file = lifecycle.lab_ca(options.lab_dir(args)).cert
    return app.run(cli.build_options(args), json_logs=args.json_logs, verbose=args.verbose)
