"""A blocking IPMI client over ``pyghmi``: power state, power on/off, boot device.

pyghmi's client opens RMCP+ sessions asking for cipher suite 17 (SHA-256) and crashes when a
BMC — the lab's pyghmi-based one among them — answers with suite 3 (FACTS.md). Suite 3
(SHA-1 / HMAC-SHA1-96 / AES-CBC-128) is the suite every IPMI 2.0 BMC implements and the one
ipmitool falls back to, so sessions opened here ask for suite 3 from the start. The controller
process only ever acts as a client (BMCs run in their own processes), so the pin is safe.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from pyghmi import exceptions as pyghmi_errors
from pyghmi.ipmi import command
from pyghmi.ipmi.private import session

from controller.bmc import access, credentials, errors

BOOT_DEVICES = {"pxe": "network", "disk": "hd", "cdrom": "optical"}
_commands: dict[tuple[str, int, str, str], command.Command] = {}
_locks: dict[tuple[str, int, str], threading.Lock] = {}


@functools.cache
def pin_cipher_suite_3() -> None:
    original = session.Session._initsession

    def _initsession(self: Any) -> None:
        original(self)
        self.attemptedhash = 1  # pyghmi's marker for suite 3

    session.Session._initsession = _initsession


class IpmiClient:
    def __init__(
        self, address: access.Address, creds: credentials.Credentials, *, timeout: float = 15.0
    ) -> None:
        if address.protocol is not access.Protocol.IPMI:
            raise errors.BMCError(f"{address.raw} is not an IPMI address")
        pin_cipher_suite_3()
        self.address = address
        self._creds = creds
        self._timeout = timeout

    def _key(self) -> tuple[str, int, str, str]:
        return (self.address.host, self.address.port, self._creds.username, self._creds.password)

    def _command(self) -> command.Command:
        cached = _commands.get(self._key())
        if cached is not None:
            return cached
        try:
            cmd = command.Command(
                bmc=self.address.host,
                userid=self._creds.username,
                password=self._creds.password,
                port=self.address.port,
            )
        except pyghmi_errors.IpmiException as err:
            text = str(err)
            if "timeout" in text.lower() or "unreachable" in text.lower():
                raise errors.BMCUnreachable(
                    f"IPMI BMC at {self.address.netloc} did not answer: {text}"
                ) from err
            raise errors.BMCRefused(f"IPMI BMC at {self.address.netloc} refused: {text}") from err
        _commands[self._key()] = cmd
        return cmd

    def _run(self, action: str, *args: Any, **kwargs: Any) -> Any:
        # One logged-in Command per BMC and user, reused: a second Command for the same BMC
        # shares pyghmi's session and hangs, and reuse saves a login per call. The lock keeps
        # threads from interleaving on that session.
        with _locks.setdefault(self._key()[:3], threading.Lock()):
            cmd = self._command()
            try:
                return getattr(cmd, action)(*args, **kwargs)
            except pyghmi_errors.IpmiException as err:
                _commands.pop(self._key(), None)  # log in afresh next time
                raise errors.BMCRefused(
                    f"IPMI BMC at {self.address.netloc} refused {action}: {err}"
                ) from err

    def powered_on(self) -> bool:
        return bool(self._run("get_power")["powerstate"] == "on")

    def set_power(self, on: bool, *, hard: bool = True) -> None:
        state = "on" if on else ("off" if hard else "softoff")
        self._run("set_power", state, wait=False)

    def set_boot_device(self, device: str, *, persistent: bool = False, uefi: bool = True) -> None:
        self._run("set_bootdev", BOOT_DEVICES[device], persist=persistent, uefiboot=uefi)
