"""``metallab image build NAME`` and ``metallab image path NAME``: the images the lab builds.

``build`` makes one image — the agent ramdisk, the test OS or the node OS — from Debian
packages and the project's Go builds (a no-op when the cache holds a build of the same inputs;
``--force`` rebuilds); each target is one row of ``TARGETS``. ``path`` prints the directory of
the current boot-image build, for scripts. Calls ``lab.images.build``, ``lab.images.cache``
and ``lab.images.node.build``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from lab.images import build, cache
from lab.images.node import build as node_build

# A builder returns its one-line summary, or "" when it printed its own progress and result.
Builder = Callable[[argparse.Namespace], str]


def _boot_image(args: argparse.Namespace) -> str:
    build.build(args.name, agent_dir=args.agent_dir, force=args.force)
    return ""


def _node(args: argparse.Namespace) -> str:
    image = node_build.ensure(force=args.force)
    size = image.qcow2.stat().st_size / 2**20
    return f"node image {image.qcow2} ({size:.0f} MiB, sha256 {image.sha256[:12]}…)"


TARGETS: dict[str, tuple[str, Builder]] = {
    "agent": ("the deploy agent's ramdisk: kernel, initrd, ISO", _boot_image),
    "testos": ("a tiny OS that prints its config drive's user_data", _boot_image),
    "node": ("Debian node OS with containerd, kubelet, kubeadm and preloaded images", _node),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    image = subparsers.add_parser("image", help="build the lab's images (cached)")
    verbs = image.add_subparsers(dest="verb", metavar="VERB", required=True)
    make = verbs.add_parser(
        "build",
        help="build an image; a no-op when its inputs have not changed",
        description="Targets: "
        + "; ".join(f"{name}: {summary}" for name, (summary, _) in TARGETS.items()),
    )
    make.add_argument("name", choices=sorted(TARGETS), help="what to build")
    make.add_argument(
        "--agent-dir", type=Path, help="the agent package to put in the ramdisk (default: agent/)"
    )
    make.add_argument("--force", action="store_true", help="rebuild even if cached")
    make.set_defaults(func=_build)
    where = verbs.add_parser("path", help="print the directory of the current boot-image build")
    where.add_argument("name", choices=build.NAMES)
    where.set_defaults(func=_path)


def _build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    summary = TARGETS[args.name][1](args)
    if summary:
        print(f"✓ {summary} in {time.monotonic() - started:.1f}s")
    return 0


def _path(args: argparse.Namespace) -> int:
    print(cache.current(args.name))
    return 0
