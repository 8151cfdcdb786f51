"""Where a lab keeps its state: one directory per lab name under the metallab home.

The home is ``$METALLAB_HOME`` or ``~/.local/share/metallab``; tests point it at a temporary
directory so they never touch a developer's lab. Built binaries live in a cache shared by all
labs (``$METALLAB_CACHE`` or ``~/.cache/metallab``), keyed by version.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hostkit import errors

DEFAULT_LAB = "metallab"
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,14}$")


def home() -> Path:
    return Path(os.environ.get("METALLAB_HOME", Path.home() / ".local" / "share" / "metallab"))


def cache() -> Path:
    return Path(os.environ.get("METALLAB_CACHE", Path.home() / ".cache" / "metallab"))


def check_name(name: str) -> str:
    """Lab names become interface and netns names, so they are short and plain."""
    if not _NAME.match(name):
        raise errors.LabError(
            f"invalid lab name {name!r}",
            fix="use 1-15 characters: a lowercase letter, then lowercase letters, digits or '-'",
        )
    return name


def lab_dir(name: str = DEFAULT_LAB) -> Path:
    return home() / "labs" / check_name(name)
