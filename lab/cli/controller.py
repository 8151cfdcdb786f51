"""``metallab controller run``: the BareMetalHost controller in the foreground.

Defaults to the lab's kubeconfig and the lab CA for the BMCs; the flags are the controller's
own (``controller.cli``), so ``metallab controller run`` and ``python -m controller run``
behave the same.
"""

from __future__ import annotations

import argparse

from controller import cli
from controller.operator import app
from lab import up as lifecycle
from lab.cli import options
from lab.mgmt import cluster


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    noun = subparsers.add_parser("controller", help="the BareMetalHost controller")
    verbs = noun.add_subparsers(dest="verb", metavar="VERB", required=True)
    run = verbs.add_parser("run", help="run the controller against the lab (or --kubeconfig)")
    options.add_lab_name(run)
    cli.add_arguments(run, kubeconfig_default="the admin kubeconfig of the lab named by --name")
    run.add_argument("--json-logs", action="store_true", help="JSON lines instead of text")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.kubeconfig is None:
        args.kubeconfig = cluster.kubeconfig(options.lab_dir(args))
    if args.bmc_ca_file is None:
        # The lab's BMC certificates come from the lab CA; the inventory checks them.
        args.bmc_ca_file = lifecycle.lab_ca(options.lab_dir(args)).cert
    return app.run(cli.build_options(args), json_logs=args.json_logs, verbose=args.verbose)
