"""The one exception base of metallab's host side: every error names the problem and the fix.

Raised by every ``hostkit``, ``lab`` and ``vbmc`` module; the CLI prints ``str(err)`` as one
line and exits non-zero, so a message must read well on its own: what went wrong, then what to
do about it.
"""

from __future__ import annotations


class LabError(Exception):
    """A failure the user can act on; ``fix`` says how."""

    def __init__(self, problem: str, *, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} — {fix}" if fix else problem)
