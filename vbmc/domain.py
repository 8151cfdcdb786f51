"""A libvirt domain seen as a physical server's chassis: power and boot device, for the IPMI BMC.

``vbmc.ipmi.bmc`` calls this for every chassis command. Power changes map to libvirt calls;
reset and cycle restart the QEMU process (destroy + create) rather than ``virDomainReset`` so a
boot device chosen just before takes effect, as on a real server whose firmware re-reads its
boot flags. The boot device lives in the domain's inactive XML (``<os><boot dev=…/>``, the chosen
device first); a one-time override is written too and reverted right after the next power-on,
so the domain definition always tells what the next boot will do. The flags IPMI reports back
(persistent, EFI) and a pending one-time revert are kept in a small JSON file when the BMC
gives one, so a restarted BMC process still knows them.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import libvirt

from vbmc import errors

log = logging.getLogger(__name__)
_T = TypeVar("_T")


class BootDevice(enum.StrEnum):
    """Values are libvirt's ``<boot dev=…>`` names."""

    PXE = "network"
    DISK = "hd"
    CDROM = "cdrom"


@dataclasses.dataclass(frozen=True)
class BootSetting:
    device: BootDevice
    persistent: bool = True
    efi: bool = False

    def to_json(self) -> dict[str, object]:
        return {"device": self.device.value, "persistent": self.persistent, "efi": self.efi}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BootSetting:
        return cls(BootDevice(data["device"]), bool(data["persistent"]), bool(data["efi"]))


class PowerStateError(errors.VbmcError):
    """The command makes no sense in the current power state (IPMI code 0xD5)."""


class DomainError(errors.VbmcError):
    """libvirt failed or the domain is missing."""


def _ignore_libvirt_errors(_ctx: object, _err: object) -> None:
    """libvirt prints every error to stderr by default; ours are raised and logged instead."""


libvirt.registerErrorHandler(_ignore_libvirt_errors, None)


