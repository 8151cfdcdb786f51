"""Playbooks through ansible-runner: host preparation runs here for real (every package is
installed by ``make setup`` already, so it changes nothing and fetches nothing) and a failing
task comes back as a ``LabError`` naming the task and its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostkit import errors
from scenarios import decode, playbook


def test_host_setup_runs_through_ansible_runner_with_progress() -> None:
    lines: list[str] = []
    playbook.run(
        decode.PLAYBOOKS / "host-setup.yaml",
        variables={},
        timeout=300,
        progress=lines.append,
    )
    assert "  • Read which packages are installed" in lines
    assert "  • Install the missing packages" in lines


def test_host_setup_installs_what_setup_host_used_to() -> None:
    text = (decode.PLAYBOOKS / "host-setup.yaml").read_text()
    for package in (
        "qemu-system-x86",
        "libvirt-daemon-system",
        "dnsmasq-base",
        "ipmitool",
        "chromium",
        "ruby",
    ):
        assert f"      - {package}\n" in text, package


def test_a_failed_task_is_an_error_naming_it(tmp_path: Path) -> None:
    failing = tmp_path / "fail.yaml"
    failing.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Check the answer\n      ansible.builtin.assert:\n"
        "        that: answer == 42\n        fail_msg: the answer is {{ answer }}\n"
    )
    with pytest.raises(errors.LabError, match=r"Check the answer: the answer is 41"):
        playbook.run(failing, variables={"answer": 41}, timeout=120, progress=lambda _: None)
