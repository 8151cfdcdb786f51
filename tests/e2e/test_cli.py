"""The lab's read-only commands on a real lab, run as a user runs them (``python -m
lab.cli.main``): ``status`` (the table and ``-o json``), ``inventory`` (one Secret and one
BareMetalHost per host, with the boot MAC and the BMC URL), ``console`` (printing and following
a host's serial log, refusing an unknown host).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from lab import paths
from lab.config import model
from lab.hardware import bmcs, layout, libvirtd
from tests.e2e import conftest

FIRMWARE_BANNER = "SeaBIOS"  # the first thing a legacy host prints on its serial console


def _metallab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab.cli.main", *args, "--name", "cli"],
        capture_output=True,
        text=True,
        errors="replace",  # a serial console is not always valid UTF-8
        timeout=120,
        check=False,
    )


def _power_on(host: str) -> None:
    conn = libvirtd.connect(paths.lab_dir("cli"))
    try:
        conn.lookupByName(host).create()
    finally:
        conn.close()


def test_status_inventory_and_console(lab_factory: conftest.LabFactory, tmp_path: Path) -> None:
    """One lab (an IPMI and a Redfish host) for all three commands: bringing it up is the
    slow part."""
    lab = lab_factory("cli", conftest.lab_file(tmp_path, octet=227, hosts=2, protocol="mixed"))
    _status(lab)
    _inventory(lab)
    _console(lab)
    after = _metallab("status")
    row = next(
        line for line in after.stdout.splitlines() if line.startswith(f"{lab.hosts[0].name} ")
    )
    assert row.split()[1] == "on"


def _status(lab: model.Lab) -> None:
    ipmi_host, redfish_host = lab.hosts
    state = paths.lab_dir("cli")
    table = _metallab("status")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    header = next(line for line in lines if line.startswith("HOST"))
    assert header.split() == ["HOST", "POWER", "BMC", "BOOT", "MAC", "CONSOLE"]
    for host in lab.hosts:
        row = next(line for line in lines if line.startswith(f"{host.name} "))
        assert row.split() == [
            host.name,
            "off",
            bmcs.url(lab, host),
            host.boot_mac,
            str(layout.console_log(state, host.name)),
        ]
    shown = json.loads(_metallab("status", "-o", "json").stdout)
    assert [h["host"] for h in shown["hosts"]] == [ipmi_host.name, redfish_host.name]
    assert shown["netns"] == layout.netns("cli")


def _inventory(lab: model.Lab) -> None:
    ipmi_host, redfish_host = lab.hosts
    state = paths.lab_dir("cli")
    printed = _metallab("inventory")
    assert printed.returncode == 0, printed.stderr
    docs = list(yaml.safe_load_all(printed.stdout))
    kinds = [doc["kind"] for doc in docs]
    assert kinds.count("Secret") == 2 and kinds.count("BareMetalHost") == 2
    secrets: dict[str, str] = json.loads(layout.credentials(state).read_text())
    for host in lab.hosts:
        bmh = next(
            d for d in docs if d["kind"] == "BareMetalHost" and d["metadata"]["name"] == host.name
        )
        assert bmh["spec"]["bootMACAddress"] == host.boot_mac
        assert bmh["spec"]["bmc"]["address"] == bmcs.url(lab, host)
        secret = next(
            d
            for d in docs
            if d["kind"] == "Secret"
            and d["metadata"]["name"] == bmh["spec"]["bmc"]["credentialsName"]
        )
        assert secret["stringData"]["password"] == secrets[host.name]
    assert bmcs.url(lab, ipmi_host).startswith("ipmi://127.0.0.1:")
    assert bmcs.url(lab, redfish_host).startswith("redfish+https://127.0.0.1:")


def _console(lab: model.Lab) -> None:
    ipmi_host, redfish_host = lab.hosts
    # console follows the log: started before the host powers on, it shows what comes after.
    follower = subprocess.Popen(
        [sys.executable, "-m", "lab.cli.main", "console", ipmi_host.name, "--name", "cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    followed: list[str] = []
    reader = threading.Thread(
        target=lambda: followed.extend(iter(follower.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    try:
        _power_on(ipmi_host.name)
        deadline = time.monotonic() + 120
        while not any(FIRMWARE_BANNER in line for line in followed):
            assert time.monotonic() < deadline, f"console showed no firmware: {followed[-5:]}"
            assert follower.poll() is None, follower.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.2)
    finally:
        follower.terminate()
        follower.wait(timeout=30)

    once = _metallab("console", ipmi_host.name, "--no-follow")
    assert once.returncode == 0, once.stderr
    assert FIRMWARE_BANNER in once.stdout
    unknown = _metallab("console", "no-such-host")
    assert unknown.returncode == 1
    assert "no host 'no-such-host' in lab 'cli'" in unknown.stderr
    assert f"one of {ipmi_host.name}, {redfish_host.name}" in unknown.stderr
