"""Soak of the virtual BMCs: real clients timed while hostile connections are held.

On the private rig of ``bench.bmc_rig``, times Redfish ``GET`` (sushy-like keep-alive HTTPS) and
``ipmitool power status`` first unloaded, then while ``IDLE`` TCP connections that never start
TLS and ``SLOW`` slow-loris TLS connections (one header byte every ``TRICKLE_S``) are held
against the Redfish port and junk datagrams hit the IPMI port. p50/p95 of both phases come from
the same run, so the rows compare like with like. Bounded: fixed counts of requests and
connections, and the loaded phase stays shorter than the server's handshake deadline (checked),
so the hostile connections are held while it runs; the section says how many still were at its
end. Prints a markdown section.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator

from bench import bmc_rig
from vbmc import spec
from vbmc.redfish import server

IDLE = 50
SLOW = 20
REDFISH_RUNS = 100
IPMI_RUNS = 20
TRICKLE_S = 1.0
JUNK_PER_S = 100


def _still_open(sock: socket.socket) -> bool:
    """True while the server has not closed ``sock``. It never answers these requests, so
    anything to read means it hung up; TLS reads past the session tickets the server sends."""
    if not isinstance(sock, ssl.SSLSocket):
        readable, _, _ = select.select([sock], [], [], 0)
        return not readable
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except ssl.SSLWantReadError:
        return True
    except OSError:
        return False


@contextlib.contextmanager
def _hostile(rig: bmc_rig.Rig) -> Iterator[list[socket.socket]]:
    """Hold IDLE + SLOW connections on the Redfish port and spray junk at the IPMI port."""
    context = ssl.create_default_context(cafile=str(rig.ca.cert))
    raw: list[socket.socket] = []
    slow: list[ssl.SSLSocket] = []
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(TRICKLE_S):
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X")

    def junk(ipmi: spec.BmcSpec) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            while not stop.wait(1 / JUNK_PER_S):
                udp.sendto(b"\x06\x00\xff\x07junk", ("127.0.0.1", ipmi.port))

    try:
        for _ in range(IDLE):
            raw.append(socket.create_connection(("127.0.0.1", rig.redfish.port), timeout=5))
        for _ in range(SLOW):
            plain = socket.create_connection(("127.0.0.1", rig.redfish.port), timeout=5)
            secured = context.wrap_socket(plain, server_hostname="127.0.0.1")
            secured.sendall(b"GET /redfish/v1/ HTTP/1.1\r\nX-Slow: ")
            slow.append(secured)
        threads = [
            threading.Thread(target=trickle, daemon=True),
            threading.Thread(target=junk, args=(rig.ipmi,), daemon=True),
        ]
        for thread in threads:
            thread.start()
        yield [*raw, *slow]
    finally:
        stop.set()
        for sock in [*raw, *slow]:
            sock.close()


def _measure(rig: bmc_rig.Rig) -> tuple[tuple[float, float], tuple[float, float]]:
    redfish = bmc_rig.time_redfish(rig.system_url, rig.redfish, rig.ca.cert, REDFISH_RUNS)
    ipmi = bmc_rig.time_ipmi(rig.ipmi, IPMI_RUNS)
    return bmc_rig.percentiles(redfish), bmc_rig.percentiles(ipmi)


def main() -> None:
    with bmc_rig.rig() as rig:
        base_redfish, base_ipmi = _measure(rig)
        with _hostile(rig) as held:
            started = time.monotonic()
            load_redfish, load_ipmi = _measure(rig)
            took = time.monotonic() - started
            still = sum(_still_open(sock) for sock in held)
    if took >= server.HANDSHAKE_SECONDS:
        raise SystemExit(
            f"the loaded phase took {took:.1f}s, longer than the server's "
            f"{server.HANDSHAKE_SECONDS:g}s handshake deadline: lower REDFISH_RUNS/IPMI_RUNS"
        )
    print("## BMC soak (hostile connections held)\n")
    print("Command: `python -m bench.bmc_soak`\n")
    print(
        f"{IDLE} idle TCP connections (no TLS) and {SLOW} slow-loris TLS connections (one header "
        f"byte every {TRICKLE_S:g} s) held on the Redfish port, {JUNK_PER_S} junk datagrams/s "
        f"at the IPMI port; {still} of {IDLE + SLOW} connections were still held when the "
        f"{took:.1f} s loaded phase ended. Same rig, same run for both columns.\n"
    )
    print("| measure | unloaded p50 / p95 | loaded p50 / p95 | target |")
    print("| --- | --- | --- | --- |")
    print(
        f"| Redfish `GET /redfish/v1/Systems/<uuid>` (keep-alive; {REDFISH_RUNS} runs) "
        f"| {base_redfish[0]:.0f} ms / {base_redfish[1]:.0f} ms "
        f"| {load_redfish[0]:.0f} ms / {load_redfish[1]:.0f} ms | unchanged within noise |"
    )
    print(
        f"| `ipmitool -I lanplus power status` ({IPMI_RUNS} runs) "
        f"| {base_ipmi[0]:.0f} ms / {base_ipmi[1]:.0f} ms "
        f"| {load_ipmi[0]:.0f} ms / {load_ipmi[1]:.0f} ms | unchanged within noise |"
    )


if __name__ == "__main__":
    main()
