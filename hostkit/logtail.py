"""The end of a daemon's log, for error messages and restart lines that say why it died.

Called by the supervisors (``hostkit.supervisor``, ``vbmc.supervisor``) and the embedded
management cluster when a process exits or never gets ready.
"""

from __future__ import annotations

import re
from pathlib import Path


def tail(path: Path, *, lines: int = 3, prefer: re.Pattern[str] | None = None) -> str:
    """The last ``lines`` lines of ``path`` joined by `` | `` (at most 400 characters).

    With ``prefer``, only lines matching it count when there are any (say, error lines).
    """
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    chosen = [line for line in text if prefer.search(line)] if prefer is not None else []
    last = [line.strip() for line in (chosen or text)[-lines:]]
    return " | ".join(last)[:400] or "(empty log)"
