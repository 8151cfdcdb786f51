"""``metallab image build TARGET``: images the lab builds, one row of ``TARGETS`` each.

A target is a function returning a one-line summary of what it built (or found already
built); adding a target is adding a row.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from lab.images.node import build as node_build


def _node(force: bool) -> str:
    image = node_build.ensure(force=force)
    size = image.qcow2.stat().st_size / 2**20
    return f"node image {image.qcow2} ({size:.0f} MiB, sha256 {image.sha256[:12]}…)"


TARGETS: dict[str, tuple[str, Callable[[bool], str]]] = {
    "node": ("Debian node OS with containerd, kubelet, kubeadm and preloaded images", _node),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    image = subparsers.add_parser("image", help="build the lab's images (cached)")
    verbs = image.add_subparsers(dest="verb", metavar="VERB", required=True)
    build = verbs.add_parser(
        "build",
        help="build an image; a no-op when its inputs have not changed",
        description="Targets: "
        + "; ".join(f"{name}: {summary}" for name, (summary, _) in TARGETS.items()),
    )
    build.add_argument("name", choices=sorted(TARGETS), help="what to build")
    build.add_argument("--force", action="store_true", help="rebuild even if cached")
    build.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    summary = TARGETS[args.name][1](args.force)
    print(f"✓ {summary} in {time.monotonic() - started:.1f}s")
    return 0
