"""A blocking Redfish client over ``sushy``: power, boot override, virtual media, inventory.

One ``RedfishClient`` per call site, built from a parsed ``access.Address`` and credentials;
every request is bounded by ``timeout`` (sushy's connect and read timeouts, no server-side
retries). Callers on an event loop run these methods in a thread (``provisioner.direct``).
sushy's exceptions become ``errors.BMCUnreachable`` (no answer) or ``errors.BMCRefused``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sushy
from sushy import auth as sushy_auth
from sushy import exceptions as sushy_errors

from controller.bmc import access, credentials, errors

T = TypeVar("T")
BOOT_TARGETS = {"pxe": "Pxe", "disk": "Hdd", "cdrom": "Cd"}
CD_TYPES = {"CD", "DVD"}


@contextlib.contextmanager
def _translated(address: access.Address) -> Iterator[None]:
    try:
        yield
    except sushy_errors.AccessError as err:
        raise errors.BMCRefused(
            f"Redfish BMC at {address.netloc} refused the credentials (HTTP {err.status_code})"
        ) from err
    except sushy_errors.ConnectionError as err:
        raise errors.BMCUnreachable(f"Redfish BMC at {address.netloc} did not answer") from err
    except sushy_errors.SushyError as err:
        raise errors.BMCRefused(f"Redfish BMC at {address.netloc}: {err}") from err


@contextlib.contextmanager
def _optional() -> Iterator[None]:
    with contextlib.suppress(
        sushy_errors.MissingAttributeError, sushy_errors.ResourceNotFoundError
    ):
        yield


# Redfish names processor families; Metal3 (like Ironic) reports the machine architecture.
_ARCHITECTURES = {"x86": "x86_64", "ARM": "aarch64", "Power": "ppc64le", "IA-64": "ia64"}


def _arch(architecture: object) -> str:
    """``x86_64``-style name of a sushy ProcessorArchitecture (an enum or its value)."""
    value = str(getattr(architecture, "value", architecture) or "")
    return _ARCHITECTURES.get(value, value.lower())


class RedfishClient:
    def __init__(
        self,
        address: access.Address,
        creds: credentials.Credentials,
        *,
        verify: bool | str = True,  # a path: trust that CA bundle
        timeout: float = 15.0,
    ) -> None:
        if address.protocol is not access.Protocol.REDFISH:
            raise errors.BMCError(f"{address.raw} is not a Redfish address")
        self.address = address
        self._creds = creds
        self._verify = verify
        self._timeout = timeout

    def _call(self, action: Callable[[Any], T]) -> T:
        with _translated(self.address):
            # A fresh root per call with basic auth: nothing to invalidate when the credentials
            # or the BMC change, no session to log out of, and every Redfish service accepts
            # it. The price: each call re-reads the service root (and the Systems collection
            # when the address names no System) on a new connection before its own request.
            root = sushy.Sushy(
                self.address.base_url,
                auth=sushy_auth.BasicAuth(self._creds.username, self._creds.password),
                verify=self._verify,
                read_timeout=self._timeout,
                connect_timeout=self._timeout,
                server_side_retries=0,
            )
            system = root.get_system(self.address.system_path or None)
            return action(system)

    def powered_on(self) -> bool:
        return self._call(lambda system: bool(system.power_state == sushy.POWER_STATE_ON))

    def set_power(self, on: bool, *, hard: bool = True) -> None:
        if on:
            kind = sushy.RESET_ON
        else:
            kind = sushy.RESET_FORCE_OFF if hard else sushy.RESET_GRACEFUL_SHUTDOWN
        self._call(lambda system: system.reset_system(kind))

    def set_boot_device(self, device: str, *, persistent: bool = False, uefi: bool = True) -> None:
        target = getattr(sushy.BootSource, BOOT_TARGETS[device].upper())
        enabled = (
            sushy.BOOT_SOURCE_ENABLED_CONTINUOUS if persistent else sushy.BOOT_SOURCE_ENABLED_ONCE
        )
        wanted = sushy.BOOT_SOURCE_MODE_UEFI if uefi else sushy.BOOT_SOURCE_MODE_BIOS

        def change(system: Any) -> None:
            # Only a change of a mode the BMC reports is sent: sushy-tools' libvirt driver
            # reports none for a BIOS domain and refuses any mode for it (it looks for a loader).
            current = system.boot.mode
            mode = wanted if current is not None and current != wanted else None
            system.set_system_boot_options(target=target, enabled=enabled, mode=mode)

        self._call(change)

    def boot_device(self) -> str:
        """The boot override target, by our name (``pxe``, ``disk``, ``cdrom``) or Redfish's."""

        def read(system: Any) -> str:
            target = str(getattr(system.boot.target, "value", system.boot.target) or "")
            return {v: k for k, v in BOOT_TARGETS.items()}.get(target, target)

        return self._call(read)

    def _cd_drive(self, system: Any) -> Any:
        """The System's virtual CD/DVD drive (or, on older BMCs, its Manager's)."""
        collections = []
        with _optional():
            collections.append(system.virtual_media)
        if not collections:
            with _optional():
                collections.extend(manager.virtual_media for manager in system.managers)
        for collection in collections:
            # get_member() wants the full @odata.id, which members_identities holds.
            for identity in collection.members_identities:
                drive = collection.get_member(identity)
                types = {str(getattr(t, "value", t)) for t in drive.media_types or ()}
                if types & CD_TYPES:
                    return drive
        raise errors.BMCRefused(
            f"Redfish BMC at {self.address.netloc} has no virtual CD drive (VirtualMedia)"
        )

    def insert_media(self, url: str) -> None:
        """Insert the ISO at ``url`` into the virtual CD drive (ejecting what was there)."""

        def insert(system: Any) -> None:
            drive = self._cd_drive(system)
            if drive.inserted:
                drive.eject_media()
                drive = self._cd_drive(system)
            drive.insert_media(url, inserted=True, write_protected=True)

        self._call(insert)

    def eject_media(self) -> None:
        def eject(system: Any) -> None:
            drive = self._cd_drive(system)
            if drive.inserted:
                drive.eject_media()

        self._call(eject)

    def media(self) -> str | None:
        """The URL of the image in the virtual CD drive, or None when it is empty."""

        def read(system: Any) -> str | None:
            drive = self._cd_drive(system)
            return str(drive.image) if drive.inserted and drive.image else None

        return self._call(read)

    def inventory(self) -> dict[str, Any]:
        """Hardware details (Metal3's HardwareDetails shape) from the System resource."""

        def read(system: Any) -> dict[str, Any]:
            details: dict[str, Any] = {
                "cpu": {},
                "ramMebibytes": 0,
                "nics": [],
                "storage": [],
                "systemVendor": {
                    "manufacturer": str(system.manufacturer or ""),
                    "productName": str(system.model or ""),
                    "serialNumber": str(system.serial_number or ""),
                },
                "firmware": {"bios": {"version": str(system.bios_version or "")}},
                "hostname": str(system.hostname or ""),
            }
            # Each part is optional in Redfish: a BMC without one reports the rest.
            with _optional():
                for eth in system.ethernet_interfaces.get_members():
                    if eth.mac_address:
                        details["nics"].append(
                            {
                                "name": str(eth.identity),
                                "mac": str(eth.mac_address).lower(),
                                "speedGbps": int((eth.speed_mbps or 0) // 1000),
                            }
                        )
            with _optional():
                cpus = system.processors.summary
                details["cpu"] = {
                    "arch": _arch(cpus.architecture),
                    "count": int(cpus.count or 0),
                }
            with _optional():
                if system.memory_summary is not None:
                    details["ramMebibytes"] = int((system.memory_summary.size_gib or 0) * 1024)
            return details

        return self._call(read)
