"""Build an image by name, or do nothing when a build with the same inputs exists.

``build`` makes the recipe's plan (resolving package versions offline), checks the cache for
its digest, and otherwise downloads the .debs, unpacks them into a scratch tree, lets the
recipe assemble its artefacts and publishes them, printing a progress line per step.
Called by ``metallab image build`` (``lab.cli.image``), the e2e tests and ``make bench``.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from hostkit import errors
from lab.images import agent, cache, debs, plan, testos

Progress = Callable[[str], None]
NAMES = (agent.NAME, testos.NAME)


@dataclasses.dataclass(frozen=True)
class Result:
    directory: Path
    digest: str
    built: bool  # False: the cache already held this digest


def default_agent_dir() -> Path:
    """The repo's ``agent/`` package, next to ``lab/``."""
    return Path(__file__).resolve().parents[2] / "agent"


def builder_files() -> tuple[tuple[str, str], ...]:
    """The builder's own source: changing how an image is made rebuilds it."""
    here = Path(__file__).resolve().parent
    return plan.file_hashes("lab/images", here, sorted(here.glob("*.py")))


def make_plan(name: str, *, agent_dir: Path | None = None) -> plan.Plan:
    if name == agent.NAME:
        return agent.make_plan(agent_dir or default_agent_dir(), builder_files())
    if name == testos.NAME:
        return testos.make_plan(builder_files())
    raise errors.LabError(f"no image named {name!r}", fix=f"one of {', '.join(NAMES)}")


def build(
    name: str, *, agent_dir: Path | None = None, force: bool = False, progress: Progress = print
) -> Result:
    started = time.monotonic()
    agent_dir = agent_dir or default_agent_dir()
    chosen = make_plan(name, agent_dir=agent_dir)
    digest = chosen.digest()
    with cache.locked(name):
        final = cache.directory(name, digest)
        if final.is_dir() and not force:
            progress(f"✓ {name} image is up to date ({final})")
            return Result(final, digest, built=False)
        final = _assemble(name, chosen, agent_dir, progress)
    sizes = ", ".join(
        f"{path.name} {path.stat().st_size / 2**20:.1f} MiB" for path in sorted(final.iterdir())
    )
    progress(f"✓ {name} image built in {time.monotonic() - started:.0f}s: {sizes}")
    return Result(final, digest, built=True)


def _assemble(name: str, chosen: plan.Plan, agent_dir: Path, progress: Progress) -> Path:
    found = debs.fetch(chosen.packages, progress=progress)
    work = cache.scratch(name)
    try:
        tree, out = work / "tree", work / "out"
        out.mkdir()
        progress(f"• Unpacking {len(found)} Debian packages")
        for deb in found.values():
            debs.extract(deb, tree)
        progress(f"• Assembling the {name} image")
        if name == agent.NAME:
            agent.assemble(tree, agent_dir, out)
        else:
            testos.assemble(tree, out)
        shutil.rmtree(tree)
        return cache.publish(name, chosen.digest(), out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
