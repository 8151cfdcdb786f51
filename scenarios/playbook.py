"""Ansible playbooks from ``playbooks/``, run through ansible-runner with a local connection.

Two callers: ``scripts/setup-host`` prepares the machine with ``python -m scenarios.playbook
host-setup.yaml`` (each task shown as a progress line), and a scenario's ``playbook`` step
(``scenarios.execute``) runs e.g. ``node-check.yaml`` with the lab's details as variables. The
inventory is this machine only (``ansible_connection=local``): what a playbook reaches in
the lab it reaches from here, like every other step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ansible_runner

from hostkit import errors
from scenarios import decode

if TYPE_CHECKING:
    from scenarios import model, session

_INVENTORY = "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"


def run(
    path: Path,
    *,
    variables: dict[str, Any],
    timeout: float,
    progress: Callable[[str], None],
    stop: threading.Event | None = None,
) -> None:
    """Run ``path`` against this machine; raise ``LabError`` naming each failed task."""
    private = Path(tempfile.mkdtemp(prefix="metallab-ansible-"))
    failures: list[str] = []

    def on_event(event: dict[str, Any]) -> bool:
        data = event.get("event_data") or {}
        kind = event.get("event")
        if kind == "playbook_on_task_start":
            progress(f"  • {data.get('task', '').strip()}")
        elif kind in ("runner_on_failed", "runner_on_unreachable") and not data.get(
            "ignore_errors"
        ):
            result = data.get("res") or {}
            message = result.get("msg") or result.get("stderr") or json.dumps(result)[:300]
            failures.append(f"{data.get('task', '?').strip()}: {message}")
        return True

    try:
        (private / "inventory").mkdir()
        (private / "inventory" / "hosts").write_text(_INVENTORY)
        bindir = str(Path(sys.executable).parent)
        result = ansible_runner.run(
            private_data_dir=str(private),
            playbook=str(path),
            extravars=variables,
            quiet=True,
            timeout=int(timeout),
            event_handler=on_event,
            cancel_callback=lambda: bool(stop is not None and stop.is_set()),
            envvars={
                "PATH": f"{bindir}:{os.environ.get('PATH', '')}",
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "false",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            },
        )
    finally:
        shutil.rmtree(private, ignore_errors=True)  # extravars may hold BMC passwords
    if result.status == "canceled":
        raise KeyboardInterrupt
    if result.status != "successful":
        detail = "; ".join(failures) or f"ansible-runner status {result.status}, rc {result.rc}"
        raise errors.LabError(
            f"playbook {path.name} failed: {detail}",
            fix=f"run it by hand: .venv/bin/python -m scenarios.playbook {path.name}",
        )


def run_in_lab(run_: session.Session, action: model.Playbook) -> None:
    """A scenario's playbook step: the lab's details and every host's BMC as variables."""
    hosts = {
        access.host: {
            "bmc_url": access.url,
            "bmc_port": access.port,
            "bmc_protocol": access.protocol.value,
            "bmc_username": access.username,
            "bmc_password": access.password,
        }
        for access in (run_.bmc_access(host.name) for host in run_.lab.hosts)
    }
    variables = {
        "lab": run_.name,
        "lab_state": str(run_.state),
        "kubeconfig": run_.kubeconfig_or_empty(),
        "lab_hosts": hosts,
        **action.variables,
    }
    run(
        action.path,
        variables=variables,
        timeout=action.timeout,
        progress=lambda _: None,
        stop=run_.stop,
    )


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(
        prog="python -m scenarios.playbook", description="run a playbook of playbooks/ here"
    )
    top.add_argument("playbook", help="file name under playbooks/, e.g. host-setup.yaml")
    top.add_argument("-e", "--extra", action="append", default=[], metavar="KEY=VALUE")
    top.add_argument("--timeout", type=float, default=3600.0)
    args = top.parse_args(argv)
    path = decode.PLAYBOOKS / args.playbook
    if not path.is_file():
        print(
            f"metallab: error: no playbook {path} — name a file under playbooks/", file=sys.stderr
        )
        return 1
    variables = dict(item.partition("=")[::2] for item in args.extra)
    try:
        run(path, variables=variables, timeout=args.timeout, progress=print)
    except errors.LabError as err:
        print(f"metallab: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
