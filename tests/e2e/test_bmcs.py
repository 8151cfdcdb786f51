"""The lab's hosts behind their virtual BMCs, driven by real clients.

IPMI (``ipmitool -I lanplus``): power on/off/status, ``chassis bootdev pxe options=persistent``
visible in the domain, a wrong password refused at authentication while the right one works,
``power soft`` shutting down a guest that honours ACPI. Redfish (``sushy``): an ISO made by the
test, inserted as virtual media, boot override to CD, power on, and the guest's marker and the
host's SMBIOS data on the serial console; the emulator's certificate verifies against the lab CA.
"""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import libvirt
import pytest
import requests
import sushy
import urllib3

from hostkit import runner
from lab import paths
from lab import up as lifecycle
from lab.config import model
from lab.hardware import bmcs, layout, libvirtd
from lab.mgmt import embedded
from tests.e2e import conftest, guest


def _ipmitool(lab: model.Lab, password: str, *command: str) -> str:
    port = bmcs.port(lab, lab.hosts[0])
    argv = ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(port)]
    argv += ["-U", lab.bmc.username, "-P", password, "-R", "1", "-N", "2", *command]
    done = runner.run(argv, check=False, timeout=30)
    return done.stdout + done.stderr


def _password(host: str) -> str:
    secrets: dict[str, str] = json.loads(layout.credentials(paths.lab_dir("bmc")).read_text())
    return secrets[host]


def _domain_boot(host: str) -> list[str]:
    conn = libvirtd.connect(paths.lab_dir("bmc"))
    try:
        tree = ET.fromstring(conn.lookupByName(host).XMLDesc())
    finally:
        conn.close()
    return [boot.get("dev", "") for boot in tree.findall("./os/boot")]


def _wait_power(lab: model.Lab, password: str, wanted: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if f"Chassis Power is {wanted}" in _ipmitool(lab, password, "power", "status"):
            return
        time.sleep(0.5)
    raise AssertionError(f"power never became {wanted}")


@pytest.fixture
def ipmi_lab(lab_factory: conftest.LabFactory, tmp_path: Path) -> model.Lab:
    return lab_factory("bmc", conftest.lab_file(tmp_path, octet=231, protocol="ipmi"))


def test_ipmitool_powers_a_host_and_sets_a_persistent_pxe_boot(ipmi_lab: model.Lab) -> None:
    host = ipmi_lab.hosts[0].name
    password = _password(host)
    assert "Chassis Power is off" in _ipmitool(ipmi_lab, password, "power", "status")
    _ipmitool(ipmi_lab, password, "chassis", "bootdev", "pxe", "options=persistent")
    assert _domain_boot(host)[0] == "network"
    _ipmitool(ipmi_lab, password, "power", "on")
    _wait_power(ipmi_lab, password, "on")
    _ipmitool(ipmi_lab, password, "power", "off")
    _wait_power(ipmi_lab, password, "off")


def test_ipmitool_with_a_wrong_password_is_refused(ipmi_lab: model.Lab) -> None:
    out = _ipmitool(ipmi_lab, "not-the-password", "-v", "power", "status")
    assert "RAKP 2 HMAC is invalid" in out, out  # refused at authentication, not silence
    assert "Chassis Power is" not in out
    right = _ipmitool(ipmi_lab, _password(ipmi_lab.hosts[0].name), "power", "status")
    assert "Chassis Power is off" in right


def test_ipmitool_power_soft_shuts_down_a_guest_that_honours_acpi(
    ipmi_lab: model.Lab, guest_dir: Path
) -> None:
    """The guest CD is put in the host's drive (as a technician would); everything else goes
    through the BMC: boot device, power on, soft off — which the guest honours."""
    host = ipmi_lab.hosts[0]
    password = _password(host.name)
    conn = libvirtd.connect(paths.lab_dir("bmc"))
    try:
        conn.lookupByName(host.name).attachDeviceFlags(
            "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
            f"<source file='{guest_dir / 'guest.iso'}'/><target dev='sda' bus='sata'/>"
            "<readonly/></disk>",
            libvirt.VIR_DOMAIN_AFFECT_CONFIG,
        )
    finally:
        conn.close()
    assert "Set Boot Device to cdrom" in _ipmitool(
        ipmi_lab, password, "chassis", "bootdev", "cdrom"
    )
    _ipmitool(ipmi_lab, password, "power", "on")
    console = layout.console_log(paths.lab_dir("bmc"), host.name)
    conftest.wait_for(console, guest.MARKER, timeout=180)
    assert "Chassis Power Control: Soft" in _ipmitool(ipmi_lab, password, "power", "soft")
    conftest.wait_for(console, guest.POWER_BUTTON, timeout=60)
    _wait_power(ipmi_lab, password, "off")


@pytest.fixture
def iso_url(guest_dir: Path) -> Iterator[str]:
    """The test's ISO over HTTP on loopback, where the Redfish emulator fetches it."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    def handler(*args: object) -> Quiet:
        return Quiet(*args, directory=str(guest_dir))  # type: ignore[arg-type]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/guest.iso"
    finally:
        server.shutdown()
        server.server_close()


def test_sushy_boots_a_host_from_virtual_media_to_its_console_marker(
    lab_factory: conftest.LabFactory, tmp_path: Path, iso_url: str
) -> None:
    config = conftest.lab_file(tmp_path, octet=233, protocol="redfish-virtualmedia")
    lab = lab_factory("vmedia", config)
    host = lab.hosts[0]
    secrets: dict[str, str] = json.loads(layout.credentials(paths.lab_dir("vmedia")).read_text())
    urllib3.disable_warnings()
    root = f"https://127.0.0.1:{lab.bmc.redfish_port}/redfish/v1"
    conn = sushy.Sushy(root, username=lab.bmc.username, password=secrets[host.name], verify=False)
    system = conn.get_system(f"/redfish/v1/Systems/{host.uuid}")
    cd = next(m for m in system.virtual_media.members_identities if m.endswith("/Cd"))
    system.virtual_media.get_member(cd).insert_media(iso_url, inserted=True, write_protected=True)
    system.set_system_boot_options(
        sushy.BOOT_SOURCE_TARGET_CD, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE
    )
    system.reset_system(sushy.RESET_ON)
    console = conftest.wait_for(
        layout.console_log(paths.lab_dir("vmedia"), host.name), guest.MARKER, timeout=180
    )
    assert "booted=cd" in console
    # The SMBIOS data the lab file gave the host, as the guest itself reads it.
    assert f"{guest.DMI_PREFIX} sys_vendor={host.vendor}" in console
    assert f"{guest.DMI_PREFIX} product_name={host.product}" in console
    assert f"{guest.DMI_PREFIX} product_serial={host.serial}" in console


def test_the_redfish_certificate_is_signed_by_the_lab_ca(
    lab_factory: conftest.LabFactory, tmp_path: Path
) -> None:
    """TLS verified against the lab's CA (the one the embedded cluster uses), with the
    hostname checked: 127.0.0.1 is in the certificate."""
    lab = lab_factory("tls", conftest.lab_file(tmp_path, octet=229, protocol="redfish"))
    ca = lifecycle.lab_ca(paths.lab_dir("tls"))
    assert ca.cert.parent == embedded.Layout(paths.lab_dir("tls")).pki
    context = ssl.create_default_context(cafile=str(ca.cert))
    with (
        socket.create_connection(("127.0.0.1", lab.bmc.redfish_port), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.getpeercert() is not None
    root = requests.get(
        f"https://127.0.0.1:{lab.bmc.redfish_port}/redfish/v1", verify=str(ca.cert), timeout=30
    )
    assert root.status_code == 200
