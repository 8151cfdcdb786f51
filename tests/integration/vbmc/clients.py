"""Real clients for the BMC tests: ipmitool through lab.runner, and small polling helpers.

Every wait is bounded in time and count; a timeout fails the test with what was last seen.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

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
