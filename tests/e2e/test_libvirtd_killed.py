"""A lab whose libvirtd was killed (issue 12): ``status`` names libvirtd instead of calling the
hosts absent, a plain ``metallab up`` (no lab file) repairs the lab it knows, and the Redfish BMC
that was running all along answers power requests again, with no restart of its process.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import sushy

from hostkit import process
from lab import paths
from lab import up as lifecycle
from lab.hardware import domains, layout, libvirtd, report
from tests.e2e import conftest
from vbmc import spec, supervisor


def _redfish_pids(state: Path) -> set[int | None]:
    return {bmc.pid for bmc in supervisor.status(state) if bmc.kind is spec.BmcKind.REDFISH}


def test_a_killed_libvirtd_is_named_and_repaired_by_a_plain_up(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    lab = lab_factory("lvd", conftest.lab_file(tmp_path, octet=225, protocol="redfish"))
    state = paths.lab_dir("lvd")
    host = lab.hosts[0]
    secrets: dict[str, str] = json.loads(layout.credentials(state).read_text())
    root = sushy.Sushy(
        f"https://127.0.0.1:{lab.bmc.redfish_port}/redfish/v1",
        username=lab.bmc.username,
        password=secrets[host.name],
        verify=str(lifecycle.lab_ca(state).cert),
    )
    system = root.get_system(f"/redfish/v1/Systems/{host.uuid}")
    assert system.power_state == sushy.POWER_STATE_OFF  # the emulator now holds a connection
    emulators = _redfish_pids(state)
    assert None not in emulators and len(emulators) == 1

    killed = process.read_pid(layout.libvirtd_pid(state))
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while process.alive(killed) and time.monotonic() < deadline:
        time.sleep(0.1)

    found = report.hosts(lab, state)
    assert found.libvirtd is not None and "libvirtd is not running" in found.libvirtd
    assert [h.power for h in found.hosts] == [domains.Power.UNKNOWN]

    lines: list[str] = []
    lifecycle.up(lifecycle.Options(name="lvd"), progress=lines.append)  # no -c: the known lab
    assert all(line.startswith("✓") for line in lines), lines
    assert report.hosts(lab, state).libvirtd is None

    system.reset_system(sushy.RESET_ON)
    conn = libvirtd.connect(state)
    try:
        deadline = time.monotonic() + 60
        while not conn.lookupByName(host.name).isActive() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert conn.lookupByName(host.name).isActive()
    finally:
        conn.close()
    system.refresh()
    assert system.power_state == sushy.POWER_STATE_ON
    system.reset_system(sushy.RESET_FORCE_OFF)
    assert _redfish_pids(state) == emulators  # reconnected in place, not restarted
