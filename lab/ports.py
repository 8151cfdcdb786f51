"""Loopback TCP ports for lab daemons: pick free ones, and say clearly when one is taken.

Called by the embedded management cluster, the controller component, benchmarks and tests
before starting anything that listens, so a port conflict is one clear line instead of a
daemon's crash loop.
"""

from __future__ import annotations

import socket

from lab import errors


class PortInUse(errors.LabError):
    """A port the lab needs is held by another process."""


def free(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that nothing uses right now (TCP, or UDP with ``SOCK_DGRAM``)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
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
