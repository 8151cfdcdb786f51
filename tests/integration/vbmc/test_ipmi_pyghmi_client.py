"""A real pyghmi IPMI client, in its own process, logs in to the pyghmi-based BMC and drives it.

pyghmi's client proposes cipher suite 17 first; the BMC refuses it (RMCP+ status 0x11) and the
client falls back to suite 3 — without that refusal the client crashes (see FACTS.md). The
client runs in a subprocess because pyghmi keeps session state per process.
"""

from __future__ import annotations

import json
import subprocess
import sys

import libvirt

from tests.integration.vbmc.conftest import Bmcs, power_off

_CLIENT = """
import json, sys
import pyghmi.exceptions
import pyghmi.ipmi.command as command
port, user, password, action = sys.argv[1], sys.argv[2], sys.stdin.read(), sys.argv[3]
try:
    ipmi = command.Command(bmc="127.0.0.1", userid=user, password=password, port=int(port))
    if action == "drive":
        out = {"before": ipmi.get_power()["powerstate"]}
        ipmi.set_power("on", wait=60)  # the client polls until the BMC reports "on"
        out["after"] = ipmi.get_power()["powerstate"]
        ipmi.set_bootdev("network", persist=True)
        out["bootdev"] = ipmi.get_bootdev()
    else:
        out = {"power": ipmi.get_power()["powerstate"]}
except pyghmi.exceptions.IpmiException as err:
    out = {"error": str(err)}
print(json.dumps(out))
"""


def _client(bmcs: Bmcs, action: str, password: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CLIENT, str(bmcs.ipmi.port), bmcs.ipmi.username, action],
        input=password,
        check=False,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_pyghmi_client_logs_in_and_drives_power_and_boot(
    bmcs: Bmcs, libvirt_conn: libvirt.virConnect
) -> None:
    power_off(libvirt_conn, bmcs.ipmi.domain)
    result = _client(bmcs, "drive", bmcs.ipmi.password)
    assert result["before"] == "off"
    assert result["after"] == "on"
    assert result["bootdev"] == {"bootdev": "network", "persistent": True, "uefimode": False}
    assert libvirt_conn.lookupByName(bmcs.ipmi.domain).isActive()
    power_off(libvirt_conn, bmcs.ipmi.domain)


def test_pyghmi_client_with_a_wrong_password_is_refused(bmcs: Bmcs) -> None:
    result = _client(bmcs, "status", "wrong-password")
    assert "power" not in result
    assert "password" in str(result["error"]).lower()
