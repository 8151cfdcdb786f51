"""Benchmark of the virtual BMCs: IPMI and Redfish request latency, and RSS per BMC process.

On the private rig of ``bench.bmc_rig`` (its own libvirtd, one IPMI and one Redfish host), times
``RUNS`` real ``ipmitool -I lanplus power status`` invocations (each a full RMCP+ login, as
ipmitool does) and ``RUNS`` Redfish ``GET /redfish/v1/Systems/<uuid>`` over one keep-alive HTTPS
session (as sushy does). Prints a markdown section. Everything it starts is removed at the end.
"""

from __future__ import annotations

from pathlib import Path

from bench import bmc_rig
from hostkit import process
from vbmc import layout

RUNS = 100


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    with bmc_rig.rig() as rig:
        reconcile_s = rig.reconcile_s
        ipmi_ms = bmc_rig.percentiles(bmc_rig.time_ipmi(rig.ipmi, RUNS))
        redfish_ms = bmc_rig.percentiles(
            bmc_rig.time_redfish(rig.system_url, rig.redfish, rig.ca.cert, RUNS)
        )
        rss = {s.kind.value: _rss_mib(s.pid) for s in rig.statuses if s.pid}
        daemon = process.read_pid(layout.supervisor_pid(rig.state))
        daemon_rss = _rss_mib(daemon) if daemon else 0.0
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
