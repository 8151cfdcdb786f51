"""Command-line options of the controller, shared by ``python -m controller`` and the lab CLI.

``add_arguments`` declares them on an argparse parser; ``build_options`` turns parsed
arguments into ``operator.app.Options``. Keeping both here lets the controller run in any
cluster without the lab package, while ``metallab controller run`` offers the same flags.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

from controller.conductor import config
from controller.operator import app

DEFAULTS = app.Options()  # the flags default to what Options does, so the two cannot drift


def add_arguments(
    parser: argparse.ArgumentParser,
    *,
    kubeconfig_default: str = "in-cluster service account, else $KUBECONFIG",
) -> None:
    parser.add_argument(
        "--provisioner",
        choices=app.PROVISIONERS,
        default=DEFAULTS.provisioner,
        help="direct (default): talk to the hosts' real BMCs; fixture: in-memory hosts, no "
        "hardware (tests and demos)",
    )
    parser.add_argument(
        "--namespace",
        action="append",
        default=[],
        help="watch only this namespace (repeatable; default: all namespaces)",
    )
    parser.add_argument("--kubeconfig", type=Path, help=f"default: {kubeconfig_default}")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=DEFAULTS.metrics_port,
        help="Prometheus metrics port (0: none)",
    )
    parser.add_argument("--metrics-address", default=DEFAULTS.metrics_address)
    parser.add_argument(
        "--provisioning-limit",
        type=int,
        default=int(os.environ.get("PROVISIONING_LIMIT", DEFAULTS.provisioning_limit)),
        help="hosts inspecting/provisioning/deprovisioning at once (env PROVISIONING_LIMIT)",
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULTS.workers, help="hosts reconciled concurrently"
    )
    parser.add_argument(
        "--bmc-timeout", type=float, default=DEFAULTS.bmc_timeout, help="seconds per BMC call"
    )
    parser.add_argument(
        "--bmc-ca-file",
        type=Path,
        help="PEM CA bundle that Redfish BMC certificates are checked against "
        "(default: the system's CAs; a host's disableCertificateVerification skips the check)",
    )
    parser.add_argument(
        "--soft-power-off-timeout",
        type=float,
        default=DEFAULTS.timing.soft_power_off,
        help="seconds before an ignored soft power off becomes a hard one",
    )
    parser.add_argument(
        "--power-change-timeout",
        type=float,
        default=DEFAULTS.timing.power_change,
        help="seconds a host may take to follow a power command its BMC accepted; "
        "then a power management error",
    )
    add_conductor_arguments(parser)


def add_conductor_arguments(parser: argparse.ArgumentParser) -> None:
    """The deploy agent's conductor (docs/agent-protocol.md): off unless --agent-url is given."""
    group = parser.add_argument_group("deploy agent (conductor)")
    group.add_argument("--agent-url", help="https://IP:PORT agents call (enables the conductor)")
    group.add_argument("--boot-url", help="http://IP:PORT of the boot files (iPXE, cpio, ISO)")
    group.add_argument("--conductor-address", default="0.0.0.0", help="address to listen on")
    group.add_argument("--conductor-port", type=int, default=8443, help="agent API (HTTPS)")
    group.add_argument("--boot-port", type=int, default=8480, help="boot files (plain HTTP)")
    group.add_argument("--agent-kernel-url", default="", help="the agent ramdisk's kernel")
    group.add_argument("--agent-initrd-url", default="", help="the agent ramdisk's initrd")
    group.add_argument("--agent-iso-url", default="", help="the base agent ISO")
    group.add_argument("--agent-kernel-args", default="console=ttyS0")
    group.add_argument("--tls-cert", type=Path, help="the conductor's certificate (PEM)")
    group.add_argument("--tls-key", type=Path, help="its private key (PEM)")
    group.add_argument("--tls-ca", type=Path, help="the CA that signed it, given to agents")
    group.add_argument(
        "--agent-timeout", type=float, default=600.0, help="seconds to wait for an agent"
    )


def conductor_config(args: argparse.Namespace) -> config.Config | None:
    if not args.agent_url:
        return None
    missing = [
        flag
        for flag, value in (
            ("--boot-url", args.boot_url),
            ("--tls-cert", args.tls_cert),
            ("--tls-key", args.tls_key),
            ("--tls-ca", args.tls_ca),
        )
        if not value
    ]
    if missing:
        raise SystemExit(f"--agent-url needs {', '.join(missing)} too: pass them")
    return config.Config(
        agent_url=args.agent_url,
        boot_url=args.boot_url,
        listen_address=args.conductor_address,
        agent_port=args.conductor_port,
        boot_port=args.boot_port,
        kernel_url=args.agent_kernel_url,
        initrd_url=args.agent_initrd_url,
        iso_url=args.agent_iso_url,
        kernel_args=args.agent_kernel_args,
        cert_file=args.tls_cert,
        key_file=args.tls_key,
        ca_file=args.tls_ca,
        agent_timeout=args.agent_timeout,
    )


def build_options(args: argparse.Namespace) -> app.Options:
    return app.Options(
        provisioner=args.provisioner,
        namespaces=tuple(args.namespace),
        kubeconfig=args.kubeconfig,
        metrics_port=args.metrics_port or None,
        metrics_address=args.metrics_address,
        provisioning_limit=args.provisioning_limit,
        workers=args.workers,
        bmc_timeout=args.bmc_timeout,
        bmc_ca_file=args.bmc_ca_file,
        timing=dataclasses.replace(
            DEFAULTS.timing,
            soft_power_off=args.soft_power_off_timeout,
            power_change=args.power_change_timeout,
        ),
        conductor=conductor_config(args),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m controller")
    verbs = parser.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("run", help="run the BareMetalHost controller")
    add_arguments(run)
    run.add_argument("-v", "--verbose", action="store_true")
    run.add_argument("--text-logs", action="store_true", help="plain text instead of JSON")
    args = parser.parse_args(argv)
    return app.run(build_options(args), json_logs=not args.text_logs, verbose=args.verbose)
