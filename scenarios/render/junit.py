"""The report as JUnit XML (junitparser): one test case per scenario, in one suite.

A failed scenario's case carries a ``<failure>`` whose message names the failed step and whose
text is the step's message and artefact paths; an interrupted one an ``<error>``. Every
case's ``system-out`` lists its steps with durations. CI systems read this file.
"""

from __future__ import annotations

import junitparser

from scenarios import report

SUITE = "metallab scenarios"


def render(result: report.Report) -> junitparser.JUnitXml:
    suite = junitparser.TestSuite(SUITE)
    suite.timestamp = result.started_at
    for scenario in result.scenarios:
        case = junitparser.TestCase(scenario.name, "scenarios", round(scenario.duration, 3))
        step = scenario.failed_step
        if scenario.outcome is not report.Outcome.PASSED:
            where = f"step {step.index + 1} '{step.name}'" if step else "before any step"
            message = f"{where}: {step.message if step else scenario.message}"
            kind = (
                junitparser.Error
                if scenario.outcome is report.Outcome.INTERRUPTED
                else junitparser.Failure
            )
            entry = kind(message, scenario.outcome.value)
            details = [message] + [f"artifact: {a.path}" for a in (step.artifacts if step else ())]
            entry.text = "\n".join(details)
            case.result = [entry]
        case.system_out = "\n".join(
            f"{s.outcome.value:11} {s.duration:7.1f}s  [{s.index + 1}] {s.name}"
            for s in scenario.steps
        )
        suite.add_testcase(case)
    document = junitparser.JUnitXml()
    document.add_testsuite(suite)
    document.update_statistics()
    return document
