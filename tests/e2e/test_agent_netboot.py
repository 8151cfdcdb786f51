"""Network boot of the agent ramdisk from the lab's image server on the host side of the veth.

A fresh host (empty disk) gets its fixed lease from the lab's dnsmasq and the boot file the lab
file names: the lab's generic chain script on ``lab.images.server``, running in the host
namespace on the provisioning network's ``.2`` address — where ``metallab up`` serves the
images. The script chains to ``/v1/boot/<boot MAC>.ipxe`` (a static file here, the conductor's
answer in a full lab), which fetches the agent kernel, its initrd and a ``boot-config.cpio``
over HTTP through the veth; the ramdisk's ``/init`` gets a DHCP lease on every NIC, says
``metallab-agent: starting``, and the tests' agent prints the conductor URL of that
``boot.json``.
"""

from __future__ import annotations

import shutil
import sys
import time
import urllib.request
from pathlib import Path

from hostkit import ports, process
from lab import paths
from lab.config import model
from lab.hardware import layout, networks
from lab.images import agent, ipxe
from tests.e2e import agentimages, conftest

CONDUCTOR = "https://10.221.0.2:9443"


def _script(base: str) -> str:
    return (
        f"#!ipxe\nkernel {base}/vmlinuz {agent.CMDLINE}\ninitrd {base}/initrd.img\n"
        f"initrd {base}/boot-config.cpio\nboot\n"
    )


def _serve(directory: Path, address: str, port: int, state: Path) -> Path:
    pid_path = state / "test-images.pid"
    argv = [sys.executable, "-m", "lab.images.server", "--address", address]
    process.spawn(
        [*argv, "--port", str(port), "--directory", str(directory)],
        log_path=state / "test-images.log",
        pid_path=pid_path,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{address}:{port}/boot.ipxe", timeout=2):
                return pid_path
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the image server did not answer within 20s")


def test_a_fresh_host_network_boots_the_agent_ramdisk_from_the_lab_image_server(
    lab_factory: conftest.LabFactory, images: dict[str, Path], tmp_path: Path
) -> None:
    address, port = "10.221.0.2", ports.free()
    base = f"http://{address}:{port}"
    served = tmp_path / "served"
    served.mkdir()
    for name in ("vmlinuz", "initrd.img"):
        shutil.copy(images[agent.NAME] / name, served / name)
    agentimages.boot_config(served / "boot-config.cpio", CONDUCTOR)
    # The lab's generic chain script, with this server standing in for the conductor.
    (served / "boot.ipxe").write_text(ipxe.chain_script(base))
    config = conftest.lab_file(tmp_path, octet=221, pxe_boot_file=f"{base}/boot.ipxe")
    lab = lab_factory("netboot", config)
    (served / "v1" / "boot").mkdir(parents=True)
    (served / "v1" / "boot" / f"{lab.hosts[0].boot_mac}.ipxe").write_text(_script(base))
    state = paths.lab_dir("netboot")
    server = _serve(served, address, port, state)
    try:
        conftest.power_on(state, lab.hosts[0].name)
        console = conftest.wait_for(
            layout.console_log(state, lab.hosts[0].name),
            agentimages.conductor_line(CONDUCTOR),
            timeout=420,
        )
    finally:
        process.stop(server)
    host = lab.hosts[0]
    assert agent.STARTING in console
    for nic in host.nics:
        leased = networks.address(lab, host, nic)
        assert f"has {leased}" in console, f"no DHCP lease for {nic.network.value}"
    requests = (state / "test-images.log").read_text()
    provisioning = next(n for n in host.nics if n.network is model.NetworkName.PROVISIONING)
    assert f"{networks.address(lab, host, provisioning)} - - " in requests  # from the VM
