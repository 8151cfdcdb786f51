"""Every injected fault kind, seen from real clients on both BMC kinds, and then cleared.

IPMI through ``ipmitool -I lanplus``; Redfish through HTTPS requests as sushy sends them. A
fault set with ``vbmc.faults.set_fault`` acts on the next request without a restart.
"""

from __future__ import annotations

import time

import libvirt
import pytest
import requests

from tests.integration.vbmc import clients
from tests.integration.vbmc.conftest import Bmcs, power_off
from vbmc import faults


def _set(bmcs: Bmcs, host: str, text: str) -> None:
    faults.set_fault(bmcs.state_dir, host, faults.parse(text))


def _redfish_get(bmcs: Bmcs, *, timeout: float = 30.0) -> requests.Response:
    rf0 = bmcs.redfish[0]
    return requests.get(
        f"{bmcs.redfish_root()}/Systems/{bmcs.uuids['rf0']}",
        auth=(rf0.username, rf0.password),
        verify=str(bmcs.ca.cert),
        timeout=timeout,
    )


def _redfish_reset(bmcs: Bmcs, reset_type: str) -> requests.Response:
    rf0 = bmcs.redfish[0]
    return requests.post(
        f"{bmcs.redfish_root()}/Systems/{bmcs.uuids['rf0']}/Actions/ComputerSystem.Reset",
        json={"ResetType": reset_type},
        auth=(rf0.username, rf0.password),
        verify=str(bmcs.ca.cert),
        timeout=30,
    )


class TestIpmi:
    def test_unresponsive_gives_no_answer_until_cleared(self, bmcs: Bmcs) -> None:
        _set(bmcs, "ipmi0", "unresponsive")
        silent = clients.ipmitool(bmcs.ipmi, "power", "status")
        assert silent.returncode != 0
        assert "Unable to establish" in silent.stderr
        _set(bmcs, "ipmi0", "clear")
        assert clients.ipmitool(bmcs.ipmi, "power", "status").returncode == 0

    def test_slow_delays_each_answer_until_cleared(self, bmcs: Bmcs) -> None:
        slow = 3.0
        _set(bmcs, "ipmi0", f"slow={slow}")
        # ipmitool waits up to 8 s per request here, so a late answer is still taken.
        started = time.monotonic()
        answered = clients.ipmitool(bmcs.ipmi, "-N", "8", "power", "status")
        assert answered.returncode == 0, answered.stderr
        assert time.monotonic() - started >= slow
        _set(bmcs, "ipmi0", "clear")
        # A whole ipmitool run (session setup, privilege, status, close) once cleared is
        # answered without the delay that each command would have had.
        started = time.monotonic()
        answered = clients.ipmitool(bmcs.ipmi, "-N", "8", "power", "status")
        assert answered.returncode == 0, answered.stderr
        assert time.monotonic() - started < slow

    def test_error_answers_with_a_completion_code(self, bmcs: Bmcs) -> None:
        _set(bmcs, "ipmi0", "error")
        failed = clients.ipmitool(bmcs.ipmi, "power", "status")
        assert failed.returncode != 0
        assert "Unspecified error" in failed.stderr
        _set(bmcs, "ipmi0", "clear")
        assert "Chassis Power is" in clients.ipmitool(bmcs.ipmi, "power", "status").stdout

    def test_ignore_power_accepts_and_does_nothing(
        self, bmcs: Bmcs, libvirt_conn: libvirt.virConnect
    ) -> None:
        power_off(libvirt_conn, bmcs.ipmi.domain)
        _set(bmcs, "ipmi0", "ignore-power")
        accepted = clients.ipmitool(bmcs.ipmi, "power", "on")
        assert accepted.returncode == 0, accepted.stderr
        # Power commands run just after the answer; give an ignored one time to (not) happen.
        time.sleep(3)
        assert not libvirt_conn.lookupByName(bmcs.ipmi.domain).isActive()
        log = (bmcs.state_dir / "bmc" / "ipmi-ipmi0" / "log").read_text()
        assert "fault ignore-power: ignoring chassis control 1" in log
        _set(bmcs, "ipmi0", "clear")
        assert clients.ipmitool(bmcs.ipmi, "power", "on").returncode == 0
        clients.wait_for(
            lambda: libvirt_conn.lookupByName(bmcs.ipmi.domain).isActive(),
            bool,
            what="power on after the fault cleared",
        )
        power_off(libvirt_conn, bmcs.ipmi.domain)


class TestRedfish:
    def test_unresponsive_gives_no_answer_until_cleared(self, bmcs: Bmcs) -> None:
        _set(bmcs, "rf0", "unresponsive")
        with pytest.raises(requests.exceptions.ReadTimeout):
            _redfish_get(bmcs, timeout=2)
        _set(bmcs, "rf0", "clear")
        assert _redfish_get(bmcs).status_code == 200

    def test_a_fault_on_one_host_leaves_the_others_alone(self, bmcs: Bmcs) -> None:
        _set(bmcs, "rf0", "unresponsive")
        rf1 = bmcs.redfish[1]
        other = requests.get(
            f"{bmcs.redfish_root()}/Systems/{bmcs.uuids['rf1']}",
            auth=(rf1.username, rf1.password),
            verify=str(bmcs.ca.cert),
            timeout=30,
        )
        assert other.status_code == 200
        _set(bmcs, "rf0", "clear")

    def test_slow_delays_each_answer_until_cleared(self, bmcs: Bmcs) -> None:
        slow = 5.0
        _set(bmcs, "rf0", f"slow={slow}")
        started = time.monotonic()
        assert _redfish_get(bmcs).status_code == 200
        assert time.monotonic() - started >= slow
        _set(bmcs, "rf0", "clear")
        started = time.monotonic()
        assert _redfish_get(bmcs).status_code == 200
        assert time.monotonic() - started < slow, "the cleared fault still delays answers"

    def test_error_answers_500(self, bmcs: Bmcs) -> None:
        _set(bmcs, "rf0", "error")
        failed = _redfish_get(bmcs)
        assert failed.status_code == 500
        assert "error" in failed.json()
        _set(bmcs, "rf0", "clear")
        assert _redfish_get(bmcs).status_code == 200

    def test_ignore_power_accepts_and_does_nothing(
        self, bmcs: Bmcs, libvirt_conn: libvirt.virConnect
    ) -> None:
        domain = bmcs.redfish[0].domain
        power_off(libvirt_conn, domain)
        _set(bmcs, "rf0", "ignore-power")
        assert _redfish_reset(bmcs, "On").status_code == 204
        assert not libvirt_conn.lookupByName(domain).isActive()
        _set(bmcs, "rf0", "clear")
        assert _redfish_reset(bmcs, "On").status_code in (200, 204)
        assert libvirt_conn.lookupByName(domain).isActive()
        power_off(libvirt_conn, domain)
