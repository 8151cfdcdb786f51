"""The controller as a supervised lab component, for ``metallab up`` and ``metallab down``.

``start`` launches ``hostkit.supervisor`` detached (it restarts a component if it crashes and
logs each restart); ``stop`` stops it by its PID file. The controller itself is the ordinary
``python -m controller run`` against the lab's kubeconfig, watching every namespace, with
metrics on 127.0.0.1. With ``Boot`` settings the plan first runs the lab's image server, and
the controller gets everything its deploy-agent conductor needs as flags — listen address and
ports, the URLs agents and firmware use, the agent ramdisk's URLs, its TLS certificate from
the lab CA — plus the lab CA for the Redfish BMCs: the controller never assumes it runs on the
lab machine. Called by ``lab.up``.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
from pathlib import Path

from hostkit import pki, ports, process, supervisor
from lab.images import agent, serving

METRICS_PORT = 9640
CERT_VALIDITY = datetime.timedelta(days=365)


@dataclasses.dataclass(frozen=True)
class Boot:
    """What the controller's conductor and the lab's image server are started with."""

    endpoints: serving.Endpoints
    ca: pki.Pair  # the lab CA: signs the conductor's certificate, verifies the Redfish BMCs


def directory(state: Path) -> Path:
    return state / "controller"


def _pid_path(state: Path) -> Path:
    return directory(state) / "supervisor.pid"


def running(state: Path) -> bool:
    return process.read_pid(_pid_path(state)) is not None


def metrics_port(state: Path) -> int | None:
    """The port the lab's controller serves metrics on, once started."""
    try:
        return int((directory(state) / "metrics-port").read_text())
    except (OSError, ValueError):
        return None


def conductor_tls(state: Path, boot: Boot) -> pki.Pair:
    """The conductor's server certificate, naming the address agents call it on."""
    tls = directory(state) / "tls"
    tls.mkdir(parents=True, exist_ok=True)
    return pki.issue(
        boot.ca,
        pki.Pair(tls / "conductor.crt", tls / "conductor.key"),
        common_name="metallab-conductor",
        usage=pki.Usage.SERVER,
        ip_addresses=[boot.endpoints.address],
        validity=CERT_VALIDITY,
    )


def boot_flags(state: Path, boot: Boot) -> list[str]:
    """The controller flags of the lab's boot network (names from ``controller.cli``)."""
    chosen = boot.endpoints
    tls = conductor_tls(state, boot)
    flags = {
        "--bmc-ca-file": str(boot.ca.cert),
        "--agent-url": chosen.agent_url,
        "--boot-url": chosen.boot_url,
        "--conductor-address": chosen.address,
        "--conductor-port": str(chosen.conductor_port),
        "--boot-port": str(chosen.boot_port),
        "--agent-kernel-url": chosen.url(agent.NAME, "vmlinuz"),
        "--agent-initrd-url": chosen.url(agent.NAME, "initrd.img"),
        "--agent-iso-url": chosen.url(agent.NAME, "agent.iso"),
        "--agent-kernel-args": agent.CMDLINE,
        "--tls-cert": str(tls.cert),
        "--tls-key": str(tls.key),
        "--tls-ca": str(boot.ca.cert),
    }
    return [item for pair in flags.items() for item in pair]


def start(
    state: Path,
    kubeconfig: Path,
    *,
    provisioner: str = "direct",
    boot: Boot | None = None,
) -> None:
    """Start the supervised controller unless it already runs (idempotent).

    Metrics go to 127.0.0.1:9640, or to a free port when another lab holds that one; the port
    chosen is kept in the state directory.
    """
    if running(state):
        return
    root = directory(state)
    root.mkdir(parents=True, exist_ok=True)
    port = metrics_port(state) or METRICS_PORT
    if not ports.is_free(port):
        port = ports.free()
    (root / "metrics-port").write_text(f"{port}\n")
    controller = supervisor.Component(
        name="controller",
        argv=[
            sys.executable,
            "-m",
            "controller",
            "run",
            "--provisioner",
            provisioner,
            "--kubeconfig",
            str(kubeconfig),
            "--metrics-port",
            str(port),
            *([] if boot is None else boot_flags(state, boot)),
        ],
        ready_url=f"http://127.0.0.1:{port}/metrics",
    )
    components = [controller]
    if boot is not None:
        components.insert(0, serving.component(state, boot.endpoints))
    supervisor.launch(
        supervisor.Plan(components, str(root)),
        plan_path=root / "plan.json",
        log_path=root / "supervisor.log",
        pid_path=_pid_path(state),
    )


def stop(state: Path) -> bool:
    """Stop the supervisor and with it the controller; True if it was running."""
    return process.stop(_pid_path(state))
