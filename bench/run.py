"""Run every benchmark module and write ``docs/benchmarks.md``.

Each module in ``MODULES`` runs as ``python -m bench.<name>`` in its own process (so one
benchmark's daemons and memory never skew another's) and prints a markdown section on stdout.
A benchmark that fails is reported as failed in the document, with its last error line.
``python -m bench.run NAME…`` runs only those and prints them without touching the document,
which always holds one complete run.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

MODULES = (
    "mgmt_up",
    "bmc_latency",
    "bmc_soak",
    "lab_up",
    "controller_scale",
    "agent_stream",
    "node_image",
    "ramdisk",
)
OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def _section(name: str) -> str:
    if not (Path(__file__).parent / f"{name}.py").exists():
        return ""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"## {name}\n\n**failed** (exit {done.returncode}): `{tail}`\n"
    return done.stdout.strip() + "\n"


def main() -> int:
    only = sys.argv[1:]
    sections = [s for s in (_section(name) for name in only or MODULES) if s]
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        "# Benchmarks\n\n"
        f"Produced by `make bench` (`python -m bench.run`) on {when}: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        "Every number below was measured in that run unless a row says otherwise.\n"
    )
    document = "\n".join([header, *sections])
    if not only:
        OUTPUT.write_text(document)
    print(document)
    return 0 if all("**failed**" not in s for s in sections) else 1


if __name__ == "__main__":
    sys.exit(main())
