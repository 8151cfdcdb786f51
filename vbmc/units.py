"""How the desired BMCs become processes: one unit per IPMI host, one per Redfish port.

The supervisor asks ``plan`` for the units a desired set needs; each ``Unit`` knows its name (also
its directory under ``<state>/bmc``), its argv (no secrets: only the config path) and its config
text (with secrets, written 0600). ``fingerprint`` changes whenever the config does, which is how
the supervisor notices that a running BMC must be restarted with new settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from vbmc import errors, layout, spec, tls


@dataclasses.dataclass(frozen=True)
class Unit:
    name: str
    module: str
    config: str = dataclasses.field(repr=False)
    hosts: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.config.encode()).hexdigest()

    def directory(self, state_dir: Path) -> Path:
        return layout.process_dir(state_dir, self.name)

    def argv(self, state_dir: Path) -> list[str]:
        return [sys.executable, "-m", self.module, str(self.directory(state_dir) / "config.json")]


def name(s: spec.BmcSpec) -> str:
    """The unit serving ``s``: ``ipmi-<host>`` (one per host) or ``redfish-<port>`` (shared)."""
    return f"ipmi-{s.host}" if s.kind is spec.BmcKind.IPMI else f"redfish-{s.port}"


def validate(desired: Sequence[spec.BmcSpec]) -> None:
    """Reject sets that cannot run side by side, naming the offending hosts."""
    seen_hosts: set[str] = set()
    ipmi_ports: dict[int, str] = {}
    redfish: dict[int, spec.BmcSpec] = {}
    for s in desired:
        if s.host in seen_hosts:
            raise errors.VbmcError(f"two BMCs for host {s.host}", fix="give each host one BMC")
        seen_hosts.add(s.host)
        if s.kind is spec.BmcKind.IPMI:
            if s.port in ipmi_ports:
                raise errors.VbmcError(
                    f"IPMI hosts {ipmi_ports[s.port]} and {s.host} both use port {s.port}",
                    fix="give every IPMI host its own port",
                )
            ipmi_ports[s.port] = s.host
            continue
        first = redfish.setdefault(s.port, s)
        if first.libvirt_uri != s.libvirt_uri:
            raise errors.VbmcError(
                f"Redfish hosts {first.host} and {s.host} share port {s.port} "
                "but not a libvirt URI",
                fix="use one Redfish port per libvirt URI",
            )
    clash = set(ipmi_ports) & set(redfish)
    if clash:
        raise errors.VbmcError(
            f"port(s) {sorted(clash)} used by both IPMI and Redfish BMCs",
            fix="keep IPMI and Redfish ports apart",
        )


def plan(
    state_dir: Path,
    desired: Sequence[spec.BmcSpec],
    *,
    uuids: Mapping[str, str],
    server_cert: tls.KeyPair | None,
) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    by_port: dict[int, list[spec.BmcSpec]] = {}
    for s in desired:
        if s.kind is spec.BmcKind.IPMI:
            config: dict[str, object] = {"spec": s.to_json(), "state_dir": str(state_dir)}
            unit = name(s)
            units[unit] = Unit(unit, "vbmc.ipmi", json.dumps(config, sort_keys=True), (s.host,))
        else:
            by_port.setdefault(s.port, []).append(s)
    for port, group in sorted(by_port.items()):
        if server_cert is None:
            raise errors.VbmcError(
                "Redfish BMCs need TLS material", fix="pass the lab CA to reconcile"
            )
        config = {
            "specs": [s.to_json() for s in group],
            "uuids": {s.host: uuids[s.host] for s in group},
            "libvirt_uri": group[0].libvirt_uri,
            "port": port,
            "cert": str(server_cert.cert),
            "key": str(server_cert.key),
            "state_dir": str(state_dir),
        }
        hosts = tuple(s.host for s in group)
        unit = name(group[0])
        units[unit] = Unit(unit, "vbmc.redfish", json.dumps(config, sort_keys=True), hosts)
    return units


def address(s: spec.BmcSpec, uuids: Mapping[str, str]) -> str:
    """The BMC address a BareMetalHost would carry for this host."""
    if s.kind is spec.BmcKind.IPMI:
        return f"ipmi://127.0.0.1:{s.port}"
    return f"redfish+https://127.0.0.1:{s.port}/redfish/v1/Systems/{uuids[s.host]}"
