"""PXE inside the lab's namespace: DHCP from the lab's dnsmasq, a kernel served by the test.

A fresh host (empty disk, so the firmware falls through to the network) gets its fixed lease
and the boot file named in the lab file, fetches an iPXE script, kernel and initramfs over HTTP
from a server the test runs inside the lab's namespace on the provisioning bridge, and reaches
userspace — the marker on its serial console proves it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hostkit import process, runner
from lab import paths
from lab.hardware import layout
from tests.e2e import conftest, guest

PORT = 8080


def _serve(netns: str, address: str, directory: Path, state: Path) -> Path:
    pid_path = state / "test-http.pid"
    argv = ["ip", "netns", "exec", netns, sys.executable, "-m", "http.server", str(PORT)]
    process.spawn(
        [*argv, "--bind", address, "--directory", str(directory)],
        log_path=state / "test-http.log",
        pid_path=pid_path,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done = runner.run(
            ["ip", "netns", "exec", netns, "ss", "-ltnH", f"sport = :{PORT}"], check=False
        )
        if done.stdout.strip():
            return pid_path
        time.sleep(0.2)
    raise AssertionError("the test's HTTP server did not listen within 20s")


def test_a_fresh_host_pxe_boots_a_kernel_served_on_the_provisioning_network(
    lab_factory: conftest.LabFactory, guest_dir: Path, tmp_path: Path
) -> None:
    gateway = "10.241.0.1"
    base = f"http://{gateway}:{PORT}"
    (guest_dir / "boot.ipxe").write_text(guest.ipxe_script(base))
    config = conftest.lab_file(tmp_path, octet=241, pxe_boot_file=f"{base}/boot.ipxe")
    lab = lab_factory("pxe", config)
    state = paths.lab_dir("pxe")
    server = _serve(layout.netns("pxe"), gateway, guest_dir, state)
    try:
        conftest.power_on(state, lab.hosts[0].name)
        console = conftest.wait_for(
            layout.console_log(state, lab.hosts[0].name), guest.MARKER, timeout=240
        )
    finally:
        process.stop(server)
    assert "booted=pxe" in console
