"""``metallab controller run`` refuses to fight over a lab's real hosts (issue 12): the fixture
provisioner against a lab with real BMCs, or any controller while the lab's own controller runs,
each saying why and what to do instead. The refusal comes before any connection to the cluster.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hostkit import process
from lab import controller_component
from lab.cli import main
from tests.unit.cli import conftest


@pytest.fixture
def lab_with_hardware(record_lab: conftest.RecordLab) -> Path:
    return record_lab("real", 2)


def test_the_fixture_is_refused_against_real_bmcs(
    lab_with_hardware: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["controller", "run", "--name", "real", "--provisioner", "fixture"]) == 1
    err = capsys.readouterr().err
    assert "lab 'real' has real BMCs (redfish+https://127.0.0.1:" in err
    assert "fixture provisioner would overwrite their hosts' status" in err
    assert "use --provisioner direct" in err


def test_the_default_direct_provisioner_is_not_refused(
    lab_with_hardware: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["controller", "run", "--name", "real"]) == 1  # no cluster to run against
    err = capsys.readouterr().err
    assert "has no management cluster" in err and "real BMCs" not in err


def test_a_second_controller_is_refused_while_the_labs_runs(
    lab_with_hardware: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pid_path = controller_component.directory(lab_with_hardware) / "supervisor.pid"
    pid_path.parent.mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        process.record(sleeper.pid, pid_path)
        code = main.main(["controller", "run", "--name", "real", "--provisioner", "direct"])
        assert code == 1
        assert "'real''s own controller already manages its BareMetalHosts" in (
            capsys.readouterr().err
        )
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)


def test_another_namespace_is_not_refused(
    lab_with_hardware: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["controller", "run", "--name", "real", "--namespace", "scratch"]
    assert main.main(argv) == 1  # past the refusal: the lab has no cluster to run against
    err = capsys.readouterr().err
    assert "has no management cluster" in err and "real BMCs" not in err
