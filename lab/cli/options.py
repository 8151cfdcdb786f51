"""Options shared by several nouns (which lab to act on)."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab import paths


def add_lab_name(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name",
        default=paths.DEFAULT_LAB,
        help=f"lab name; several labs can coexist (default: {paths.DEFAULT_LAB})",
    )


def lab_dir(args: argparse.Namespace) -> Path:
    return paths.lab_dir(str(args.name))
