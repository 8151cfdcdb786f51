"""Shared-library closure checks for an initramfs root, read from each ELF's DT_NEEDED.

``needed`` asks ``readelf -d`` which libraries a binary, extension module or library links, so
the build copies exactly the closure and refuses an unresolved library (naming it and its
user) instead of shipping an interpreter that fails at boot. Called by ``lab.images.python``.
"""

from __future__ import annotations

import re
from pathlib import Path

from hostkit import runner

_NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[(.+)\]")


def needed(binary: Path) -> list[str]:
    readelf = runner.require("readelf", package="binutils")
    return _NEEDED.findall(runner.run([readelf, "-d", str(binary)]).stdout)
