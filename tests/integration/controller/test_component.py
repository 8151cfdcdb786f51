"""The controller as a supervised lab component: started detached under ``hostkit.supervisor``,
serving metrics, reconciling hosts, restarted after a crash, and stopped by ``stop``."""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from hostkit import supervisor
from lab import controller_component
from tests.integration.controller import conftest

pytestmark = pytest.mark.integration


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return str(response.read().decode())


def wait_for(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"not true within {timeout}s")


def test_component_runs_restarts_and_stops(
    crds: Path, hosts: conftest.Hosts, tmp_path: Path
) -> None:
    controller_component.start(tmp_path, crds, provisioner="fixture")
    port = controller_component.metrics_port(tmp_path)
    assert port is not None
    try:
        assert controller_component.running(tmp_path)
        wait_for(lambda: "metallab_reconciles" in scrape(port))
        hosts.create("c0")
        hosts.wait_state("c0", "available", timeout=60)

        status = supervisor.read_status(controller_component.directory(tmp_path))
        pid = status["controller"]["pid"]
        assert isinstance(pid, int)
        os.kill(pid, signal.SIGKILL)
        wait_for(
            lambda: (
                supervisor.read_status(controller_component.directory(tmp_path))["controller"][
                    "pid"
                ]
                != pid
            )
        )
        wait_for(lambda: 'metallab_hosts{state="available"}' in scrape(port))
        hosts.delete("c0")
        hosts.wait_gone("c0", timeout=60)
    finally:
        assert controller_component.stop(tmp_path)
    assert not controller_component.running(tmp_path)
