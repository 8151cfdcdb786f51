"""The Vagrantfile: valid Ruby (``ruby -c``), the playbook it names exists, and it provisions by
running ``make lab-up``, which reaches that playbook through ``make setup``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VAGRANTFILE = ROOT / "Vagrantfile"


def test_the_vagrantfile_is_valid_ruby() -> None:
    checked = subprocess.run(
        ["ruby", "-c", str(VAGRANTFILE)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "Syntax OK"


def test_the_playbook_it_names_exists_and_make_lab_up_runs_it() -> None:
    text = VAGRANTFILE.read_text()
    named = re.search(r'^PLAYBOOK = "([^"]+)"$', text, re.MULTILINE)
    assert named is not None
    assert (ROOT / named.group(1)).is_file()
    assert re.search(r"^\s+make lab-up$", text, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab-up: setup$", makefile, re.MULTILINE)
    assert re.search(r"^\tscripts/setup-host$", makefile, re.MULTILINE)
    setup = (ROOT / "scripts" / "setup-host").read_text()
    assert f"-m scenarios.playbook {Path(named.group(1)).name}" in setup


def test_nested_virtualisation_is_asked_of_each_provider() -> None:
    text = VAGRANTFILE.read_text()
    assert "libvirt.nested = true" in text
    assert '"--nested-hw-virt", "on"' in text
