"""Checks before ``up`` makes anything: missing programs and firmware named with their package,
a changed lab refused with what differs, a taken BMC port refused (TCP for Redfish, UDP for
IPMI) while a port in TIME_WAIT after a ``down`` is not.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from hostkit import errors, runner
from lab.config import load
from lab.hardware import domains, layout, preflight


def test_a_missing_program_is_named_with_its_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(runner.MissingBinary, match="apt-get install qemu-system-x86"):
        preflight.tools()


def test_a_changed_lab_is_refused_naming_what_differs(tmp_path: Path) -> None:
    before = load.load(None, name="x", hosts=1)
    layout.desired(tmp_path).write_text(json.dumps(before.to_json()))
    preflight.same_lab(tmp_path, before)
    with pytest.raises(errors.LabError, match=r"different configuration \(differs in: hosts\)"):
        preflight.same_lab(tmp_path, load.load(None, name="x", hosts=2))


@pytest.mark.parametrize(
    ("protocol", "kind"), [("ipmi", socket.SOCK_DGRAM), ("redfish", socket.SOCK_STREAM)]
)
def test_a_taken_bmc_port_is_refused(tmp_path: Path, protocol: str, kind: int) -> None:
    with socket.socket(socket.AF_INET, kind) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        other = 1080 if port != 1080 else 1081
        ipmi, redfish = (port, other) if protocol == "ipmi" else (other, port)
        path = tmp_path / "lab.yaml"
        path.write_text(
            "apiVersion: metallab.dev/v1alpha1\nkind: Lab\nspec:\n  hosts: 1\n"
            f"  bmc: {{protocol: {protocol}, ipmiPortBase: {ipmi}, redfishPort: {redfish}}}\n"
        )
        with pytest.raises(errors.LabError, match=f"BMC port 127.0.0.1:{port}/.* is taken"):
            preflight.ports(load.load(path, name="x"))


def _lab_file(tmp_path: Path, *, redfish: int, boot_mode: str = "legacy") -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(
        "apiVersion: metallab.dev/v1alpha1\nkind: Lab\nspec:\n  hosts: 1\n"
        f"  hostDefaults: {{bootMode: {boot_mode}, memoryMiB: 512}}\n"
        f"  bmc: {{protocol: redfish, ipmiPortBase: 1080, redfishPort: {redfish}}}\n"
    )
    return path


def test_a_bmc_port_in_time_wait_is_not_taken(tmp_path: Path) -> None:
    """Right after ``down`` the Redfish port's last connections sit in TIME_WAIT: ``up`` may
    bind it again (the emulator sets SO_REUSEADDR), so the check must not call it taken."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Werkzeug's server
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first: its end goes to TIME_WAIT
        client.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # the state the old probe mistook for "taken"
    preflight.ports(load.load(_lab_file(tmp_path, redfish=port), name="x"))


def test_missing_uefi_firmware_names_the_ovmf_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lab = load.load(_lab_file(tmp_path, redfish=8000, boot_mode="uefi"), name="x")
    monkeypatch.setattr(preflight, "IPXE_ROM", tmp_path / "lab.yaml")  # present
    monkeypatch.setattr(domains, "OVMF_CODE", tmp_path / "OVMF_CODE_4M.fd")
    with pytest.raises(
        runner.MissingBinary, match=r"UEFI firmware for node-0.*apt-get install ovmf"
    ):
        preflight.firmware(lab)
    legacy = load.load(_lab_file(tmp_path, redfish=8000), name="x")
    preflight.firmware(legacy)  # a legacy lab does not need OVMF


def test_a_missing_ipxe_rom_names_the_ipxe_qemu_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(preflight, "IPXE_ROM", tmp_path / "efi-virtio.rom")
    with pytest.raises(runner.MissingBinary, match=r"iPXE boot ROM.*apt-get install ipxe-qemu"):
        preflight.firmware(load.load(_lab_file(tmp_path, redfish=8000), name="x"))
