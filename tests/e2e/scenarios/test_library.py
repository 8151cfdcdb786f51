"""The scenario library passes: every ``scenarios/*.yaml`` through the real runner, one shared
lab (one lab file), real VMs, BMCs, API server and controller. The report says so in all three
forms, with every step's duration, and the lab the run brought up is gone afterwards."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lab import paths
from scenarios import load
from tests.e2e.scenarios import conftest


@pytest.mark.timeout(1800)
def test_the_library_passes_through_the_runner(
    run_scenarios: conftest.Runner, tmp_path: Path
) -> None:
    files = load.library()
    report = tmp_path / "report"
    child = run_scenarios("scnlib", report, *files)
    output, _ = child.communicate(timeout=3000)
    assert child.returncode == 0, output[-6000:]
    assert f"{len(files)} passed, 0 failed" in output

    summary = json.loads((report / "summary.json").read_text())
    assert summary["passed"] is True
    assert {s["name"] for s in summary["scenarios"]} == {load.load(f).name for f in files}
    for scenario in summary["scenarios"]:
        assert scenario["outcome"] == "passed", scenario
        assert all(
            step["outcome"] == "passed" and step["duration"] >= 0 for step in scenario["steps"]
        )
        # The timeline saw the hosts move (at least registering → available for one host).
        assert {change["state"] for change in scenario["timeline"]} >= {"available"}

    junit = ET.parse(report / "junit.xml").getroot()
    assert junit.get("tests") == str(len(files)) and junit.get("failures") == "0"
    page = (report / "index.html").read_text()
    assert page.count('id="timeline"') == len(files)
    assert not paths.lab_dir("scnlib").exists(), "the runner tears down the lab it brought up"
