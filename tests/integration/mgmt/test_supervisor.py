"""``hostkit.supervisor`` as a real daemon: a crash is restarted and logged, its state is reported
truthfully while it waits (``restarting``, ``starting``), and SIGTERM stops the components.

Components are plain ``sleep``/``sh`` processes, so these tests need no Kubernetes binaries.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostkit import process, supervisor
from lab.mgmt import probe


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Start a supervisor over the given components in ``tmp_path``; stopped at the end."""

    def start(*components: supervisor.Component) -> Path:
        supervisor.launch(
            supervisor.Plan(list(components), str(tmp_path)),
            plan_path=tmp_path / "plan.json",
            log_path=tmp_path / "supervisor.log",
            pid_path=tmp_path / "supervisor.pid",
        )
        return tmp_path

    yield start
    process.stop(tmp_path / "supervisor.pid")


BOUND = 60.0  # against a hang only; nothing here asserts speed


def _state(directory: Path, name: str) -> dict[str, int | float | str | None]:
    return supervisor.read_status(directory).get(name, {})


def test_crashed_component_is_restarted_and_logged(run: Callable[..., Path]) -> None:
    running = run(supervisor.Component("sleeper", ["sleep", "300"]))
    assert probe.wait_until(
        lambda: _state(running, "sleeper").get("pid") is not None, timeout=BOUND
    )
    first = _state(running, "sleeper")["pid"]
    assert isinstance(first, int)
    os.kill(first, signal.SIGKILL)
    assert probe.wait_until(lambda: _state(running, "sleeper")["restarts"] == 1, timeout=BOUND)
    second = _state(running, "sleeper")
    assert isinstance(second["pid"], int) and second["pid"] != first
    assert process.alive(second["pid"])
    assert second["state"] == supervisor.State.RUNNING
    assert "sleeper exited with code -9; restart #1" in (running / "supervisor.log").read_text()


def test_exited_component_is_reported_restarting_not_running(run: Callable[..., Path]) -> None:
    running = run(supervisor.Component("quitter", ["sh", "-c", "exit 3"]))
    assert probe.wait_until(
        lambda: _state(running, "quitter").get("state") == supervisor.State.RESTARTING,
        timeout=BOUND,
    )
    assert _state(running, "quitter")["pid"] is None


def test_component_waiting_for_an_earlier_one_is_reported_starting(
    run: Callable[..., Path],
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        never_ready = f"http://127.0.0.1:{closed.getsockname()[1]}/health"
    running = run(
        supervisor.Component("first", ["sleep", "300"], ready_url=never_ready),
        supervisor.Component("second", ["sleep", "300"]),
    )
    assert probe.wait_until(
        lambda: _state(running, "first").get("state") == supervisor.State.RUNNING, timeout=BOUND
    )
    assert _state(running, "second") == {
        "pid": None,
        "started": None,
        "restarts": 0,
        "state": supervisor.State.STARTING,
    }


def test_stop_terminates_components(run: Callable[..., Path]) -> None:
    running = run(supervisor.Component("sleeper", ["sleep", "300"]))
    assert probe.wait_until(
        lambda: _state(running, "sleeper").get("pid") is not None, timeout=BOUND
    )
    child = _state(running, "sleeper")["pid"]
    assert isinstance(child, int)
    assert process.stop(running / "supervisor.pid")
    assert probe.wait_until(lambda: not process.alive(child), timeout=BOUND)
    assert not (running / "status.json").exists()
