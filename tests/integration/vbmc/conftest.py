"""Fixtures for the virtual-BMC integration tests: a private libvirtd, small domains, real BMCs.

``libvirt_lab`` starts a libvirtd + virtlogd of our own inside a network namespace with private
/run, /etc/libvirt and /var/lib/libvirt (the hardware layer's ``lab.hardware.libvirtd``), with a
``default`` storage pool for virtual media. ``domains`` defines three diskless QEMU (TCG)
domains that sit in firmware when powered on. ``bmcs`` runs the supervisor with one IPMI and two
Redfish BMCs for them. Teardown destroys and undefines the domains, removes the pool, stops every
BMC and both daemons by PID and deletes the namespace, also when a test failed.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from hostkit import ports
from lab.hardware import layout as hw_layout
from lab.hardware import libvirtd, netns, pool
from vbmc import faults, spec, supervisor, tls

if shutil.which("libvirtd") is None or shutil.which("ipmitool") is None or os.geteuid() != 0:
    pytest.skip("needs root, libvirtd and ipmitool", allow_module_level=True)

USERNAME = "admin"


@dataclasses.dataclass(frozen=True)
class LibvirtLab:
    name: str
    state: Path
    uri: str


@dataclasses.dataclass(frozen=True)
class Bmcs:
    state_dir: Path
    ca: tls.KeyPair
    ipmi: spec.BmcSpec
    redfish: tuple[spec.BmcSpec, spec.BmcSpec]
    uuids: dict[str, str]

    @property
    def specs(self) -> list[spec.BmcSpec]:
        return [self.ipmi, *self.redfish]

    def redfish_root(self) -> str:
        return f"https://127.0.0.1:{self.redfish[0].port}/redfish/v1"


def domain_xml(name: str) -> str:
    """A diskless TCG guest with one unconnected NIC; powered on it sits in firmware."""
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid.uuid4()}</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <devices>
    <interface type='ethernet'><model type='virtio'/></interface>
  </devices>
</domain>"""


@pytest.fixture(scope="session")
def libvirt_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibvirtLab]:
    name = f"vb{os.getpid() % 100000}"
    state = Path(tmp_path_factory.mktemp("vbmc-libvirt"))
    lab = LibvirtLab(name, state, hw_layout.libvirt_uri(state))
    try:
        netns.create(name)
        libvirtd.start(name, state)
        conn = libvirtd.connect(state)
        try:
            pool.ensure(conn, state)
        finally:
            conn.close()
        yield lab
    finally:
        try:
            conn = libvirtd.connect(state)
            try:
                for dom in conn.listAllDomains():
                    if dom.isActive():
                        dom.destroy()
                    dom.undefine()
                pool.remove(conn)
            finally:
                conn.close()
        except libvirt.libvirtError:
            pass  # best effort: the daemons and the namespace below must go regardless
        libvirtd.stop(state)
        netns.remove(name)


@pytest.fixture(scope="session")
def domains(libvirt_lab: LibvirtLab) -> dict[str, str]:
    """host name → domain name; the domains are removed with the libvirt lab."""
    names = {"ipmi0": "vbmc-ipmi0", "rf0": "vbmc-rf0", "rf1": "vbmc-rf1"}
    conn = libvirt.open(libvirt_lab.uri)
    try:
        for domain in names.values():
            conn.defineXML(domain_xml(domain))
    finally:
        conn.close()
    return names


@pytest.fixture(scope="session")
def bmcs(
    libvirt_lab: LibvirtLab, domains: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bmcs]:
    state_dir = Path(tmp_path_factory.mktemp("vbmc-state"))
    ca = tls.create_ca(state_dir / "ca")
    redfish_port = ports.free(socket.SOCK_STREAM)

    def make(host: str, kind: spec.BmcKind, port: int, password: str) -> spec.BmcSpec:
        return spec.BmcSpec(
            host=host,
            kind=kind,
            port=port,
            username=USERNAME,
            password=password,
            libvirt_uri=libvirt_lab.uri,
            domain=domains[host],
        )

    ipmi = make("ipmi0", spec.BmcKind.IPMI, ports.free(socket.SOCK_DGRAM), "ipmi-Secret-0")
    rf0 = make("rf0", spec.BmcKind.REDFISH, redfish_port, "rf0-Secret-zero")
    rf1 = make("rf1", spec.BmcKind.REDFISH, redfish_port, "rf1-Secret-one")
    try:
        supervisor.reconcile(state_dir, [ipmi, rf0, rf1], ca=ca)
        conn = libvirt.open(libvirt_lab.uri)
        try:
            uuids = {h: conn.lookupByName(d).UUIDString() for h, d in domains.items()}
        finally:
            conn.close()
        yield Bmcs(state_dir, ca, ipmi, (rf0, rf1), uuids)
    finally:
        supervisor.stop_all(state_dir)


@pytest.fixture(autouse=True)
def _no_fault_left(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "bmcs" in request.fixturenames:
        state: Bmcs = request.getfixturevalue("bmcs")
        for s in state.specs:
            faults.set_fault(state.state_dir, s.host, None)


@pytest.fixture
def libvirt_conn(libvirt_lab: LibvirtLab) -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(libvirt_lab.uri)
    yield conn
    conn.close()


def power_off(conn: libvirt.virConnect, domain: str) -> None:
    dom = conn.lookupByName(domain)
    if dom.isActive():
        dom.destroy()
