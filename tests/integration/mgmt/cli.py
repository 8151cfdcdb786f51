"""Run the real ``metallab`` CLI in a subprocess, as a user would, against the test's home."""

from __future__ import annotations

import os
import subprocess
import sys


def metallab(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
