"""The supervisor keeps components running: restart after a crash (logged), clean stop on TERM."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab import process, supervisor


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Path]:
    plan = supervisor.Plan([supervisor.Component("sleeper", ["sleep", "300"])], str(tmp_path))
    plan.save(tmp_path / "plan.json")
    pid_file = tmp_path / "supervisor.pid"
    process.spawn(
        [sys.executable, "-m", "lab.supervisor", str(tmp_path / "plan.json")],
        log_path=tmp_path / "supervisor.log",
        pid_path=pid_file,
    )
    yield tmp_path
    process.stop(pid_file)


def _wait(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_crashed_component_is_restarted_and_logged(running: Path) -> None:
    _wait(lambda: supervisor.read_status(running).get("sleeper", {}).get("pid"))
    first = supervisor.read_status(running)["sleeper"]["pid"]
    assert isinstance(first, int)
    os.kill(first, signal.SIGKILL)
    _wait(lambda: supervisor.read_status(running)["sleeper"]["restarts"] == 1)
    second = supervisor.read_status(running)["sleeper"]["pid"]
    assert isinstance(second, int) and second != first and process.alive(second)
    assert "sleeper exited with code -9; restart #1" in (running / "supervisor.log").read_text()


def test_stop_terminates_components(running: Path) -> None:
    _wait(lambda: supervisor.read_status(running).get("sleeper", {}).get("pid"))
    child = supervisor.read_status(running)["sleeper"]["pid"]
    assert isinstance(child, int)
    assert process.stop(running / "supervisor.pid")
    _wait(lambda: not process.alive(child))
    assert not (running / "status.json").exists()
