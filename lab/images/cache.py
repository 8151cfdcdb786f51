"""Where built images live: ``~/.cache/metallab/images/<name>-<digest>/``, never in the repo.

A build writes into a scratch directory and renames it into place only when complete, so a
directory named by a digest is always a finished build (the no-op check), one build of a name
at a time (``locked``); ``current`` is the newest build of a name, which is what the lab
serves. Older builds of the same name are removed. Called by ``lab.images.build`` and
``lab.up``.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from collections.abc import Iterator
from pathlib import Path

from hostkit import errors
from lab import paths


def root() -> Path:
    return paths.cache() / "images"


def directory(name: str, digest: str) -> Path:
    return root() / f"{name}-{digest}"


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """One build of ``name`` at a time (two labs coming up at once share the cache)."""
    root().mkdir(parents=True, exist_ok=True)
    with (root() / f".{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def scratch(name: str) -> Path:
    path = root() / f".build-{name}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def publish(name: str, digest: str, built: Path) -> Path:
    """Move a finished build into place, point ``current`` at it, drop older builds."""
    final = directory(name, digest)
    shutil.rmtree(final, ignore_errors=True)
    built.rename(final)
    link = root() / name
    tmp = root() / f".{name}.link"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(final.name)
    tmp.replace(link)
    for old in root().glob(f"{name}-*"):
        if old != final and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return final


def current(name: str) -> Path:
    """The newest finished build of ``name``, or an error saying how to build it."""
    link = root() / name
    if not link.is_dir():
        raise errors.LabError(
            f"the {name} image is not built", fix=f"run `metallab image build {name}`"
        )
    return link.resolve()
