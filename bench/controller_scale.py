"""Benchmark of the BareMetalHost controller: 1,000 fixture hosts to ``available``, and BMC calls.

Brings up an embedded management cluster in a temporary METALLAB_HOME, installs the CRDs,
runs ``python -m controller run --provisioner fixture`` as its own process, creates ``HOSTS``
hosts (one shared Secret) and times creation → all ``available``; the controller's peak RSS is
its VmHWM at the end. Then times ``CALLS`` power-state reads through the controller's own
Redfish client (sushy-tools' emulator, fake driver) and IPMI client (a pyghmi BMC), each BMC
in its own process on 127.0.0.1. Prints a markdown section for ``docs/benchmarks.md``.
"""

from __future__ import annotations

import concurrent.futures
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import bcrypt
from kubernetes import client

from controller.api import crds, types
from controller.bmc import access, credentials, ipmi, redfish
from hostkit import ports
from lab import kube, paths
from lab.mgmt import cluster
from lab.mgmt import crds as lab_crds
from tests.integration.controller import ipmi_bmc

HOSTS = int(os.environ.get("BENCH_HOSTS", "1000"))
CALLS = 200
WORKERS = int(os.environ.get("BENCH_WORKERS", "16"))
NAMESPACE = "bench"
TIMEOUT = 900.0
USER, PASSWORD = "admin", "bench-pw"


def _metallab(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "lab.cli.main", *args], check=True, capture_output=True)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _host(i: int) -> dict[str, object]:
    return {
        "apiVersion": types.API_VERSION,
        "kind": "BareMetalHost",
        "metadata": {"name": f"node-{i:04d}", "namespace": NAMESPACE},
        "spec": {
            "online": False,
            "bootMACAddress": f"52:54:00:00:{i // 256:02x}:{i % 256:02x}",
            "bmc": {"address": f"ipmi://127.0.0.1:{10000 + i}", "credentialsName": "bmc"},
        },
    }


def _available(metrics_port: int) -> int:
    """Hosts the controller has written as ``available``, from its own metrics endpoint.

    Scraping the controller is cheap; listing 1,000 hosts from the API server every second
    would take a good part of the two cores this benchmark measures.
    """
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith('metallab_hosts{state="available"}'):
            return int(float(line.split()[-1]))
    return 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scale(kubeconfig: Path, log_dir: Path) -> list[str]:
    lab_crds.install(kubeconfig, crds.all_crds())
    api = kube.api_client(kubeconfig)
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    core.create_namespace({"metadata": {"name": NAMESPACE}})
    core.create_namespaced_secret(
        NAMESPACE,
        {"metadata": {"name": "bmc"}, "stringData": {"username": USER, "password": PASSWORD}},
    )
    metrics_port = ports.free(socket.SOCK_STREAM)
    log = (log_dir / "controller.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "controller",
            "run",
            "--provisioner",
            "fixture",
            "--namespace",
            NAMESPACE,
            "--kubeconfig",
            str(kubeconfig),
            "--metrics-port",
            str(metrics_port),
            "--workers",
            str(WORKERS),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(3)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda i: custom.create_namespaced_custom_object(
                        types.GROUP, types.VERSION, NAMESPACE, "baremetalhosts", _host(i)
                    ),
                    range(HOSTS),
                )
            )
        created = time.monotonic() - started
        done = 0
        while done < HOSTS:
            if time.monotonic() - started > TIMEOUT:
                raise RuntimeError(f"only {done}/{HOSTS} hosts available after {TIMEOUT:.0f}s")
            time.sleep(0.5)
            done = _available(metrics_port)
        total = time.monotonic() - started
        peak = _peak_rss_mib(proc.pid)
        cpu = _cpu_seconds(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
        api.close()
    return [
        f"| {HOSTS} fixture hosts, creation → all `available` | {total:.1f} s | — |",
        f"| sustained rate | **{HOSTS / total:.1f} hosts/s** | ≥ 20 hosts/s |",
        f"| (of which creating the {HOSTS} objects, 8 client threads) | {created:.1f} s | — |",
        f"| controller peak RSS (VmHWM) | **{peak:.0f} MiB** | ≤ 400 MB |",
        f"| controller CPU time for the run (user + system) | {cpu:.1f} s | — |",
    ]


def _percentiles(call: Callable[[], object]) -> tuple[float, float]:
    call()  # the first call logs in / warms up
    samples = []
    for _ in range(CALLS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18]


def latency(state: Path) -> list[str]:
    htpasswd = state / "htpasswd"
    # bcrypt's cheapest cost: the emulator checks the password on every request, and at the
    # default cost that check alone (~250 ms) would be what this row measures.
    digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    htpasswd.write_text(f"{USER}:{digest}\n")
    system = "bench-system"
    fake = {"uuid": system, "name": "b", "power_state": "Off", "nics": []}
    (state / "emulator.conf").write_text(
        f"SUSHY_EMULATOR_AUTH_FILE = {str(htpasswd)!r}\n"
        f"SUSHY_EMULATOR_STATE_DIR = {str(state)!r}\n"
        f"SUSHY_EMULATOR_FAKE_SYSTEMS = {[fake]!r}\n"
    )
    rport, iport = ports.free(socket.SOCK_STREAM), ports.free(socket.SOCK_DGRAM)
    emulator = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "sushy-emulator"),
            "--config",
            str(state / "emulator.conf"),
            "--fake",
            "-i",
            "127.0.0.1",
            "-p",
            str(rport),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bmc = ipmi_bmc.start(iport, USER, PASSWORD)
    creds = credentials.Credentials(USER, PASSWORD)
    try:
        ports.wait_bound(rport)
        rf = redfish.RedfishClient(
            access.parse(f"redfish+http://127.0.0.1:{rport}/redfish/v1/Systems/{system}"), creds
        )
        ip = ipmi.IpmiClient(access.parse(f"ipmi://127.0.0.1:{iport}"), creds)
        r50, r95 = _percentiles(rf.powered_on)
        i50, i95 = _percentiles(ip.powered_on)
    finally:
        emulator.terminate()
        bmc.terminate()
        emulator.wait(10)
        bmc.wait(10)
    return [
        f"| Redfish power state via sushy (emulator, fake driver), {CALLS} calls "
        f"| p50 {r50:.1f} ms, p95 {r95:.1f} ms | — |",
        f"| IPMI power state via pyghmi (pyghmi BMC), {CALLS} calls "
        f"| p50 {i50:.1f} ms, p95 {i95:.1f} ms | — |",
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["METALLAB_HOME"] = home
        lab = paths.lab_dir("bench")
        try:
            _metallab("mgmt", "up", "--name", "bench")
            rows = scale(cluster.kubeconfig(lab), Path(home))
        finally:
            _metallab("mgmt", "down", "--wipe", "--name", "bench")
        rows += latency(Path(home))
    print("## BareMetalHost controller\n")
    print(
        "Fixture provisioner (no delays), embedded API server on the same 2 cores, default "
        f"provisioning limit (20), {WORKERS} workers. "
        "Measured by `python -m bench.controller_scale`.\n"
    )
    print("| what | measured | target |")
    print("| --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
