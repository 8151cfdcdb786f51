"""The Redfish emulator against hostile and broken clients, driven over real TLS by curl, urllib
and sushy: idle and slow-loris connections do not stop the other clients, bad requests get
Redfish errors (400/404/413) instead of 500s, an IPMI-only host is not served as a Redfish
Manager, and a restarted libvirtd does not leave the emulator failing (issue 12).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import sushy

from hostkit import process
from lab.hardware import layout as hw_layout
from lab.hardware import libvirtd
from tests.integration.vbmc import clients
from tests.integration.vbmc.conftest import Bmcs, LibvirtLab, power_off
from vbmc.redfish import server

IDLE = 8
SLOW = 4


def _curl(bmcs: Bmcs, path: str, *, timeout: float = 10.0) -> str:
    """The HTTP status curl gets for ``path``, with rf0's credentials over verified TLS."""
    rf = bmcs.redfish[0]
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", str(timeout)]
    argv += ["--cacert", str(bmcs.ca.cert), "-u", f"{rf.username}:{rf.password}"]
    out = subprocess.run(
        [*argv, f"https://127.0.0.1:{rf.port}{path}"],
        capture_output=True,
        text=True,
        timeout=timeout + 5,
        check=False,
    )
    return out.stdout


def _post(bmcs: Bmcs, path: str, body: bytes) -> tuple[int, dict[str, object]]:
    """urllib POST with rf0's credentials; the status and the JSON error body."""
    rf = bmcs.redfish[0]
    context = ssl.create_default_context(cafile=str(bmcs.ca.cert))
    request = urllib.request.Request(f"https://127.0.0.1:{rf.port}{path}", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    password_manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    password_manager.add_password(None, f"https://127.0.0.1:{rf.port}/", rf.username, rf.password)
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context),
        urllib.request.HTTPBasicAuthHandler(password_manager),
    )
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, {}
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


@contextlib.contextmanager
def _hostile_connections(port: int, context: ssl.SSLContext) -> Iterator[list[socket.socket]]:
    """IDLE connections that never start TLS and SLOW ones that trickle a request head."""
    held: list[socket.socket] = []
    try:
        for _ in range(IDLE):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        for _ in range(SLOW):
            raw = socket.create_connection(("127.0.0.1", port), timeout=5)
            secured = context.wrap_socket(raw, server_hostname="127.0.0.1")
            secured.sendall(b"GET /redfish/v1/ HTTP/1.1\r\n")
            held.append(secured)
        yield held
    finally:
        for sock in held:
            sock.close()


def test_idle_and_slow_connections_do_not_stop_real_clients(bmcs: Bmcs) -> None:
    context = ssl.create_default_context(cafile=str(bmcs.ca.cert))
    rf = bmcs.redfish[0]
    with _hostile_connections(rf.port, context) as held:
        for round_ in range(3):
            assert _curl(bmcs, "/redfish/v1/") == "200", f"round {round_}"
            assert _curl(bmcs, f"/redfish/v1/Systems/{bmcs.uuids['rf0']}") == "200"
            for sock in held[IDLE:]:
                sock.sendall(b"X")  # slow-loris: one more header byte, never the end
        root = sushy.Sushy(
            bmcs.redfish_root(),
            username=rf.username,
            password=rf.password,
            verify=str(bmcs.ca.cert),
        )
        system = root.get_system(f"/redfish/v1/Systems/{bmcs.uuids['rf0']}")
        assert system.power_state in (sushy.POWER_STATE_ON, sushy.POWER_STATE_OFF)


def test_a_slow_loris_is_cut_off_after_the_head_deadline(bmcs: Bmcs) -> None:
    context = ssl.create_default_context(cafile=str(bmcs.ca.cert))
    raw = socket.create_connection(("127.0.0.1", bmcs.redfish[0].port), timeout=5)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as secured:
        secured.sendall(b"GET /redfish/v1/ HTTP/1.1\r\n")
        deadline = time.monotonic() + server.HEAD_SECONDS + 10
        closed = False
        while time.monotonic() < deadline and not closed:
            try:
                secured.sendall(b"X-Slow: 1\r\n")
                secured.settimeout(1)
                closed = secured.recv(1) == b""
            except TimeoutError:
                continue
            except (OSError, ssl.SSLError):
                closed = True
        assert closed, f"the server still held a slow-loris after {server.HEAD_SECONDS + 10:g}s"


def test_bad_requests_get_redfish_errors(bmcs: Bmcs) -> None:
    reset = f"/redfish/v1/Systems/{bmcs.uuids['rf0']}/Actions/ComputerSystem.Reset"
    status, body = _post(bmcs, reset, b"{not json")
    assert status == 400 and "not JSON" in str(body["error"])
    status, body = _post(bmcs, reset, b'{"ResetType": "Explode"}')
    assert status == 400 and "Explode" in str(body["error"])
    status, _ = _post(bmcs, reset, b"[" * 100_000 + b"]" * 100_000)
    assert status == 400
    status, _ = _post(bmcs, reset, b" " * (11 * 1024 * 1024))
    assert status == 413
    assert _curl(bmcs, "/redfish/v1/Systems/no-such-system") == "404"


def test_an_ipmi_host_is_no_redfish_manager(bmcs: Bmcs) -> None:
    ipmi_uuid = bmcs.uuids["ipmi0"]
    assert _curl(bmcs, f"/redfish/v1/Managers/{ipmi_uuid}") == "404"
    assert _curl(bmcs, f"/redfish/v1/Systems/{ipmi_uuid}") == "404"
    assert _curl(bmcs, f"/redfish/v1/Managers/{bmcs.uuids['rf0']}") == "200"
    rf = bmcs.redfish[0]
    root = sushy.Sushy(
        bmcs.redfish_root(), username=rf.username, password=rf.password, verify=str(bmcs.ca.cert)
    )
    listed = {path.rsplit("/", 1)[-1] for path in root.get_manager_collection().members_identities}
    assert listed == {bmcs.uuids["rf0"], bmcs.uuids["rf1"]}


def test_the_emulator_survives_a_libvirtd_restart(bmcs: Bmcs, libvirt_lab: LibvirtLab) -> None:
    conn = libvirtd.connect(libvirt_lab.state)
    power_off(conn, bmcs.redfish[0].domain)
    conn.close()
    system_path = f"/redfish/v1/Systems/{bmcs.uuids['rf0']}"
    assert _curl(bmcs, system_path) == "200"  # the emulator now holds the domain's connection
    pid = process.read_pid(hw_layout.libvirtd_pid(libvirt_lab.state))
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    clients.wait_for(lambda: libvirtd.running(libvirt_lab.state), lambda up: not up, what="kill")
    libvirtd.start(libvirt_lab.name, libvirt_lab.state)
    reset = f"{system_path}/Actions/ComputerSystem.Reset"
    status, body = _post(bmcs, reset, b'{"ResetType": "On"}')
    assert status == 204, body
    conn = libvirtd.connect(libvirt_lab.state)
    try:
        clients.wait_for(
            lambda: conn.lookupByName(bmcs.redfish[0].domain).isActive(),
            bool,
            what="the domain to run after a reset through the restarted libvirtd",
        )
        power_off(conn, bmcs.redfish[0].domain)
    finally:
        conn.close()
