"""Port checks turn a taken port into a clear error before any daemon starts."""

from __future__ import annotations

import socket

import pytest

from hostkit import ports


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


def test_wait_bound_sees_a_bound_udp_port_and_gives_up_on_a_free_one() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        ports.wait_bound(holder.getsockname()[1], kind=socket.SOCK_DGRAM, timeout=1)
    free = ports.free(socket.SOCK_DGRAM)
    with pytest.raises(ports.PortInUse, match=f"nothing bound 127.0.0.1:{free} within 0.2s"):
        ports.wait_bound(free, kind=socket.SOCK_DGRAM, timeout=0.2)
