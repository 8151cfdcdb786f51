"""``metallab image build NAME`` and ``metallab image path NAME``: the lab's boot images.

``build`` makes the agent ramdisk or the test OS image from Debian packages (a no-op when the
cache holds a build of the same inputs; ``--force`` rebuilds); ``path`` prints the directory
of the current build, for scripts. Calls ``lab.images.build`` and ``lab.images.cache``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.images import build, cache


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    image = subparsers.add_parser("image", help="build the agent ramdisk and the test OS image")
    verbs = image.add_subparsers(dest="verb", metavar="VERB", required=True)
    make = verbs.add_parser("build", help="build an image unless an identical build is cached")
    make.add_argument("name", choices=build.NAMES)
    make.add_argument(
        "--agent-dir", type=Path, help="the agent package to put in the ramdisk (default: agent/)"
    )
    make.add_argument("--force", action="store_true", help="rebuild even if cached")
    make.set_defaults(func=_build)
    where = verbs.add_parser("path", help="print the directory of the current build")
    where.add_argument("name", choices=build.NAMES)
    where.set_defaults(func=_path)


def _build(args: argparse.Namespace) -> int:
    build.build(args.name, agent_dir=args.agent_dir, force=args.force)
    return 0


def _path(args: argparse.Namespace) -> int:
    print(cache.current(args.name))
    return 0
