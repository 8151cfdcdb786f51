"""The controller as a supervised lab component, for ``metallab up`` and ``metallab down``.

``start`` launches ``hostkit.supervisor`` detached over a one-component plan (it restarts the
controller if it crashes and logs each restart); ``stop`` stops it by its PID file. The
controller itself is the ordinary ``python -m controller run`` against the lab's kubeconfig,
watching every namespace, with metrics on 127.0.0.1. Called by ``lab.up``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hostkit import ports, process, supervisor

METRICS_PORT = 9640


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


def start(
    state: Path,
    kubeconfig: Path,
    *,
    provisioner: str = "direct",
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
        ],
        ready_url=f"http://127.0.0.1:{port}/metrics",
    )
    supervisor.launch(
        supervisor.Plan([controller], str(root)),
        plan_path=root / "plan.json",
        log_path=root / "supervisor.log",
        pid_path=_pid_path(state),
    )


def stop(state: Path) -> bool:
    """Stop the supervisor and with it the controller; True if it was running."""
    return process.stop(_pid_path(state))
