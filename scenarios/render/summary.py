"""The report as the plain data of ``summary.json``: outcome and duration of every step.

For dashboards and scripts (``jq '.scenarios[].steps[].duration'``); artefact texts are left
out (they are files beside it).
"""

from __future__ import annotations

from typing import Any

from scenarios import report


def render(result: report.Report) -> dict[str, Any]:
    return {
        "startedAt": result.started_at,
        "duration": round(result.duration, 3),
        "passed": result.passed,
        "interrupted": result.interrupted,
        "scenarios": [
            {
                "name": s.name,
                "file": s.file,
                "lab": s.lab,
                "outcome": s.outcome.value,
                "startedAt": s.started_at,
                "duration": round(s.duration, 3),
                "message": s.message,
                "steps": [
                    {
                        "index": step.index + 1,
                        "name": step.name,
                        "kind": step.kind,
                        "hosts": list(step.hosts),
                        "outcome": step.outcome.value,
                        "started": round(step.started, 3),
                        "duration": round(step.duration, 3),
                        "message": step.message,
                        "artifacts": [a.path for a in step.artifacts],
                    }
                    for step in s.steps
                ],
                "faults": [
                    {"host": f.host, "at": round(f.at, 3), "fault": f.fault} for f in s.faults
                ],
                "timeline": [
                    {
                        "host": c.host,
                        "at": round(c.at, 3),
                        "state": c.state,
                        "errorType": c.error_type,
                    }
                    for c in s.timeline
                ],
            }
            for s in result.scenarios
        ],
    }
