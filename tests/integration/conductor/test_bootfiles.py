"""The conductor's plain-HTTP boot files: the per-MAC iPXE script (and the exit script for a
host with no agent boot pending), the boot-config.cpio holding boot.json, and the per-boot
ISO made from a base ISO built like the lab's ``agent.iso`` (xorriso, Rock Ridge + Joliet,
isolinux El Torito with a boot-info table) — its /boot-config.cpio replaced, everything else
and the El Torito boot record intact. Served files stop once the agent has looked up."""

from __future__ import annotations

import io
import json
import pathlib
import struct
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator

import pycdlib
import pytest

from controller.conductor import service, sessions, wire
from tests import agentrig, imageserver
from tests.integration.conductor import conftest


@pytest.fixture
def base_iso(tmp_path: pathlib.Path) -> Iterator[str]:
    www = tmp_path / "www"
    www.mkdir()
    agentrig.build_base_iso(www)
    with imageserver.serve(www) as url:
        yield f"{url}/agent.iso"


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return bytes(reply.read())


def test_ipxe_script_and_cpio(conductor: service.Conductor) -> None:
    boot_url = conductor.config.boot_url
    mac = conftest.BOOT_MAC
    assert b"exit" in get(f"{boot_url}/v1/boot/{mac}.ipxe")  # nothing pending: boot on
    conductor.sessions.begin("uid-1", "lab", "node-0", sessions.Purpose.INSPECT, mac)
    # iPXE URL-encodes the colons of ${net0/mac}.
    script = get(f"{boot_url}/v1/boot/{mac.upper().replace(':', '%3A')}.ipxe").decode()
    assert script.startswith("#!ipxe\n")
    assert "kernel http://127.0.0.1:1/vmlinuz " in script and "console=ttyS0" in script
    assert f"initrd --name boot-config.cpio {boot_url}/v1/boot/{mac}/boot-config.cpio" in script
    files = agentrig.unpack_newc(get(f"{boot_url}/v1/boot/{mac}/boot-config.cpio"))
    assert set(files) == {"etc", "etc/metallab-agent", "etc/metallab-agent/boot.json"}
    boot = json.loads(files["etc/metallab-agent/boot.json"])
    assert boot["conductor_url"] == conductor.config.agent_url
    assert boot["ca_pem"] == conductor.config.ca_file.read_text()
    conductor.sessions.lookup(boot["token"], wire.Lookup((mac,)))
    with pytest.raises(urllib.error.HTTPError) as gone:  # the token is not handed out again
        get(f"{boot_url}/v1/boot/{mac}/boot-config.cpio")
    assert gone.value.code == 404


def test_per_host_iso(conductor: service.Conductor, base_iso: str, tmp_path: pathlib.Path) -> None:
    conductor.isos.base_url = base_iso
    boot = conductor.sessions.begin("uid-1", "lab", "node-0", sessions.Purpose.INSPECT, "")
    data = get(conductor.iso_url(boot))
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    try:
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, rr_path="/boot-config.cpio")
        joliet = io.BytesIO()
        iso.get_file_from_iso_fp(joliet, joliet_path="/boot-config.cpio")
        initrd = io.BytesIO()
        iso.get_file_from_iso_fp(initrd, rr_path="/initrd.img")
        record = iso.get_record(rr_path="/isolinux/isolinux.bin")
        isolinux_lba = record.extent_location()
    finally:
        iso.close()
    assert out.getvalue() == joliet.getvalue()
    files = agentrig.unpack_newc(out.getvalue())
    token = json.loads(files["etc/metallab-agent/boot.json"])["token"]
    assert conductor.sessions.lookup(token, wire.Lookup(()))[0] == "uid-1"
    assert initrd.getvalue() == b"initrd" * 1000
    # El Torito still boots isolinux, and its boot-info table points at the new layout.
    made = tmp_path / "host.iso"
    made.write_bytes(data)
    report = subprocess.run(
        ["xorriso", "-indev", str(made), "-report_el_torito", "plain"],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    assert "El Torito boot img" in report and "BIOS" in report
    table = data[isolinux_lba * 2048 + 8 : isolinux_lba * 2048 + 16]
    pvd_lba, file_lba = struct.unpack("<II", table)
    assert (pvd_lba, file_lba) == (16, isolinux_lba)
