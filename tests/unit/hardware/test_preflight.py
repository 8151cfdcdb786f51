"""Checks before ``up`` makes anything: missing programs named with their package, a changed
lab refused with what differs, a taken BMC port refused (TCP for Redfish, UDP for IPMI).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from lab import errors, runner
from lab.config import load
from lab.hardware import layout, preflight


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
