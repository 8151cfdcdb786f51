"""HTTPS health probes against the management cluster, bounded in time.

Called while waiting for ``/readyz`` after a start and by ``status``; the client certificate is
the lab's admin certificate, so the probe sees exactly what kubectl would.
"""

from __future__ import annotations

import http.client
import ssl
import time
from collections.abc import Callable
from pathlib import Path


def https_ok(port: int, path: str, *, context: ssl.SSLContext, timeout: float = 2.0) -> bool:
    """True when GET https://127.0.0.1:PORT/PATH answers 200."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def client_context(ca: Path, cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    context.load_cert_chain(str(cert), str(key))
    return context


def insecure_context() -> ssl.SSLContext:
    """For components that serve a self-signed certificate on loopback (controller-manager)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout: float,
    interval: float = 0.1,
    abort: Callable[[], None] | None = None,
) -> bool:
    """Poll ``ready`` until it holds or ``timeout`` passes; ``abort`` may raise to stop early."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return True
        if abort is not None:
            abort()
        time.sleep(interval)
    return ready()
