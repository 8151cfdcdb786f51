"""Benchmark of the deploy agent's image path, no VMs: a 512 MiB raw image streamed over
loopback HTTP onto a plain file by ``agent.imaging`` in a child process (throughput with the
sha256 check, and the child's peak RSS — hosts have 256 MiB, so it must stay flat), and the
conductor making a per-host ISO from a base ISO shaped like the lab's ``agent.iso``. Prints a
markdown section."""

from __future__ import annotations

import hashlib
import pathlib
import subprocess
import sys
import tempfile
import time

from controller.conductor import bootfiles
from tests import agentrig, imageserver

IMAGE_MIB = 512
RUNS = 5

_CHILD = """
import resource, sys, time
from agent import imaging
start = time.monotonic()
imaging.write(imaging.ImageInfo(sys.argv[1], sys.argv[2], "sha256"), sys.argv[3], int(sys.argv[4]))
print(time.monotonic() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _stream(work: pathlib.Path) -> tuple[float, float]:
    (work / "www").mkdir()
    size = IMAGE_MIB * 2**20
    block = bytes(range(256)) * 4096
    digest = hashlib.sha256()
    with (work / "www/os.img").open("wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
            digest.update(block)
    with (work / "disk").open("wb") as f:
        f.truncate(2 * size)
    with imageserver.serve(work / "www") as url:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, f"{url}/os.img", digest.hexdigest(),
             str(work / "disk"), str(2 * size)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    seconds, rss_kib = done.stdout.split()
    return float(seconds), int(rss_kib) / 1024


def _iso(work: pathlib.Path) -> float:
    base = agentrig.build_base_iso(work)
    (work / "isos").mkdir()
    (work / "isos/agent-base.iso").write_bytes(base.read_bytes())
    maker = bootfiles.IsoMaker("http://127.0.0.1:1/unused", work / "isos")
    config = bootfiles.boot_config(conductor_url="https://127.0.0.1:1", token="t", ca_pem="CA")
    samples = []
    for run in range(RUNS):
        start = time.monotonic()
        maker.make(f"{run:016x}", config)
        samples.append(time.monotonic() - start)
    return sorted(samples)[len(samples) // 2]


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        work = pathlib.Path(directory)
        (work / "stream").mkdir()
        (work / "iso").mkdir()
        seconds, rss = _stream(work / "stream")
        iso = _iso(work / "iso")
    print("## Deploy agent image path (no VMs)\n")
    print("| measure | value |\n| --- | --- |")
    print(f"| {IMAGE_MIB} MiB raw image streamed + sha256 (loopback HTTP → file) | "
          f"{seconds:.2f} s ({IMAGE_MIB / seconds:.0f} MiB/s) |")  # fmt: skip
    print(f"| agent peak RSS while streaming it | {rss:.0f} MiB |")
    print(f"| per-host ISO from the base ISO (median of {RUNS}) | {iso * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
