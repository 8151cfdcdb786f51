"""Port checks turn a taken port into a clear error before any daemon starts."""

from __future__ import annotations

import socket

import pytest

from lab import ports


def test_taken_port_is_reported_with_the_fix() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert not ports.is_free(port)
        with pytest.raises(ports.PortInUse, match=f"127.0.0.1:{port} needed by etcd.*use --port"):
            ports.check_free(port, who="etcd", fix="use --port")


def test_free_port_is_free() -> None:
    assert ports.is_free(ports.free())
