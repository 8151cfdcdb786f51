"""The timeline chart of one scenario as an inline SVG (matplotlib).

One row per host showing its BareMetalHost states over time (a bar per state, red-edged while
the host has an error), the BMC faults injected on that row (red marks, labelled), and a top
row with the steps (green passed, red failed). Called by ``scenarios.render.html``; text stays
text in the SVG (``svg.fonttype: none``), so the page is searchable and tests can read it.
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib import axes as mpl_axes
from matplotlib import figure as mpl_figure

from scenarios import report

STEPS_ROW = "steps"
_COLOURS = {
    "": "#d9d9d9",
    "registering": "#9ecae1",
    "inspecting": "#6baed6",
    "match profile": "#4292c6",
    "preparing": "#fdd0a2",
    "available": "#74c476",
    "provisioning": "#fd8d3c",
    "provisioned": "#238b45",
    "deprovisioning": "#fdae6b",
    "externally provisioned": "#a1d99b",
    "powering off before delete": "#bcbddc",
    "deleting": "#9e9ac8",
    "deleted": "#f0f0f0",
    "unmanaged": "#bdbdbd",
}
_OUTCOME = {
    report.Outcome.PASSED: "#74c476",
    report.Outcome.FAILED: "#de2d26",
    report.Outcome.INTERRUPTED: "#fe9929",
    report.Outcome.SKIPPED: "#f0f0f0",
}


def _segments(scenario: report.ScenarioResult, host: str) -> list[tuple[float, float, str, str]]:
    """(start, width, state, errorType) for each stretch of one state of ``host``."""
    changes = [c for c in scenario.timeline if c.host == host]
    end = max(scenario.duration, changes[-1].at if changes else 0.0)
    return [
        (c.at, (changes[i + 1].at if i + 1 < len(changes) else end) - c.at, c.state, c.error_type)
        for i, c in enumerate(changes)
    ]


def render(scenario: report.ScenarioResult) -> str:
    hosts = list(scenario.hosts) or sorted({c.host for c in scenario.timeline})
    rows = [STEPS_ROW, *hosts]
    height = 0.6 * len(rows) + 1.4
    # A Figure of its own, not pyplot's global state: reports render from any thread.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "metallab"}):
        figure = mpl_figure.Figure(figsize=(11, height))
        axes = figure.subplots()
        _draw(axes, scenario, rows)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    return svg[svg.index("<svg") :]


def _draw(axes: mpl_axes.Axes, scenario: report.ScenarioResult, rows: list[str]) -> None:
    axes.set_gid("timeline")
    position = {row: len(rows) - 1 - i for i, row in enumerate(rows)}
    for row in rows[1:]:
        for start, width, state, error in _segments(scenario, row):
            axes.broken_barh(
                [(start, max(width, 0.05))],
                (position[row] - 0.35, 0.7),
                facecolors=_COLOURS.get(state, "#969696"),
                edgecolors="#de2d26" if error else "white",
                linewidth=2 if error else 0.5,
            )
            if width >= scenario.duration / 25:
                label = f"{state or 'none'}: {error}" if error else state or "none"
                axes.text(
                    start + width / 2, position[row], label, ha="center", va="center", fontsize=7
                )
    for fault in scenario.faults:
        y = position.get(fault.host)
        if y is None:
            continue
        axes.plot([fault.at], [y + 0.42], marker="v", color="#de2d26", markersize=7)
        axes.text(fault.at, y + 0.46, f"fault {fault.fault}", fontsize=6.5, color="#a50f15")
    for step in scenario.steps:
        if step.outcome is report.Outcome.SKIPPED:
            continue
        axes.broken_barh(
            [(step.started, max(step.duration, 0.05))],
            (position[STEPS_ROW] - 0.35, 0.7),
            facecolors=_OUTCOME[step.outcome],
            edgecolors="white",
            linewidth=0.8,
        )
        axes.text(step.started, position[STEPS_ROW] + 0.38, str(step.index + 1), fontsize=6.5)
    axes.set_yticks([position[row] for row in rows], rows)
    axes.set_ylim(-0.6, len(rows) - 0.2)
    axes.set_xlim(0, max(scenario.duration, 1.0))
    axes.set_xlabel("seconds since the scenario started")
    axes.grid(axis="x", linestyle=":", linewidth=0.5)
    axes.set_title(f"{scenario.name}: BareMetalHost states, faults and steps", fontsize=9)
