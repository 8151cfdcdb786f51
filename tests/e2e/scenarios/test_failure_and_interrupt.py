"""A scenario made to fail on purpose exits non-zero, and its report names the failed step and
holds its artefacts (objects, Events, controller log, serial console); headless Chromium
renders the HTML page and the timeline is drawn. Ctrl-C (SIGINT) mid-step stops the run with
exit 130, still writes the report and still tears the lab down."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from matplotlib import image

from lab import paths
from tests.e2e.scenarios import conftest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_a_failing_scenario_exits_non_zero_with_its_step_and_artefacts(
    run_scenarios: conftest.Runner, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    child = run_scenarios("scnfail", report, conftest.HERE / "fails-on-purpose.yaml")
    output, _ = child.communicate(timeout=900)
    assert child.returncode == 1, output[-4000:]
    assert "✗ [5/6] node-0 powers on despite its dead BMC" in output
    assert "0 passed, 1 failed: fails-on-purpose" in output

    summary = json.loads((report / "summary.json").read_text())
    steps = summary["scenarios"][0]["steps"]
    outcomes = [s["outcome"] for s in steps]
    assert outcomes == ["passed", "passed", "passed", "passed", "failed", "skipped"]
    failed = steps[4]
    assert failed["name"] == "node-0 powers on despite its dead BMC"
    assert "timed out after 20s" in failed["message"]
    assert summary["scenarios"][0]["faults"][0]["fault"] == "unresponsive"

    case = ET.parse(report / "junit.xml").getroot().find(".//testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith(
        "step 5 'node-0 powers on despite its dead BMC'"
    )

    artefacts = report / "artifacts" / "fails-on-purpose" / "step-5"
    assert sorted(p.name for p in artefacts.iterdir()) == [
        "console-node-0.log",
        "controller.log",
        "events.txt",
        "objects.yaml",
    ]
    assert "kind: BareMetalHost" in (artefacts / "objects.yaml").read_text()
    assert "node-0" in (artefacts / "events.txt").read_text()
    assert (artefacts / "controller.log").read_text().strip()
    assert failed["artifacts"] == [
        f"artifacts/fails-on-purpose/step-5/{p}"
        for p in ("objects.yaml", "events.txt", "controller.log", "console-node-0.log")
    ]
    assert not paths.lab_dir("scnfail").exists()

    _render_headless(report / "index.html", tmp_path)


def _render_headless(page: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by make setup (playbooks/host-setup.yaml)"
    profile = tempfile.mkdtemp(prefix="mlchromium-")
    try:
        common = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        dom = subprocess.run(
            [*common, "--dump-dom", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        shot = tmp_path / "page.png"
        subprocess.run(
            [*common, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()],
            capture_output=True,
            timeout=120,
            check=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    # The browser parsed the inline SVG: the chart's axes, its host rows and its bars.
    assert 'id="timeline"' in dom
    assert dom.count("<path") > 10
    assert ">node-0<" in dom and ">steps<" in dom and "fault unresponsive" in dom
    assert "Step 5 failed: node-0 powers on despite its dead BMC" in dom
    pixels = image.imread(str(shot))
    colours = {
        tuple(round(float(c), 2) for c in row) for row in pixels.reshape(-1, pixels.shape[-1])[::97]
    }
    assert len(colours) > 8, "the screenshot shows a drawn page, not a blank one"


def test_ctrl_c_stops_cleanly_and_still_writes_the_report(
    run_scenarios: conftest.Runner, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    child = run_scenarios("scnint", report, conftest.HERE / "waits-long.yaml")
    assert child.stdout is not None
    deadline = time.monotonic() + 600
    seen = ""
    while "▶ waits-long" not in seen and time.monotonic() < deadline and child.poll() is None:
        seen += child.stdout.readline()
    assert "▶ waits-long" in seen, seen
    time.sleep(3)  # inside the wait step
    os.kill(child.pid, signal.SIGINT)
    rest, _ = child.communicate(timeout=300)
    assert child.returncode == 130, seen + rest
    summary = json.loads((report / "summary.json").read_text())
    assert summary["interrupted"] is True
    step = summary["scenarios"][0]["steps"][1]
    assert step["outcome"] == "interrupted" and step["artifacts"]
    assert "Tearing down lab scnint" in rest
    assert not paths.lab_dir("scnint").exists()
