"""Entry point of the ``metallab`` console script.

Each noun module in ``NOUNS`` adds its sub-commands through ``register(subparsers)`` and sets
``func``; this module parses, configures logging and turns a ``LabError`` into one line on
stderr and exit status 1, so users see the problem and the fix, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from hostkit import errors

NOUNS = ("lab", "mgmt", "kubectl", "controller", "bmc", "image")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="metallab",
        description="An emulated bare-metal lab with a Metal3-compatible BareMetalHost controller.",
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log every command run")
    subparsers = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for noun in NOUNS:
        importlib.import_module(f"lab.cli.{noun}").register(subparsers)
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.func(args)
    except errors.LabError as err:
        print(f"metallab: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
