"""Shared-library closure checks for an initramfs root, read from each ELF's DT_NEEDED.

``needed`` asks ``readelf -d`` which libraries a binary or extension module links;
``unresolved`` lists those no library directory of the root provides. The build refuses a
root with an unresolved library (naming it and its user) instead of shipping an interpreter
that fails at boot. Called by ``lab.images.python``.
"""

from __future__ import annotations

import re
from pathlib import Path

from lab import runner

LIBRARY_DIRS = ("usr/lib/x86_64-linux-gnu", "usr/lib64")
_NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[(.+)\]")


def needed(binary: Path) -> list[str]:
    readelf = runner.require("readelf", package="binutils")
    return _NEEDED.findall(runner.run([readelf, "-d", str(binary)]).stdout)


def unresolved(root: Path, binary: Path) -> list[str]:
    return [
        lib
        for lib in needed(binary)
        if not any((root / directory / lib).exists() for directory in LIBRARY_DIRS)
    ]
