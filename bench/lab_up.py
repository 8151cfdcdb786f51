"""Benchmark of the lab's hardware: ``up`` time, virtual-media boot vs direct boot, idle RSS.

Run by ``make bench`` (``python -m bench.run``) as ``python -m bench.lab_up``; prints a markdown
section. Measures, under TCG, in a temporary METALLAB_HOME:

- ``metallab up --hardware-only`` for 2 and 8 hosts (mixed BMCs) until every BMC has answered a
  real client (``ipmitool power status`` / Redfish ``GET`` of the system), and ``down``;
- power-on to the guest's console marker through Redfish virtual media (insert, boot override,
  reset) vs the same ISO booted directly by ``qemu-system-x86_64`` in the same run (ratio);
- RSS per idle VM (powered on, no OS: firmware retrying its boot devices) and per BMC process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import sushy
import urllib3
import yaml

from hostkit import ports, runner
from lab import paths
from lab import up as lifecycle
from lab.config import model
from lab.hardware import bmcs, layout, libvirtd, netns
from tests.e2e import guest

BOOT_TIMEOUT = 180.0


def _lab_file(directory: Path, *, octet: int, hosts: int, protocol: str) -> Path:
    spec: dict[str, Any] = {
        "acceleration": "tcg",
        "networks": {
            "provisioning": {"cidr": f"10.{octet}.0.0/24"},
            "external": {"cidr": f"10.{octet + 1}.0.0/24"},
        },
        "bmc": {
            "protocol": protocol,
            "redfishPort": ports.free(),
            "ipmiPortBase": 16230 + octet * 10,
        },
        "hostDefaults": {"memoryMiB": 256, "disks": [{"sizeGiB": 1}]},
        "hosts": hosts,
    }
    path = directory / f"lab-{hosts}-{protocol}.yaml"
    doc = {"apiVersion": model.API_VERSION, "kind": model.KIND, "spec": spec}
    path.write_text(yaml.safe_dump(doc))
    return path


def _answers(lab: model.Lab, access: bmcs.Access, host: model.Host) -> bool:
    if access.protocol is model.BmcProtocol.IPMI:
        argv = ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(access.port)]
        argv += ["-U", access.username, "-P", access.password, "power", "status"]
        return "Chassis Power" in runner.run(argv, check=False, timeout=30).stdout
    root = f"https://127.0.0.1:{lab.bmc.redfish_port}/redfish/v1"
    conn = sushy.Sushy(root, username=access.username, password=access.password, verify=False)
    return conn.get_system(f"/redfish/v1/Systems/{host.uuid}").power_state is not None


def _up_until_answering(directory: Path, name: str, hosts: int, octet: int) -> float:
    config = _lab_file(directory, octet=octet, hosts=hosts, protocol="mixed")
    started = time.monotonic()
    lab = lifecycle.up(
        lifecycle.Options(name=name, config=config, hardware_only=True), progress=lambda _l: None
    )
    access = bmcs.access(paths.lab_dir(name), lab)
    for host, bmc in zip(lab.hosts, access, strict=True):
        if not _answers(lab, bmc, host):
            raise RuntimeError(f"BMC of {host.name} does not answer")
    return time.monotonic() - started


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _idle_rss(name: str, lab: model.Lab) -> tuple[float, float]:
    """Mean RSS (MiB) of a powered-on VM with no OS, and of a BMC process."""
    from vbmc import supervisor

    state = paths.lab_dir(name)
    conn = libvirtd.connect(state)
    try:
        for host in lab.hosts:
            conn.lookupByName(host.name).create()
    finally:
        conn.close()
    time.sleep(20)  # past firmware start-up, into the boot-retry loop
    qemus = [pid for pid in netns.pids(name) if "qemu" in Path(f"/proc/{pid}/comm").read_text()]
    vm = sum(_rss_kib(pid) for pid in qemus) / max(len(qemus), 1) / 1024
    bmc_pids = {s.pid for s in supervisor.status(state) if s.pid}
    bmc = sum(_rss_kib(pid) for pid in bmc_pids) / max(len(bmc_pids), 1) / 1024
    return vm, bmc


def _wait_marker(path: Path, started: float) -> float:
    while time.monotonic() - started < BOOT_TIMEOUT:
        if path.exists() and guest.MARKER in path.read_text(errors="replace"):
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"no marker in {path} within {BOOT_TIMEOUT}s")


def _virtual_media_boot(directory: Path, guest_dir: Path) -> float:
    server = subprocess.Popen(
        ["python3", "-m", "http.server", str(port := ports.free()), "--bind", "127.0.0.1"],
        cwd=guest_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        config = _lab_file(directory, octet=221, hosts=1, protocol="redfish-virtualmedia")
        lab = lifecycle.up(
            lifecycle.Options(name="benchvm", config=config, hardware_only=True),
            progress=lambda _l: None,
        )
        host = lab.hosts[0]
        access = bmcs.access(paths.lab_dir("benchvm"), lab)[0]
        root = f"https://127.0.0.1:{lab.bmc.redfish_port}/redfish/v1"
        started = time.monotonic()
        conn = sushy.Sushy(root, username=access.username, password=access.password, verify=False)
        system = conn.get_system(f"/redfish/v1/Systems/{host.uuid}")
        cd = next(m for m in system.virtual_media.members_identities if m.endswith("/Cd"))
        system.virtual_media.get_member(cd).insert_media(
            f"http://127.0.0.1:{port}/guest.iso", inserted=True, write_protected=True
        )
        system.set_system_boot_options(
            sushy.BOOT_SOURCE_TARGET_CD, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE
        )
        system.reset_system(sushy.RESET_ON)
        return _wait_marker(layout.console_log(paths.lab_dir("benchvm"), host.name), started)
    finally:
        server.terminate()
        server.wait(timeout=10)
        lifecycle.down("benchvm", progress=lambda _l: None)


def _direct_boot(guest_dir: Path) -> float:
    console = guest_dir / "direct.log"
    console.unlink(missing_ok=True)
    # -nic none: QEMU's default user-mode NIC would give the guest a network in the host's
    # namespace; the direct boot needs none (and -nodefaults would also drop the CD drive).
    argv = ["qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-m", "256", "-nic", "none"]
    argv += ["-display", "none", "-no-reboot", "-cdrom", str(guest_dir / "guest.iso")]
    argv += ["-boot", "d", "-serial", f"file:{console}"]
    started = time.monotonic()
    qemu = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return _wait_marker(console, started)
    finally:
        qemu.kill()
        qemu.wait(timeout=10)


def main() -> int:
    urllib3.disable_warnings()
    home = Path(tempfile.mkdtemp(prefix="mlbench-"))
    os.environ["METALLAB_HOME"] = str(home)
    guest_dir = home / "guest"
    guest_dir.mkdir()
    kernel = guest.kernel()
    if kernel is None:
        raise SystemExit("no /boot/vmlinuz-*-cloud-amd64: apt-get install linux-image-cloud-amd64")
    shutil.copy(kernel, guest_dir / "vmlinuz")
    guest.iso(guest_dir, guest_dir / "vmlinuz", guest.initramfs(guest_dir))
    rows: list[tuple[str, str]] = []
    try:
        for hosts, octet in ((2, 211), (8, 213)):
            name = f"bench{hosts}"
            took = _up_until_answering(home, name, hosts, octet)
            rows.append(
                (f"`up --hardware-only`, {hosts} hosts, to all BMCs answering", f"{took:.1f} s")
            )
            if hosts == 8:
                lab = lifecycle.recorded_lab(name)
                assert lab is not None
                vm, bmc = _idle_rss(name, lab)
                rows.append(
                    ("RSS per idle VM (256 MiB guest, firmware boot loop)", f"{vm:.0f} MiB")
                )
                rows.append(("RSS per BMC process", f"{bmc:.0f} MiB"))
            started = time.monotonic()
            lifecycle.down(name, progress=lambda _l: None)
            rows.append((f"`down`, {hosts} hosts", f"{time.monotonic() - started:.1f} s"))
        media = _virtual_media_boot(home, guest_dir)
        direct = _direct_boot(guest_dir)
        rows.append(("power-on → console marker, Redfish virtual media", f"{media:.1f} s"))
        rows.append(("same ISO booted directly by qemu", f"{direct:.1f} s"))
        rows.append(("ratio virtual media / direct", f"{media / direct:.2f}"))
    finally:
        for name in ("bench2", "bench8", "benchvm"):
            lifecycle.down(name, progress=lambda _l: None)
        shutil.rmtree(home, ignore_errors=True)
    print("## Lab hardware (`bench/lab_up.py`, TCG, mixed BMCs)\n")
    print("| measurement | value |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
