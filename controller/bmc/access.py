"""BMC addresses: one registry of drivers keyed by URL scheme, parsed once into ``Address``.

Schemes as in Metal3: ``ipmi``, ``redfish``, ``redfish-virtualmedia``, each also with ``+http``
or ``+https``; a bare ``host`` or ``host:port`` means IPMI. ``parse`` is the only constructor of
``Address`` and raises ``errors.AddressError`` naming the bad part. Called by the registration
step and by the provisioner backends, which read the capability properties instead of
comparing scheme strings.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import re
import urllib.parse

from controller.bmc import errors


class Protocol(enum.StrEnum):
    IPMI = "ipmi"
    REDFISH = "redfish"


@dataclasses.dataclass(frozen=True)
class Driver:
    """What a URL scheme means: protocol, transport and capabilities."""

    scheme: str
    protocol: Protocol
    transport: str  # "udp", "http" or "https"
    default_port: int
    virtual_media: bool

    @property
    def needs_boot_mac(self) -> bool:
        """Network (PXE) booting finds the host by its boot MAC; virtual media does not."""
        return not self.virtual_media


def _redfish_family(base: str, *, virtual_media: bool) -> list[Driver]:
    return [
        Driver(base, Protocol.REDFISH, "https", 443, virtual_media),
        Driver(f"{base}+https", Protocol.REDFISH, "https", 443, virtual_media),
        Driver(f"{base}+http", Protocol.REDFISH, "http", 80, virtual_media),
    ]


REGISTRY: dict[str, Driver] = {
    d.scheme: d
    for d in [
        Driver("ipmi", Protocol.IPMI, "udp", 623, virtual_media=False),
        *_redfish_family("redfish", virtual_media=False),
        *_redfish_family("redfish-virtualmedia", virtual_media=True),
    ]
}

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclasses.dataclass(frozen=True)
class Address:
    """A parsed BMC address. Build it with ``parse``."""

    raw: str
    driver: Driver
    host: str
    port: int
    path: str

    @property
    def protocol(self) -> Protocol:
        return self.driver.protocol

    @property
    def needs_boot_mac(self) -> bool:
        return self.driver.needs_boot_mac

    @property
    def virtual_media(self) -> bool:
        return self.driver.virtual_media

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For Redfish: the service root's scheme and authority, e.g. https://10.0.0.1:443."""
        return f"{self.driver.transport}://{self.netloc}"

    @property
    def system_path(self) -> str:
        """For Redfish: the System's path given in the address, or '' to pick the only one."""
        return self.path.rstrip("/")


def _fail(address: str, problem: errors.AddressProblem, detail: str) -> errors.AddressError:
    return errors.AddressError(address, problem, detail)


def _check_host(address: str, host: str) -> str:
    if not host:
        raise _fail(address, errors.AddressProblem.BAD_HOST, "no host given")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOSTNAME.match(host) or host.replace(".", "").isdigit():
        raise _fail(address, errors.AddressProblem.BAD_HOST, f"{host!r} is not a host name or IP")
    return host.lower()


def parse(address: str) -> Address:
    """Parse ``address`` into an ``Address``; raise ``errors.AddressError`` if it is unusable."""
    text = address.strip()
    if not text:
        raise _fail(address, errors.AddressProblem.EMPTY, "spec.bmc.address is empty")
    if not _SCHEME.match(text):
        text = f"ipmi://{text}"  # Metal3: a bare host[:port] is an IPMI address.
    scheme = text.split("://", 1)[0].lower()
    driver = REGISTRY.get(scheme)
    if driver is None:
        known = ", ".join(sorted(REGISTRY))
        raise _fail(
            address, errors.AddressProblem.UNKNOWN_SCHEME, f"{scheme!r}; use one of {known}"
        )
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError as err:
        problem = (
            errors.AddressProblem.BAD_PORT
            if "port" in str(err).lower()
            else errors.AddressProblem.BAD_HOST
        )
        raise _fail(address, problem, str(err)) from err
    if parts.username is not None or parts.password is not None:
        raise _fail(
            address, errors.AddressProblem.BAD_HOST, "credentials belong in the Secret, not the URL"
        )
    if port == 0:
        raise _fail(address, errors.AddressProblem.BAD_PORT, "port 0 is not usable")
    host = _check_host(address, parts.hostname or "")
    if driver.protocol is Protocol.IPMI and parts.path.strip("/"):
        raise _fail(address, errors.AddressProblem.BAD_HOST, "an IPMI address has no path")
    return Address(
        raw=address,
        driver=driver,
        host=host,
        port=port if port is not None else driver.default_port,
        path=parts.path,
    )
