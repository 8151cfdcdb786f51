"""The controller's own entry point: a real cluster gets the real BMCs unless told otherwise."""

from __future__ import annotations

import argparse

from controller import cli


def _options(*argv: str) -> str:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return cli.build_options(parser.parse_args(list(argv))).provisioner


def test_provisioner_defaults_to_the_real_bmcs() -> None:
    assert _options() == "direct"


def test_fixture_is_one_flag_away() -> None:
    assert _options("--provisioner", "fixture") == "fixture"
