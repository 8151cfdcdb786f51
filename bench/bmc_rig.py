"""A private rig for the BMC benchmarks: one IPMI and one Redfish BMC on real libvirt domains,
and the real clients that time them.

``rig()`` starts its own libvirtd in its own network namespace (``lab.hardware``), defines two
diskless TCG domains and runs the BMC supervisor for them; everything is removed when the block
ends. ``time_ipmi`` times ``ipmitool -I lanplus power status`` (a full RMCP+ login each, as
ipmitool does); ``time_redfish`` times ``GET`` over one keep-alive HTTPS session (as sushy
does). Used by ``bench.bmc_latency`` and ``bench.bmc_soak``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import libvirt
import requests

from hostkit import ports
from lab.hardware import layout as hw_layout
from lab.hardware import libvirtd, netns, pool
from vbmc import spec, supervisor, tls

WARMUP = 5


@dataclasses.dataclass(frozen=True)
class Rig:
    state: Path  # the BMC supervisor's state directory
    ipmi: spec.BmcSpec
    redfish: spec.BmcSpec
    ca: tls.KeyPair
    statuses: tuple[spec.BmcStatus, ...]
    reconcile_s: float
    system_url: str  # the Redfish host's system resource


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples`` (seconds), in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def _domain_xml(name: str) -> str:
    return (
        f"<domain type='qemu'><name>{name}</name><uuid>{uuid.uuid4()}</uuid>"
        "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>"
    )


def time_ipmi(bmc: spec.BmcSpec, runs: int) -> list[float]:
    argv = ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(bmc.port)]
    argv += ["-U", bmc.username, "-E", "power", "status"]
    env = {"IPMI_PASSWORD": bmc.password, "PATH": "/usr/bin"}
    samples = []
    for i in range(WARMUP + runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True, timeout=30)
        if i >= WARMUP:
            samples.append(time.perf_counter() - started)
    return samples


def time_redfish(url: str, bmc: spec.BmcSpec, ca: Path, runs: int) -> list[float]:
    samples = []
    with requests.Session() as session:
        session.auth = (bmc.username, bmc.password)
        for i in range(WARMUP + runs):
            started = time.perf_counter()
            # verify per request: a Session's own verify loses to $REQUESTS_CA_BUNDLE.
            session.get(url, timeout=30, verify=str(ca)).raise_for_status()
            if i >= WARMUP:
                samples.append(time.perf_counter() - started)
    return samples


def _bmc(host: str, kind: spec.BmcKind, uri: str) -> spec.BmcSpec:
    sock = socket.SOCK_DGRAM if kind is spec.BmcKind.IPMI else socket.SOCK_STREAM
    return spec.BmcSpec(host, kind, ports.free(sock), "admin", f"{host}-pw", uri, host)


@contextlib.contextmanager
def rig() -> Iterator[Rig]:
    name = f"bb{os.getpid() % 100000}"
    with tempfile.TemporaryDirectory(prefix="vbmc-bench-") as tmp:
        state = Path(tmp)
        uri = hw_layout.libvirt_uri(state)
        try:
            netns.create(name)
            libvirtd.start(name, state)
            conn = libvirtd.connect(state)
            pool.ensure(conn, state)
            for dom in ("bench-ipmi", "bench-rf"):
                conn.defineXML(_domain_xml(dom))
            rf_uuid = conn.lookupByName("bench-rf").UUIDString()
            conn.close()
            ipmi = _bmc("bench-ipmi", spec.BmcKind.IPMI, uri)
            rf = _bmc("bench-rf", spec.BmcKind.REDFISH, uri)
            ca = tls.create_ca(state / "ca")
            started = time.monotonic()
            statuses = supervisor.reconcile(state / "lab", [ipmi, rf], ca=ca)
            yield Rig(
                state=state / "lab",
                ipmi=ipmi,
                redfish=rf,
                ca=ca,
                statuses=tuple(statuses),
                reconcile_s=time.monotonic() - started,
                system_url=f"https://127.0.0.1:{rf.port}/redfish/v1/Systems/{rf_uuid}",
            )
        finally:
            supervisor.stop_all(state / "lab")
            try:
                conn = libvirt.open(uri)
                for dom in conn.listAllDomains():
                    dom.undefine()
                pool.remove(conn)
                conn.close()
            except libvirt.libvirtError:
                pass
            libvirtd.stop(state)
            netns.remove(name)
