"""Renderers of a ``report.Report``: JUnit XML, one HTML page, ``summary.json``.

Each renderer is a pure function of the report; ``write`` (called by ``scenarios.runner``)
saves all three into the report directory: ``junit.xml``, ``index.html``, ``summary.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from scenarios import report
from scenarios.render import html, junit, summary


def write(result: report.Report, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    junit.render(result).write(str(directory / "junit.xml"), pretty=True)
    (directory / "index.html").write_text(html.render(result))
    (directory / "summary.json").write_text(json.dumps(summary.render(result), indent=2) + "\n")
