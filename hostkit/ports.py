"""Loopback ports for lab daemons: pick free ones, say clearly when one is taken, wait for one.

Called by the embedded management cluster, the controller component, benchmarks and tests
before starting anything that listens, so a port conflict is one clear line instead of a
daemon's crash loop.
"""

from __future__ import annotations

import socket
import time

from hostkit import errors


class PortInUse(errors.LabError):
    """A port the lab needs is held by another process."""


def free(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that nothing uses right now (TCP, or UDP with ``SOCK_DGRAM``)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def is_free(port: int, kind: int = socket.SOCK_STREAM) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        if kind == socket.SOCK_STREAM:  # a port in TIME_WAIT is free; for UDP this would lie
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def check_free(port: int, *, who: str, fix: str) -> None:
    if not is_free(port):
        raise PortInUse(
            f"port 127.0.0.1:{port} needed by {who} is in use by another process", fix=fix
        )


def wait_bound(port: int, *, kind: int = socket.SOCK_STREAM, timeout: float = 20.0) -> None:
    """Return once a process has bound 127.0.0.1:PORT (a just-started daemon); bounded."""
    deadline = time.monotonic() + timeout
    while is_free(port, kind):
        if time.monotonic() > deadline:
            raise PortInUse(
                f"nothing bound 127.0.0.1:{port} within {timeout:g}s",
                fix="read the daemon's log: it probably failed to start",
            )
        time.sleep(0.05)