class Domain:
    """One domain on one libvirt URI; keeps a connection and reopens it once if it died.

    ``flags_path``, if given, keeps the boot flags and a pending one-time revert across
    restarts of the BMC process."""

    def __init__(self, uri: str, name: str, *, flags_path: Path | None = None) -> None:
        self.uri = uri
        self.name = name
        self._conn: Any = None
        self._lock = threading.Lock()  # guards the connection handle
        self._boot_lock = threading.Lock()  # guards the boot flags and the one-time revert
        self._flags_path = flags_path
        self._one_shot_restore: BootSetting | None = None
        self._flags = BootSetting(BootDevice.DISK)
        self._load_flags()

    def _load_flags(self) -> None:
        if self._flags_path is None:
            return
        try:
            data = json.loads(self._flags_path.read_text())
            self._flags = BootSetting.from_json(data["flags"])
            restore = data.get("restore")
            self._one_shot_restore = None if restore is None else BootSetting.from_json(restore)
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning(
                "%s: ignoring unreadable boot flags %s: %s", self.name, self._flags_path, err
            )

    def _save_flags(self) -> None:
        """Called with the boot lock held, after every change of the flags or the revert."""
        if self._flags_path is None:
            return
        restore = self._one_shot_restore
        data = {
            "flags": self._flags.to_json(),
            "restore": None if restore is None else restore.to_json(),
        }
        tmp = self._flags_path.with_name(f".{self._flags_path.name}.tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self._flags_path)

    def _connection(self) -> Any:
        with self._lock:
            if self._conn is None:
                self._conn = libvirt.open(self.uri)
            return self._conn

    def _call(self, action: Callable[[Any], _T]) -> _T:
        """Run ``action`` on the domain; libvirt connections are thread-safe, so a slow call
        (destroy takes about a second) never blocks a concurrent status query."""
        for attempt in (1, 2):
            conn = None
            try:
                conn = self._connection()
                return action(conn.lookupByName(self.name))
            except libvirt.libvirtError as err:
                if attempt == 1 and conn is not None and not _alive(conn):
                    log.warning("libvirt connection to %s lost; reconnecting", self.uri)
                    with self._lock:
                        if self._conn is conn:
                            self._conn = None
                    continue
                raise DomainError(
                    f"libvirt domain {self.name} at {self.uri}: {err}",
                    fix="check that the lab's libvirtd runs and the domain exists",
                ) from err
        raise AssertionError("unreachable")

    def uuid(self) -> str:
        return self._call(lambda dom: str(dom.UUIDString()))

    def is_on(self) -> bool:
        return self._call(lambda dom: bool(dom.isActive()))

    def power_on(self) -> None:
        self._call(self._start_if_off)

    def power_off(self) -> None:
        self._call(lambda dom: dom.destroy() if dom.isActive() else None)

    def shutdown(self) -> None:
        """ACPI power button; the guest decides (needs ``<acpi/>`` in the domain)."""
        self._call(lambda dom: dom.shutdown() if dom.isActive() else None)

    def reset(self) -> None:
        """Hard reset; like real hardware it does nothing to a server that is off."""
        self._call(self._restart)

    def cycle(self) -> None:
        self._call(self._restart)

    def _restart(self, dom: Any) -> None:
        if not dom.isActive():
            raise PowerStateError(f"{self.name} is off", fix="power it on instead")
        dom.destroy()
        self._start_if_off(dom)

    def _start_if_off(self, dom: Any) -> None:
        if dom.isActive():
            return
        with self._boot_lock:
            dom.create()
            if self._one_shot_restore is not None:
                restore, self._one_shot_restore = self._one_shot_restore, None
                self._write_boot(dom, restore.device)
                self._flags = restore
                self._save_flags()

    def boot(self) -> BootSetting:
        """The device the next boot uses, with the flags last set through the BMC."""
        with self._boot_lock:
            device = self._call(_first_boot_device)
            return dataclasses.replace(self._flags, device=device)

    def set_boot(self, setting: BootSetting) -> None:
        def apply(dom: Any) -> None:
            with self._boot_lock:
                _apply(dom)

        def _apply(dom: Any) -> None:
            if setting.persistent:
                self._one_shot_restore = None
            elif self._one_shot_restore is None:
                current = _first_boot_device(dom)
                self._one_shot_restore = dataclasses.replace(self._flags, device=current)
            self._write_boot(dom, setting.device)
            self._flags = setting
            self._save_flags()

        self._call(apply)

    def _write_boot(self, dom: Any, device: BootDevice) -> None:
        tree = ET.fromstring(_inactive_xml(dom))
        set_boot_order(tree, device)
        dom.connect().defineXML(ET.tostring(tree, encoding="unicode"))
        log.info("%s: next boot from %s", self.name, device.value)


def set_boot_order(tree: ET.Element, first: BootDevice) -> None:
    """Rewrite a domain tree so ``first`` boots first, then disk, network, cdrom as fallbacks.

    Per-device ``<boot order>`` elements are removed: libvirt rejects them next to
    ``<os><boot>``.
    """
    os_el = tree.find("os")
    if os_el is None:
        os_el = ET.SubElement(tree, "os")
    for boot in os_el.findall("boot"):
        os_el.remove(boot)
    for device in tree.findall("./devices/*"):
        for boot in device.findall("boot"):
            device.remove(boot)
    order = [first, *(d for d in (BootDevice.DISK, BootDevice.PXE, BootDevice.CDROM) if d != first)]
    for dev in order:
        ET.SubElement(os_el, "boot", {"dev": dev.value})


def first_boot_device(tree: ET.Element) -> BootDevice:
    """The device a domain tree boots first; disk when it says nothing (QEMU's default)."""
    boot = tree.find("./os/boot")
    if boot is not None:
        try:
            return BootDevice(boot.get("dev", ""))
        except ValueError:
            return BootDevice.DISK
    ordered: list[tuple[int, BootDevice]] = []
    for device in tree.findall("./devices/*"):
        boot = device.find("boot")
        if boot is None or not boot.get("order", "").isdigit():
            continue
        if device.tag == "interface":
            kind = BootDevice.PXE
        elif device.tag == "disk" and device.get("device") == "cdrom":
            kind = BootDevice.CDROM
        else:
            kind = BootDevice.DISK
        ordered.append((int(boot.get("order", "0")), kind))
    return min(ordered)[1] if ordered else BootDevice.DISK


def _first_boot_device(dom: Any) -> BootDevice:
    return first_boot_device(ET.fromstring(_inactive_xml(dom)))


def _inactive_xml(dom: Any) -> str:
    return str(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE))


def _alive(conn: Any) -> bool:
    try:
        return bool(conn.isAlive())
    except libvirt.libvirtError:
        return False
