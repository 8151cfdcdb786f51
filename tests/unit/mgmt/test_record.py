"""An unreadable ``cluster.json``: one line naming it and the fix, and that fix really works.

Covers invalid JSON, a non-object, unknown keys, missing keys and wrong types: ``status`` and
``down`` refuse with the file's path and ``metallab mgmt down --wipe``; ``down --wipe`` then
erases the lab's management cluster without needing the record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import paths
from lab.cli import main
from lab.mgmt import record

UNREADABLE = [
    pytest.param("{not json", "is not valid JSON", id="invalid-json"),
    pytest.param("[1, 2]", "holds a list, not an object", id="not-an-object"),
    pytest.param(
        '{"provider": "embedded", "kubeconfig": "k", "colour": "red"}',
        "has unknown keys colour",
        id="unknown-key",
    ),
    pytest.param('{"provider": "embedded"}', "lacks kubeconfig", id="missing-key"),
    pytest.param(
        '{"provider": "embedded", "kubeconfig": "k", "ports": {"apiserver": "x"}}',
        "has values of the wrong type",
        id="wrong-type",
    ),
]


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))
    return paths.lab_dir("broken")


def _write(lab: Path, text: str) -> Path:
    path = record.directory(lab) / "cluster.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("metallab: error: ")
    return lines[0]


@pytest.mark.parametrize(("text", "problem"), UNREADABLE)
def test_status_names_the_file_and_the_fix(
    lab: Path, text: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(lab, text)
    assert main.main(["mgmt", "status", "--name", lab.name]) == 1
    line = _error_line(capsys)
    assert f"{path} {problem}" in line
    assert "metallab mgmt down --wipe" in line
    assert path.read_text() == text, "the record must be left as it was"


@pytest.mark.parametrize(("text", "problem"), UNREADABLE)
def test_down_without_wipe_keeps_the_record(
    lab: Path, text: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(lab, text)
    assert main.main(["mgmt", "down", "--name", lab.name]) == 1
    assert problem in _error_line(capsys)
    assert path.read_text() == text


@pytest.mark.parametrize(("text", "problem"), UNREADABLE)
def test_down_wipe_erases_despite_the_record(lab: Path, text: str, problem: str) -> None:
    _write(lab, text)
    (record.directory(lab) / "etcd").mkdir()
    (lab / "kubeconfig").write_text("stale")
    assert main.main(["mgmt", "down", "--wipe", "--name", lab.name]) == 0
    assert not lab.exists()
    assert main.main(["mgmt", "status", "--name", lab.name]) == 3, "no cluster, no error"


def test_a_saved_record_loads_back(lab: Path) -> None:
    saved = record.Record("embedded", "/x/kubeconfig", {"apiserver": 6443})
    record.save(lab, saved)
    assert record.load(lab) == saved
