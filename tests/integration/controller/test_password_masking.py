"""The BMC password never leaves the running controller: not in its log output, not in the
host's status, not in Events — even when an error message would quote it.

The controller runs as ``python -m controller run --provisioner direct`` (its own process,
its real JSON logs captured from stderr, verbose) against the real API server and sushy-tools'
emulator. The host's address first contains the password (a malformed address whose error
quotes it), then the right address with a wrong password, then the right password.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.controller import conftest

pytestmark = pytest.mark.integration
LEAKY = "Zq9-leaky-pw"


def test_password_is_never_in_logs_status_or_events(
    crds: Path, namespace: str, redfish_bmc: str, hosts: conftest.Hosts, tmp_path: Path
) -> None:
    log_path = tmp_path / "controller.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "controller",
                "run",
                "--provisioner",
                "direct",
                "--kubeconfig",
                str(crds),
                "--namespace",
                namespace,
                "--metrics-port",
                "0",
                "--bmc-timeout",
                "5",
                "--verbose",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        hosts.secret("creds", username=conftest.USER, password=LEAKY)
        hosts.create(
            "leak",
            secret="creds",
            address=f"ipmi://{LEAKY}:notaport",
            online=False,
            bootMACAddress="52:54:00:12:34:56",
            with_secret=False,
        )
        host = hosts.wait(
            "leak",
            lambda h: conftest.status_of(h, "errorType") == "registration error",
            timeout=60,
            what="failing on its address",
        )
        assert "invalid BMC address" in conftest.status_of(host, "errorMessage")
        assert "***" in conftest.status_of(host, "errorMessage")

        hosts.patch("leak", {"spec": {"bmc": {"address": redfish_bmc}}})  # wrong password
        host = hosts.wait(
            "leak",
            lambda h: "refused" in (conftest.status_of(h, "errorMessage") or ""),
            timeout=60,
            what="refused by the BMC",
        )
        hosts.secret("creds", username=conftest.USER, password=conftest.PASSWORD)
        host = hosts.wait_state("leak", "available", timeout=90)

        events = hosts.core.list_namespaced_event(
            namespace, field_selector="involvedObject.name=leak"
        ).items
        assert events
        assert not [e.message for e in events if LEAKY in (e.message or "")]
        assert LEAKY not in json.dumps(host)
        assert conftest.PASSWORD not in json.dumps(host)
    finally:
        proc.terminate()
        proc.wait(30)
    output = log_path.read_text()
    assert '"state changed"' in output  # the log was captured
    assert LEAKY not in output
    assert conftest.PASSWORD not in output
