"""A minimal IPMI BMC on pyghmi's server class, run as its own process by the tests.

``start(port, user, password)`` runs ``python -m tests.integration.controller.ipmi_bmc PORT
USER``, which reads the password from stdin and serves power status/on/off and boot device
for one in-memory server on 127.0.0.1:PORT; with ``ignore_soft_off`` its "OS" ignores the
soft (ACPI) shutdown, as a hung one does; with ``ignore_power`` it accepts every power command
and changes nothing, as a stuck BMC does (the lab's ``bmc fault HOST ignore-power``).
It is plain pyghmi — it accepts cipher suite 17 like the bare library does — so it shows that
the controller's client (pinned to suite 3) logs in where a stock pyghmi client crashes.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

from pyghmi.ipmi import bmc

from hostkit import ports


class MemoryBmc(bmc.Bmc):  # type: ignore[misc]
    def __init__(
        self, authdata: dict[str, str], port: int, *, ignore_soft_off: bool, ignore_power: bool
    ) -> None:
        super().__init__(authdata, port=port, address="127.0.0.1")
        self.powered = False
        self.bootdev = "default"
        self.ignore_soft_off = ignore_soft_off
        self.ignore_power = ignore_power

    def get_power_state(self) -> str:
        return "on" if self.powered else "off"

    def power_on(self) -> None:
        self.powered = self.powered or not self.ignore_power

    def power_off(self) -> None:
        self.powered = self.powered and self.ignore_power

    def power_shutdown(self) -> None:
        if not (self.ignore_soft_off or self.ignore_power):
            self.powered = False

    def get_boot_device(self) -> str:
        return self.bootdev

    def set_boot_device(self, bootdevice: Any) -> None:
        self.bootdev = str(bootdevice)


def start(
    port: int,
    user: str,
    password: str,
    *,
    ignore_soft_off: bool = False,
    ignore_power: bool = False,
) -> subprocess.Popen[str]:
    """Start the BMC in its own process (pyghmi's server and client state are global) and
    return once it has bound its UDP port; the caller terminates it."""
    args = [sys.executable, "-m", __name__, str(port), user]
    if ignore_soft_off:
        args.append("--ignore-soft-off")
    if ignore_power:
        args.append("--ignore-power")
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, text=True)
    assert proc.stdin is not None
    proc.stdin.write(password)
    proc.stdin.close()
    ports.wait_bound(port, kind=socket.SOCK_DGRAM)
    return proc


def main() -> None:
    port, user = int(sys.argv[1]), sys.argv[2]
    password = sys.stdin.read().strip()
    MemoryBmc(
        {user: password},
        port,
        ignore_soft_off="--ignore-soft-off" in sys.argv,
        ignore_power="--ignore-power" in sys.argv,
    ).listen()


if __name__ == "__main__":
    main()
