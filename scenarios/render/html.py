"""The report as one self-contained HTML page (jinja2): no scripts, no external files.

A summary table, then per scenario its timeline chart (``chart.render``, inline SVG), its steps
with durations and, for a failed step, its message and artefacts (BareMetalHosts YAML, Events,
controller log, serial consoles) folded in ``<details>``. Called by ``scenarios.render.write``.
"""

from __future__ import annotations

import jinja2

from scenarios import report
from scenarios.render import chart

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("scenarios.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(result: report.Report) -> str:
    charts = {s.name: chart.render(s) for s in result.scenarios}
    return _ENV.get_template("report.html.j2").render(
        report=result, charts=charts, Outcome=report.Outcome
    )
