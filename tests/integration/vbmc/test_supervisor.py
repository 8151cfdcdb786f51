"""The supervisor against real BMC processes: start, restart after a crash, change, removal,
stop_all, a taken port, and passwords kept out of argv and logs.

Each test uses its own state directory and ports, next to (not through) the shared ``bmcs``.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostkit import ports, process
from tests.integration.vbmc import clients
from tests.integration.vbmc.conftest import USERNAME, LibvirtLab
from vbmc import errors, layout, spec, supervisor, tls


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    supervisor.stop_all(tmp_path)


def _ipmi(lab: LibvirtLab, domains: dict[str, str], host: str = "ipmi0") -> spec.BmcSpec:
    return spec.BmcSpec(
        host=host,
        kind=spec.BmcKind.IPMI,
        port=ports.free(socket.SOCK_DGRAM),
        username=USERNAME,
        password="Sup3r-Secret-pw",
        libvirt_uri=lab.uri,
        domain=domains["ipmi0"],
    )


def _redfish(lab: LibvirtLab, domains: dict[str, str]) -> spec.BmcSpec:
    return spec.BmcSpec(
        host="rf0",
        kind=spec.BmcKind.REDFISH,
        port=ports.free(socket.SOCK_STREAM),
        username=USERNAME,
        password="Redfish-Secret-pw",
        libvirt_uri=lab.uri,
        domain=domains["rf0"],
    )


def _pid(state_dir: Path, unit: str) -> int | None:
    return process.read_pid(layout.process_dir(state_dir, unit) / "pid")


def test_reconcile_reports_addresses_and_is_idempotent(
    state_dir: Path, libvirt_lab: LibvirtLab, domains: dict[str, str]
) -> None:
    ipmi, rf = _ipmi(libvirt_lab, domains), _redfish(libvirt_lab, domains)
    first = supervisor.reconcile(state_dir, [ipmi, rf])
    by_host = {s.host: s for s in first}
    assert by_host["ipmi0"].address == f"ipmi://127.0.0.1:{ipmi.port}"
    assert by_host["rf0"].address.startswith(f"redfish+https://127.0.0.1:{rf.port}/redfish/v1/")
    assert all(s.state is spec.BmcState.RUNNING for s in first)
    again = supervisor.reconcile(state_dir, [ipmi, rf])
    assert [s.pid for s in again] == [s.pid for s in first]


def test_a_crashed_bmc_is_restarted_by_the_daemon(
    state_dir: Path, libvirt_lab: LibvirtLab, domains: dict[str, str]
) -> None:
    ipmi = _ipmi(libvirt_lab, domains)
    supervisor.reconcile(state_dir, [ipmi])
    old = _pid(state_dir, "ipmi-ipmi0")
    assert old is not None
    os.kill(old, signal.SIGKILL)
    new = clients.wait_for(
        lambda: _pid(state_dir, "ipmi-ipmi0"),
        lambda pid: pid is not None and pid != old,
        what="the supervisor to restart the killed BMC",
    )
    assert new != old
    clients.wait_for(
        lambda: clients.ipmitool(ipmi, "power", "status").returncode,
        lambda rc: rc == 0,
        what="the restarted BMC to answer",
    )
    assert "restarting it" in layout.supervisor_log(state_dir).read_text()


def test_removed_bmcs_stop_and_changed_ones_restart(
    state_dir: Path, libvirt_lab: LibvirtLab, domains: dict[str, str]
) -> None:
    ipmi, rf = _ipmi(libvirt_lab, domains), _redfish(libvirt_lab, domains)
    supervisor.reconcile(state_dir, [ipmi, rf])
    redfish_unit = f"redfish-{rf.port}"
    redfish_pid = _pid(state_dir, redfish_unit)
    ipmi_pid = _pid(state_dir, "ipmi-ipmi0")
    changed = dataclasses.replace(ipmi, password="An0ther-Secret")
    statuses = supervisor.reconcile(state_dir, [changed])
    assert [s.host for s in statuses] == ["ipmi0"]
    assert redfish_pid is not None and not process.alive(redfish_pid)
    assert _pid(state_dir, redfish_unit) is None
    assert _pid(state_dir, "ipmi-ipmi0") not in (None, ipmi_pid)
    assert clients.ipmitool(changed, "power", "status").returncode == 0
    assert clients.ipmitool(ipmi, "power", "status").returncode != 0


def test_stop_all_leaves_no_process_and_is_idempotent(
    state_dir: Path, libvirt_lab: LibvirtLab, domains: dict[str, str]
) -> None:
    ipmi, rf = _ipmi(libvirt_lab, domains), _redfish(libvirt_lab, domains)
    statuses = supervisor.reconcile(state_dir, [ipmi, rf])
    daemon = process.read_pid(layout.supervisor_pid(state_dir))
    pids = [s.pid for s in statuses if s.pid] + [daemon]
    supervisor.stop_all(state_dir)
    supervisor.stop_all(state_dir)
    assert all(pid is not None and not process.alive(pid) for pid in pids)
    assert supervisor.status(state_dir) == []


def test_passwords_stay_out_of_argv_logs_and_readable_files(
    state_dir: Path, libvirt_lab: LibvirtLab, domains: dict[str, str]
) -> None:
    ipmi, rf = _ipmi(libvirt_lab, domains), _redfish(libvirt_lab, domains)
    statuses = supervisor.reconcile(state_dir, [ipmi, rf])
    clients.ipmitool(ipmi, "power", "status")
    clients.ipmitool(ipmi, "power", "status", password=rf.password)
    daemon = process.read_pid(layout.supervisor_pid(state_dir))
    for pid in [s.pid for s in statuses if s.pid] + [daemon]:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert ipmi.password.encode() not in argv
        assert rf.password.encode() not in argv
    for log in layout.root(state_dir).rglob("*log"):
        text = log.read_text()
        assert ipmi.password not in text and rf.password not in text, log
    for path in layout.root(state_dir).rglob("*"):
        if path.is_file() and ipmi.password in path.read_text(errors="replace"):
            assert path.stat().st_mode & 0o077 == 0, path


def test_a_taken_port_is_reported_with_the_host(
    state_dir: Path, libvirt_lab: LibvirtLab, domains: dict[str, str]
) -> None:
    ipmi = _ipmi(libvirt_lab, domains)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", ipmi.port))
        with pytest.raises(errors.VbmcError, match=r"ipmi-ipmi0 .* exited.*cannot listen"):
            supervisor.reconcile(state_dir, [ipmi])


def test_an_unknown_domain_is_reported_before_anything_starts(
    state_dir: Path, libvirt_lab: LibvirtLab, domains: dict[str, str]
) -> None:
    rf = dataclasses.replace(_redfish(libvirt_lab, domains), domain="no-such-domain")
    with pytest.raises(errors.VbmcError, match="no libvirt domain no-such-domain"):
        supervisor.reconcile(state_dir, [rf], ca=tls.create_ca(state_dir / "ca"))
    assert not layout.desired(state_dir).exists()
