"""Benchmark of the virtual BMCs: IPMI and Redfish request latency, and RSS per BMC process.

Starts its own libvirtd in its own network namespace (``lab.hardware``), defines two diskless
TCG domains, runs the BMC supervisor with one IPMI and one Redfish host, then times ``RUNS`` real
``ipmitool -I lanplus power status`` invocations (each a full RMCP+ login, as ipmitool does) and
``RUNS`` Redfish ``GET /redfish/v1/Systems/<uuid>`` over one keep-alive HTTPS session (as sushy
does). Prints a markdown section. Everything it starts is removed at the end.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import libvirt
import requests

from hostkit import ports, process
from lab.hardware import layout as hw_layout
from lab.hardware import libvirtd, netns, pool
from vbmc import layout, spec, supervisor, tls

RUNS = 100
WARMUP = 5


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def _domain_xml(name: str) -> str:
    return (
        f"<domain type='qemu'><name>{name}</name><uuid>{uuid.uuid4()}</uuid>"
        "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>"
    )


def _time_ipmi(bmc: spec.BmcSpec) -> list[float]:
    argv = ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(bmc.port)]
    argv += ["-U", bmc.username, "-E", "power", "status"]
    env = {"IPMI_PASSWORD": bmc.password, "PATH": "/usr/bin"}
    samples = []
    for i in range(WARMUP + RUNS):
        started = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True, timeout=30)
        if i >= WARMUP:
            samples.append(time.perf_counter() - started)
    return samples


def _time_redfish(url: str, bmc: spec.BmcSpec, ca: Path) -> list[float]:
    samples = []
    with requests.Session() as session:
        session.auth = (bmc.username, bmc.password)
        for i in range(WARMUP + RUNS):
            started = time.perf_counter()
            # verify per request: a Session's own verify loses to $REQUESTS_CA_BUNDLE.
            session.get(url, timeout=30, verify=str(ca)).raise_for_status()
            if i >= WARMUP:
                samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
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
            ipmi = spec.BmcSpec(
                "bench-ipmi",
                spec.BmcKind.IPMI,
                ports.free(socket.SOCK_DGRAM),
                "admin",
                "bench-ipmi-pw",
                uri,
                "bench-ipmi",
            )
            rf = spec.BmcSpec(
                "bench-rf",
                spec.BmcKind.REDFISH,
                ports.free(socket.SOCK_STREAM),
                "admin",
                "bench-rf-pw",
                uri,
                "bench-rf",
            )
            ca = tls.create_ca(state / "ca")
            started = time.monotonic()
            statuses = supervisor.reconcile(state / "lab", [ipmi, rf], ca=ca)
            reconcile_s = time.monotonic() - started
            ipmi_ms = _percentiles(_time_ipmi(ipmi))
            url = f"https://127.0.0.1:{rf.port}/redfish/v1/Systems/{rf_uuid}"
            redfish_ms = _percentiles(_time_redfish(url, rf, ca.cert))
            rss = {s.kind.value: _rss_mib(s.pid) for s in statuses if s.pid}
            daemon = process.read_pid(layout.supervisor_pid(state / "lab"))
            daemon_rss = _rss_mib(daemon) if daemon else 0.0
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
    print("## Virtual BMCs\n")
    print("Command: `python -m bench.bmc_latency`\n")
    print("| measure | value | target |")
    print("| --- | --- | --- |")
    print(
        f"| `ipmitool -I lanplus power status` (new RMCP+ session each; {RUNS} runs) p50 / p95 "
        f"| {ipmi_ms[0]:.0f} ms / {ipmi_ms[1]:.0f} ms | measured |"
    )
    print(
        f"| Redfish `GET /redfish/v1/Systems/<uuid>` (HTTPS keep-alive; {RUNS} runs) p50 / p95 "
        f"| {redfish_ms[0]:.0f} ms / {redfish_ms[1]:.0f} ms | measured |"
    )
    print(f"| RSS of one IPMI BMC process (one host) | {rss.get('ipmi', 0):.0f} MiB | measured |")
    print(
        f"| RSS of the Redfish emulator process (serves all Redfish hosts) "
        f"| {rss.get('redfish', 0):.0f} MiB | measured |"
    )
    print(f"| RSS of the BMC supervisor daemon | {daemon_rss:.0f} MiB | measured |")
    print(
        "| `vbmc.supervisor.reconcile` of 1 IPMI + 1 Redfish BMC to listening "
        f"| {reconcile_s:.1f} s | measured |"
    )


if __name__ == "__main__":
    main()
