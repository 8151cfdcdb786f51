"""Benchmark of the embedded management cluster: warm start to ready, idle RSS, cold build.

Runs in a temporary METALLAB_HOME: one ``up`` to create the data, then ``RUNS`` timed
``down``/``up`` cycles through the real CLI; RSS is summed over the three components after
the cluster has idled. The cold build compiles the binaries again with empty Go module, Go
build and metallab caches in a temporary directory: what a fresh machine pays once (it
downloads the modules from the Go module proxy).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hostkit import supervisor
from lab import paths
from lab.mgmt import binaries, embedded

RUNS = 5
IDLE_SECONDS = 20


def _metallab(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "lab.cli.main", *args], check=True, capture_output=True)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cold_build_seconds() -> float:
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(
            os.environ,
            GOCACHE=f"{scratch}/go-build",
            GOMODCACHE=f"{scratch}/go-mod",
            METALLAB_CACHE=f"{scratch}/metallab",
        )
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "lab.cli.main", "mgmt", "build"],
            env=env,
            check=True,
            capture_output=True,
        )
        elapsed = time.monotonic() - started
        # Go writes its module cache read-only; make it removable.
        subprocess.run(["chmod", "-R", "u+w", scratch], check=True)
    return elapsed


def main() -> None:
    built = binaries.ensure()
    with tempfile.TemporaryDirectory() as home:
        os.environ["METALLAB_HOME"] = home
        lab = paths.lab_dir("bench")
        try:
            _metallab("mgmt", "up", "--name", "bench")
            times = []
            for _ in range(RUNS):
                _metallab("mgmt", "down", "--name", "bench")
                started = time.monotonic()
                _metallab("mgmt", "up", "--name", "bench")
                times.append(time.monotonic() - started)
            time.sleep(IDLE_SECONDS)
            status = supervisor.read_status(embedded.Layout(lab).run)
            rss = {}
            for name, info in status.items():
                pid = info.get("pid")
                if isinstance(pid, int):
                    rss[name] = _rss_mib(pid)
        finally:
            _metallab("mgmt", "down", "--wipe", "--name", "bench")
    cold = _cold_build_seconds()
    print("## Management cluster (embedded)\n")
    print("Command: `python -m bench.mgmt_up`\n")
    print("| measure | value | target |")
    print("| --- | --- | --- |")
    print(
        f"| warm `metallab mgmt up` to ready (median of {RUNS}; min to max) | "
        f"{statistics.median(times):.1f} s ({min(times):.1f} to {max(times):.1f}) | ≤ 10 s |"
    )
    parts = ", ".join(f"{name} {mib:.0f}" for name, mib in rss.items())
    print(
        f"| idle RSS of the three components after {IDLE_SECONDS} s | "
        f"{sum(rss.values()):.0f} MiB ({parts}) | ≤ 700 MB |"
    )
    print(
        f"| cold build of the Kubernetes {built.version} binaries (empty Go and metallab caches) "
        f"| {cold:.0f} s | measured |"
    )


if __name__ == "__main__":
    main()
