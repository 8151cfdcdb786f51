"""A blocking IPMI client over ``pyghmi``: power state, power on/off, boot device.

pyghmi's client opens RMCP+ sessions asking for cipher suite 17 (SHA-256) and crashes when a
BMC — the lab's pyghmi-based one among them — answers with suite 3 (FACTS.md). Suite 3
(SHA-1 / HMAC-SHA1-96 / AES-CBC-128) is the suite every IPMI 2.0 BMC implements and the one
ipmitool falls back to, so sessions opened here ask for suite 3 from the start. The controller
process only ever acts as a client (BMCs run in their own processes), so the pin is safe.

Every call is bounded by ``timeout``: the login is pyghmi's asynchronous one, driven here until
it answers or the deadline passes, so an unreachable BMC never holds a thread longer than the
timeout; waiting for another thread's call to the same BMC is bounded too; pyghmi bounds each
command exchange itself (a few seconds of retries). No answer is ``BMCUnreachable``; a refusal
(wrong password, failed command) is ``BMCRefused``.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from pyghmi import exceptions as pyghmi_errors
from pyghmi.ipmi import command
from pyghmi.ipmi.private import session

from controller.bmc import access, credentials, errors

BOOT_DEVICES = {"pxe": "network", "disk": "hd", "cdrom": "optical"}
# What pyghmi says when nothing answers (its login and command timeouts).
NO_ANSWER = ("timeout", "no longer connected", "failed to initialize", "none")
LOGIN_POLL = 0.2
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

    def _failure(self, what: str, err: object) -> errors.BMCError:
        text = str(err) or "no answer"
        if text.lower() in NO_ANSWER or any(marker in text.lower() for marker in NO_ANSWER[:3]):
            return errors.BMCUnreachable(
                f"IPMI BMC at {self.address.netloc} did not answer {what} within "
                f"{self._timeout:g}s (is a BMC listening on UDP port {self.address.port}?)"
            )
        return errors.BMCRefused(f"IPMI BMC at {self.address.netloc} refused {what}: {text}")

    def _command(self, deadline: float) -> command.Command:
        cached = _commands.get(self._key())
        if cached is not None:
            return cached
        answer: dict[str, Any] = {}
        answered = threading.Event()

        def logged_in(response: dict[str, Any], _: command.Command) -> None:
            answer.update(response)
            answered.set()

        # pyghmi keeps a failed login (a wrong password, a timeout) as "initting" and hands it
        # to the next Command for the same BMC and user, which then never hears back. The
        # lock held here means no login of ours for this key is in progress: drop it.
        session.Session.initting_sessions.pop(
            (
                self.address.host,
                self._creds.username,
                self._creds.password,
                self.address.port,
                None,
            ),
            None,
        )
        try:
            cmd = command.Command(
                bmc=self.address.host,
                userid=self._creds.username,
                password=self._creds.password,
                port=self.address.port,
                onlogon=logged_in,
            )
            # pyghmi's synchronous login waits as long as pyghmi likes: drive its I/O here
            # until the BMC answers or our deadline passes.
            while not answered.is_set() and time.monotonic() < deadline:
                command.Command.wait_for_rsp(min(LOGIN_POLL, max(0.0, deadline - time.monotonic())))
        except pyghmi_errors.IpmiException as err:
            raise self._failure("the login", err) from err
        if not answered.is_set():
            raise self._failure("the login", "timeout")
        if "error" in answer:
            raise self._failure("the login", answer["error"])
        _commands[self._key()] = cmd
        return cmd

    def _run(self, action: str, *args: Any, **kwargs: Any) -> Any:
        # One logged-in Command per BMC and user, reused: a second Command for the same BMC
        # shares pyghmi's session and hangs, and reuse saves a login per call. The lock keeps
        # threads from interleaving on that session; waiting for it is bounded as well.
        deadline = time.monotonic() + self._timeout
        lock = _locks.setdefault(self._key()[:3], threading.Lock())
        if not lock.acquire(timeout=self._timeout):
            raise errors.BMCUnreachable(
                f"IPMI BMC at {self.address.netloc}: an earlier call has waited more than "
                f"{self._timeout:g}s for an answer"
            )
        try:
            cmd = self._command(deadline)
            try:
                return getattr(cmd, action)(*args, **kwargs)
            except pyghmi_errors.IpmiException as err:
                _commands.pop(self._key(), None)  # log in afresh next time
                raise self._failure(action, err) from err
        finally:
            lock.release()

    def powered_on(self) -> bool:
        return bool(self._run("get_power")["powerstate"] == "on")

    def set_power(self, on: bool, *, hard: bool = True) -> None:
        state = "on" if on else ("off" if hard else "softoff")
        self._run("set_power", state, wait=False)

    def set_boot_device(self, device: str, *, persistent: bool = False, uefi: bool = True) -> None:
        self._run("set_bootdev", BOOT_DEVICES[device], persist=persistent, uefiboot=uefi)

    def boot_device(self) -> str:
        """The next boot device, by our name (``pxe``, ``disk``, ``cdrom``) or pyghmi's."""
        device = str(self._run("get_bootdev").get("bootdev") or "")
        return {v: k for k, v in BOOT_DEVICES.items()}.get(device, device)
