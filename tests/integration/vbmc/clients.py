"""Real clients for the BMC tests: ipmitool, QEMU's own events, and small polling helpers.

Every wait is bounded in time and count; a timeout fails the test with what was last seen.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import libvirt
import libvirt_qemu  # type: ignore[import-untyped]

from vbmc import spec

T = TypeVar("T")


def ipmitool(
    bmc: spec.BmcSpec, *args: str, password: str | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """``ipmitool -I lanplus`` against ``bmc``; the password goes by environment (-E)."""
    argv = ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(bmc.port)]
    argv += ["-U", bmc.username, "-E", "-N", "1", "-R", "2", *args]
    env = {"IPMI_PASSWORD": bmc.password if password is None else password, "PATH": "/usr/bin"}
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def wait_for(
    probe: Callable[[], T], want: Callable[[T], bool], *, timeout: float = 30.0, what: str = ""
) -> T:
    deadline = time.monotonic() + timeout
    last = probe()
    while not want(last):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last: {last!r}")
        time.sleep(0.2)
        last = probe()
    return last


@functools.cache
def _start_event_loop() -> None:
    """libvirt delivers events only to a process running its event loop; start it once."""
    libvirt.virEventRegisterDefaultImpl()

    def run() -> None:
        while True:
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=run, name="libvirt-events", daemon=True).start()


@contextlib.contextmanager
def qemu_events(uri: str, domain: str, event: str) -> Iterator[list[str]]:
    """The QMP ``event``s QEMU emits for ``domain`` while the block runs, as they arrive."""
    _start_event_loop()
    conn = libvirt.open(uri)  # opened after the loop started, or it gets no events
    seen: list[str] = []

    def record(_conn: object, _dom: object, name: str, *_rest: object) -> None:
        seen.append(name)

    try:
        dom = conn.lookupByName(domain)
        callback = libvirt_qemu.qemuMonitorEventRegister(conn, dom, event, record, None, 0)
        try:
            yield seen
        finally:
            libvirt_qemu.qemuMonitorEventDeregister(conn, callback)
    finally:
        conn.close()
