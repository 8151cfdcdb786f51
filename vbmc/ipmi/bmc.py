"""The chassis side of the IPMI BMC: pyghmi's ``Bmc`` answering from a libvirt domain.

Implements the commands a provisioning controller and ipmitool use — Get Device ID (``mc info``),
Get System GUID, Chassis Status, Chassis Control (on/off/cycle/reset/soft), Set/Get System Boot
Options parameter 5 (device, persistent, EFI) — and applies the host's injected fault before
every command. Built and run by ``vbmc.ipmi.__main__``, one instance per process because pyghmi
keeps its sessions in class-level state.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyghmi.ipmi.bmc as pyghmi_bmc

from vbmc import domain, errors, faults
from vbmc.ipmi import session as ipmi_session

log = logging.getLogger(__name__)

# IPMI completion codes (IPMI 2.0, table 5-2).
OK = 0x00
INVALID_COMMAND = 0xC1
INVALID_DATA_FIELD = 0xCC
NOT_IN_PRESENT_STATE = 0xD5
UNSPECIFIED_ERROR = 0xFF

_NETFN_CHASSIS, _NETFN_APP = 0x00, 0x06
_BOOT_FLAGS_PARAM = 5
# Boot device selector (bits 5:2 of boot flags data byte 2).
_SELECTOR_TO_DEVICE = {
    1: domain.BootDevice.PXE,
    2: domain.BootDevice.DISK,
    3: domain.BootDevice.DISK,  # "safe mode" disk
    5: domain.BootDevice.CDROM,
}
_DEVICE_TO_SELECTOR = {
    domain.BootDevice.PXE: 1,
    domain.BootDevice.DISK: 2,
    domain.BootDevice.CDROM: 5,
}
_VALID, _PERSISTENT, _EFI = 0x80, 0x40, 0x20


def decode_boot_flags(data: list[int]) -> domain.BootSetting | None:
    """Set System Boot Options param 5 data (after the parameter byte) → setting; None = no
    override requested. Raises KeyError for devices a VM does not have (floppy, BIOS setup)."""
    selector = (data[1] >> 2) & 0x0F
    if not data[0] & _VALID or selector == 0:
        return None
    return domain.BootSetting(
        device=_SELECTOR_TO_DEVICE[selector],
        persistent=bool(data[0] & _PERSISTENT),
        efi=bool(data[0] & _EFI),
    )


def encode_boot_flags(setting: domain.BootSetting) -> list[int]:
    flags = _VALID | (_PERSISTENT if setting.persistent else 0) | (_EFI if setting.efi else 0)
    return [flags, _DEVICE_TO_SELECTOR[setting.device] << 2, 0, 0, 0]


class VirtualBmc(pyghmi_bmc.Bmc):  # type: ignore[misc]
    """One host's BMC on ``address:port``; ``authdata`` maps its one user to its password."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        chassis: domain.Domain,
        state_dir: Path,
        address: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.chassis = chassis
        self._faults = faults.FaultReader(state_dir, host)
        super().__init__(
            {username: password}, port=port, bmcuuid=uuid.UUID(chassis.uuid()), address=address
        )
        self.firmwaremajor, self.firmwareminor = 0, 1
        self.ipmiversion = 0x02  # BCD "2.0"
        self._power_actions: queue.Queue[Callable[[], None]] = queue.Queue()
        threading.Thread(target=self._run_power_actions, name="power", daemon=True).start()

    def _run_power_actions(self) -> None:
        """Power changes take seconds under libvirt; like a real BMC we answer at once and
        carry them out here, one at a time, so the IPMI loop keeps answering meanwhile."""
        while True:
            action = self._power_actions.get()
            try:
                action()
            except errors.VbmcError as err:
                log.error("%s: %s failed: %s", self.host, action.__name__, err)
            except Exception:
                log.exception("%s: %s failed", self.host, action.__name__)

    def unresponsive(self) -> bool:
        fault = self._faults.current()
        return fault is not None and fault.kind is faults.FaultKind.UNRESPONSIVE

    def sessionless_data(self, data: Any, sockaddr: Any) -> None:
        """Like pyghmi's, but sessions are ours (cipher-suite fix) and faults apply."""
        if self.unresponsive():
            return
        packet = bytearray(data)
        is_open_request = (
            len(packet) >= 22
            and packet[0] == 6
            and packet[2:4] == b"\xff\x07"
            and packet[4] == 6
            and packet[5] == 16
        )
        if is_open_request:
            request = packet[16:]
            ipmi_session.Session(
                self.authdata, self.kg, sockaddr, self.serversocket, request, self.uuid, bmc=self
            )
            return
        super().sessionless_data(data, sockaddr)

    def handle_raw_request(self, request: dict[str, Any], session: Any) -> None:
        netfn, command, data = request["netfn"], request["command"], list(request["data"])
        # A client retransmits a request (same rqSeq) when the answer is late; doing it twice
        # would power-cycle twice, so a retransmission gets the first answer again.
        key = (netfn, command, session.seqlun, bytes(data))
        last = getattr(session, "last_reply", None)
        if last is not None and last[0] == key:
            session.send_ipmi_response(data=last[2], code=last[1])
            return
        fault = self._faults.current()
        if fault is not None and fault.kind is faults.FaultKind.UNRESPONSIVE:
            return
        if fault is not None and fault.kind is faults.FaultKind.SLOW:
            time.sleep(fault.seconds)
        code, reply = (
            (UNSPECIFIED_ERROR, [])
            if fault is not None and fault.kind is faults.FaultKind.ERROR
            else self._answer(netfn, command, data, fault)
        )
        session.last_reply = (key, code, reply)
        session.send_ipmi_response(data=reply, code=code)

    def _answer(
        self, netfn: int, command: int, data: list[int], fault: faults.Fault | None
    ) -> tuple[int, list[int]]:
        try:
            return self.dispatch(netfn, command, data, fault)
        except domain.PowerStateError as err:
            log.info("%s: refused: %s", self.host, err.problem)
            return NOT_IN_PRESENT_STATE, []
        except domain.DomainError as err:
            log.error("%s: %s", self.host, err)
            return UNSPECIFIED_ERROR, []
        except Exception:
            log.exception("%s: netfn %#x command %#x failed", self.host, netfn, command)
            return UNSPECIFIED_ERROR, []

    def dispatch(
        self, netfn: int, command: int, data: list[int], fault: faults.Fault | None
    ) -> tuple[int, list[int]]:
        if netfn == _NETFN_APP and command == 0x01:
            return OK, self.device_id()
        if netfn == _NETFN_APP and command == 0x37:
            return OK, list(self.uuid.bytes_le)
        if netfn == _NETFN_CHASSIS and command == 0x01:
            return OK, [1 if self.chassis.is_on() else 0, 0, 0]
        if netfn == _NETFN_CHASSIS and command == 0x02 and data:
            return self.chassis_control(data[0], fault)
        if netfn == _NETFN_CHASSIS and command == 0x08 and data:
            return self.set_boot_options(data)
        if netfn == _NETFN_CHASSIS and command == 0x09 and data:
            return self.get_boot_options(data[0] & 0x7F)
        return INVALID_COMMAND, []

    def device_id(self) -> list[int]:
        """Get Device ID: device 0x20, rev 1, fw 0.1, IPMI 2.0, chassis device, no vendor."""
        manufacturer, product = [0, 0, 0], [0, 0]
        fixed = [0x20, 0x01, self.firmwaremajor, self.firmwareminor, self.ipmiversion, 0x80]
        return fixed + manufacturer + product

    def chassis_control(self, directive: int, fault: faults.Fault | None) -> tuple[int, list[int]]:
        actions = {
            0: self.chassis.power_off,
            1: self.chassis.power_on,
            2: self.chassis.cycle,
            3: self.chassis.reset,
            5: self.chassis.shutdown,
        }
        action = actions.get(directive)
        if action is None:
            return INVALID_DATA_FIELD, []
        if fault is not None and fault.kind is faults.FaultKind.IGNORE_POWER:
            log.info("%s: fault ignore-power: ignoring chassis control %d", self.host, directive)
            return OK, []
        if directive in (2, 3) and not self.chassis.is_on():
            return NOT_IN_PRESENT_STATE, []
        log.info("%s: chassis control %d (%s)", self.host, directive, action.__name__)
        self._power_actions.put(action)
        return OK, []

    def set_boot_options(self, data: list[int]) -> tuple[int, list[int]]:
        param = data[0] & 0x7F
        if param in (0, 3, 4):
            # Set-in-progress, boot-info acknowledge, boot initiator: state a VM does not have.
            return OK, []
        if param != _BOOT_FLAGS_PARAM or len(data) < 3:
            return INVALID_DATA_FIELD, []
        try:
            setting = decode_boot_flags(data[1:])
        except KeyError:
            return INVALID_DATA_FIELD, []
        if setting is not None:
            self.chassis.set_boot(setting)
        return OK, []

    def get_boot_options(self, param: int) -> tuple[int, list[int]]:
        if param != _BOOT_FLAGS_PARAM:
            return 0x80, []  # parameter not supported
        return OK, [0x01, _BOOT_FLAGS_PARAM, *encode_boot_flags(self.chassis.boot())]
