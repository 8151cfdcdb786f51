"""``metallab status`` of a recorded lab whose libvirtd is down: it names libvirtd (and the fix)
instead of calling the hosts absent, and a reader that stops early (``| head -2``) ends it
quietly, without a BrokenPipeError traceback (issue 12). The lab is only recorded (no cluster,
no daemons), as ``up`` leaves it after its first step.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli import main
from tests.unit.cli import conftest

HOSTS = 200


@pytest.fixture
def recorded(record_lab: conftest.RecordLab) -> str:
    record_lab("rec", HOSTS)
    return "rec"


def test_status_names_a_stopped_libvirtd(recorded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["status", "--name", recorded]) == 0
    out = capsys.readouterr().out
    assert "libvirtd: the lab's libvirtd is not running (killed or crashed)" in out
    assert f"run `metallab up --name {recorded}` to restart it" in out
    rows = [line for line in out.splitlines() if line.startswith("node-")]
    assert len(rows) == HOSTS and all(" unknown " in row for row in rows)
    assert "absent" not in out
    assert main.main(["status", "--name", recorded, "-o", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["libvirtd"]["answering"] is False


def test_a_reader_that_stops_early_gets_no_traceback(recorded: str) -> None:
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # smaller than the table: status must block
    child = subprocess.Popen(
        [sys.executable, "-m", "lab.cli.main", "status", "--name", recorded],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        first_two = [reader.readline(), reader.readline()]  # what `head -2` does
    _, err = child.communicate(timeout=60)
    assert first_two[0].startswith(b"management cluster:")
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert child.returncode == 141
