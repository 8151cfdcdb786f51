"""Benchmark of the node image: its build (cold time from the build's own record, warm =
a no-op ``ensure``), its size, and under TCG on two lab VMs: power-on → control-plane node
``Ready`` and power-on of the worker → worker ``Ready``, each with its phases as seen on the
serial console (systemd, cloud-init, kubeadm preflight, kubelet start, control plane healthy,
kubeadm done).

Run by ``make bench`` (``python -m bench.run``) as ``python -m bench.node_image``; prints a
markdown section. Builds the image first if the cache has none (that run is the cold build).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from lab import paths
from lab import up as lifecycle
from lab.images.node import build
from tests.e2e import kubenodes

NAME = "benchkube"


def _phases(timeline: kubenodes.Timeline) -> str:
    return ", ".join(f"{name} {at:.0f} s" for name, at in timeline.seen.items())


def main() -> int:
    started = time.monotonic()
    image = build.ensure()
    first = time.monotonic() - started
    started = time.monotonic()
    build.ensure()
    warm = time.monotonic() - started
    home = Path(tempfile.mkdtemp(prefix="mlbench-"))
    os.environ["METALLAB_HOME"] = str(home)
    try:
        config = kubenodes.lab_file(home, octet=238, hosts=2)
        lab = lifecycle.up(
            lifecycle.Options(name=NAME, config=config, hardware_only=True),
            progress=lambda _l: None,
        )
        state = paths.lab_dir(NAME)
        cluster = kubenodes.cluster(lab, home)
        control_plane, worker = lab.hosts
        started = time.monotonic()
        kubenodes.provision(
            lab, state, control_plane, image.qcow2, kubenodes.init_user_data(lab, cluster)
        )
        cp = kubenodes.wait_ready(
            cluster.kubeconfig,
            state,
            control_plane,
            kubenodes.CONTROL_PLANE_MARKERS,
            started=started,
            timeout=1200,
        )
        started = time.monotonic()
        kubenodes.provision(lab, state, worker, image.qcow2, kubenodes.join_user_data(lab, cluster))
        wk = kubenodes.wait_ready(
            cluster.kubeconfig,
            state,
            worker,
            kubenodes.WORKER_MARKERS,
            started=started,
            timeout=900,
        )
    finally:
        lifecycle.down(NAME, progress=lambda _l: None)
        shutil.rmtree(home, ignore_errors=True)
    size = image.qcow2.stat().st_size / 2**20
    rows = [
        (
            "cold image build (debootstrap, root, preload, disk; Go builds from a warm Go cache)",
            f"{image.record.get('seconds')} s" + (" (this run)" if first > 10 * warm else ""),
            "measured",
        ),
        ("warm image build (no-op: sha256 check of the cached image)", f"{warm:.1f} s", "measured"),
        ("image size (qcow2, 5 GiB virtual)", f"{size:.0f} MiB", "measured"),
        ("power-on → control-plane node Ready (BIOS)", f"{cp.seen['ready']:.0f} s", "≤ 240 s"),
        ("… its phases, seconds since power-on", _phases(cp), ""),
        (
            "power-on of the worker → worker Ready (UEFI, `kubeadm join`)",
            f"{wk.seen['ready']:.0f} s",
            "≤ 120 s",
        ),
        ("… its phases, seconds since power-on", _phases(wk), ""),
    ]
    print("## Node image (TCG, 2 vCPUs and 2.5 GiB per VM)\n")
    print("Command: `python -m bench.node_image`\n")
    print("| measure | value | target |")
    print("| --- | --- | --- |")
    for measure, value, target in rows:
        print(f"| {measure} | {value} | {target} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
