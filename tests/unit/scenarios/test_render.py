"""The renderers of a report: JUnit XML (one case per scenario, the failed step named), the
HTML page (inline SVG timeline with host rows, faults and steps; artefacts escaped) and
summary.json (every step's duration). Pure functions, so a report value is built by hand.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from scenarios import render, report
from scenarios.render import chart, html, junit, summary


def _report() -> report.Report:
    passed = report.ScenarioResult(
        name="enroll",
        description="hosts become available",
        file="scenarios/enroll.yaml",
        lab="scn",
        started_at="2026-12-02T16:00:00Z",
        duration=40.0,
        outcome=report.Outcome.PASSED,
        steps=(
            report.StepResult(
                0, "node-1 available", "wait", ("node-1",), 0.1, 30.5, report.Outcome.PASSED
            ),
            report.StepResult(1, "no error", "assert", (), 30.6, 0.2, report.Outcome.PASSED),
        ),
        timeline=(
            report.StateChange("node-1", 0.0, "registering", ""),
            report.StateChange("node-1", 5.0, "inspecting", ""),
            report.StateChange("node-1", 20.0, "available", ""),
        ),
        faults=(),
        hosts=("node-0", "node-1"),
    )
    artifact = report.Artifact(
        "Controller log", "artifacts/faults/step-2/controller.log", "<b>boom</b>"
    )
    failed = report.ScenarioResult(
        name="faults",
        description="",
        file="scenarios/faults.yaml",
        lab="scn",
        started_at="2026-12-02T16:01:00Z",
        duration=12.0,
        outcome=report.Outcome.FAILED,
        steps=(
            report.StepResult(0, "set fault", "fault", (), 0.0, 0.01, report.Outcome.PASSED),
            report.StepResult(
                1,
                "node-1 errors",
                "wait",
                ("node-1",),
                0.01,
                10.0,
                report.Outcome.FAILED,
                "timed out after 10s",
                (artifact,),
            ),
            report.StepResult(2, "recover", "wait", (), 10.0, 0.0, report.Outcome.SKIPPED),
        ),
        timeline=(
            report.StateChange("node-1", 0.0, "available", ""),
            report.StateChange("node-1", 4.0, "available", "power management error"),
        ),
        faults=(report.FaultMark("node-1", 0.01, "unresponsive"),),
        hosts=("node-0", "node-1"),
    )
    return report.Report("2026-12-02T16:00:00Z", 52.0, (passed, failed), interrupted=False)


def test_junit_has_one_case_per_scenario_and_names_the_failed_step() -> None:
    root = ET.fromstring(junit.render(_report()).tostring())
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"enroll", "faults"}
    assert cases["enroll"].find("failure") is None
    failure = cases["faults"].find("failure")
    assert failure is not None
    assert failure.get("message") == "step 2 'node-1 errors': timed out after 10s"
    assert "artifact: artifacts/faults/step-2/controller.log" in (failure.text or "")
    assert root.get("failures") == "1" and root.get("tests") == "2"


def test_summary_has_every_step_with_its_duration() -> None:
    data = summary.render(_report())
    assert data["passed"] is False
    steps = data["scenarios"][1]["steps"]
    assert [(s["name"], s["duration"], s["outcome"]) for s in steps] == [
        ("set fault", 0.01, "passed"),
        ("node-1 errors", 10.0, "failed"),
        ("recover", 0.0, "skipped"),
    ]
    assert data["scenarios"][1]["faults"] == [
        {"host": "node-1", "at": 0.01, "fault": "unresponsive"}
    ]
    json.dumps(data)


def test_the_chart_draws_a_row_per_host_with_states_faults_and_steps() -> None:
    svg = chart.render(_report().scenarios[0])
    assert svg.startswith("<svg")
    assert 'id="timeline"' in svg
    for text in ("node-0", "node-1", "steps", "inspecting", "available"):
        assert f">{text}<" in svg, text
    faulty = chart.render(_report().scenarios[1])
    assert "fault unresponsive" in faulty


def test_html_is_self_contained_with_the_timeline_and_escaped_artifacts() -> None:
    page = html.render(_report())
    assert page.count("<svg") == 2
    for external in ("<script", "<link", "src=", 'href="http'):
        assert external not in page, external
    assert "&lt;b&gt;boom&lt;/b&gt;" in page and "<b>boom</b>" not in page
    assert "Step 2 failed: node-1 errors" in page


def test_write_saves_all_three(tmp_path: Path) -> None:
    render.write(_report(), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "index.html",
        "junit.xml",
        "summary.json",
    ]
