"""``mgmt status`` after the embedded cluster's supervisor was killed (issue 12): components that
still run are reported running (and unsupervised), not "not running". A real process stands in
for etcd, recorded in the PID file the supervisor writes; nothing listens on the apiserver port.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostkit import ports, process
from lab import paths
from lab.cli import main
from lab.mgmt import cluster, embedded, pki, record


@pytest.fixture
def orphan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[int]:
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))
    lab = paths.lab_dir("orph")
    layout = embedded.Layout(lab)
    record.save(lab, record.Record("embedded", str(layout.kubeconfig), {"apiserver": ports.free()}))
    pki.ensure(layout.pki)  # the readiness probe presents the admin certificate
    layout.run.mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        process.record(sleeper.pid, layout.run / "etcd.pid")
        yield sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)


def test_orphaned_components_are_running_and_unsupervised(orphan: int) -> None:
    state = cluster.status(paths.lab_dir("orph"))
    assert state["running"] is True and state["supervised"] is False
    assert state["components"] == {
        "etcd": {"pid": orphan, "restarts": None, "state": "unsupervised"}
    }


def test_the_cli_says_the_supervisor_is_gone(
    orphan: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["mgmt", "status", "--name", "orph"]) == 3  # not ready: no apiserver
    out = capsys.readouterr().out
    assert "running:  True" in out
    assert "supervisor: not running (killed?)" in out and "`metallab mgmt up`" in out
    assert "etcd" in out and f"pid={orphan}" in out


def test_nothing_left_is_not_running(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))
    lab = paths.lab_dir("gone")
    record.save(lab, record.Record("embedded", "k", {"apiserver": ports.free()}))
    assert cluster.status(lab)["running"] is False
