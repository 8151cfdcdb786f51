"""``metallab kubectl …`` hands every argument after the noun to kubectl unchanged."""

from __future__ import annotations

import pytest

from lab.cli import main


@pytest.mark.parametrize(
    ("argv", "lab", "passed"),
    [
        (["kubectl", "get", "ns"], "metallab", ["get", "ns"]),
        (["kubectl", "--name", "x", "version", "-o", "json"], "x", ["version", "-o", "json"]),
        (["kubectl", "get", "bmh", "-A", "-w"], "metallab", ["get", "bmh", "-A", "-w"]),
        (["kubectl", "--", "--help"], "metallab", ["--", "--help"]),
    ],
)
def test_arguments_reach_kubectl(argv: list[str], lab: str, passed: list[str]) -> None:
    args, extra = main.parser().parse_known_args(argv)
    assert args.name == lab
    assert extra == passed
    assert args.passthrough


def test_other_nouns_reject_unknown_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main.main(["mgmt", "status", "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_lab_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["mgmt", "up", "--name", "Bad Name"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "metallab: error: invalid lab name 'Bad Name' — use 1-15 characters: a lowercase "
        "letter, then lowercase letters, digits or '-'"
    ]
