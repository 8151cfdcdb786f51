"""What a failed step leaves behind for whoever reads the report.

Called by ``scenarios.runner`` right after a step fails (before anything is torn down): the
lab's BareMetalHosts as YAML, the Events of their namespace, the controller's log lines around
the failure and the serial console of each host the step touched. Each is written under
``<report>/artifacts/<scenario>/step-<n>/`` and kept in the report, so the HTML page embeds it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from lab.hardware import layout
from scenarios import model, report, session

CONSOLE_LINES = 200
LOG_LINES = 300


def collect(
    run: session.Session,
    scenario: model.Scenario,
    step: model.Step,
    index: int,
    directory: Path | None,
) -> tuple[report.Artifact, ...]:
    hosts = step.hosts or scenario.hosts
    wanted: list[tuple[str, str, Callable[[], str]]] = [
        ("BareMetalHosts", "objects.yaml", lambda: _objects(run)),
        ("Events", "events.txt", lambda: _events(run)),
        (
            "Controller log",
            "controller.log",
            lambda: _tail(session.controller_log(run.state), LOG_LINES),
        ),
    ]
    for host in hosts:
        console = layout.console_log(run.state, host)
        wanted.append(
            (
                f"Serial console of {host}",
                f"console-{host}.log",
                lambda console=console: _tail(console, CONSOLE_LINES),  # type: ignore[misc]
            )
        )
    found = []
    relative = Path("artifacts") / scenario.name / f"step-{index + 1}"
    for title, name, read in wanted:
        try:
            text = read()
        except Exception as err:  # the API server may be the thing that broke
            text = f"(could not collect: {err})"
        if directory is not None:
            (directory / relative).mkdir(parents=True, exist_ok=True)
            (directory / relative / name).write_text(text)
        found.append(report.Artifact(title=title, path=str(relative / name), text=text))
    return tuple(found)


def _objects(run: session.Session) -> str:
    hosts = run.hosts()
    for host in hosts:
        host.get("metadata", {}).pop("managedFields", None)
    return yaml.safe_dump_all(hosts, sort_keys=False) if hosts else "(no BareMetalHosts)\n"


def _events(run: session.Session) -> str:
    events = run.resource("v1", "Event").get(namespace=model.DEFAULT_NAMESPACE).to_dict()
    rows = sorted(
        events.get("items", []),
        key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "",
    )
    lines = [
        f"{e.get('lastTimestamp') or e.get('eventTime') or '-'}  {e.get('type', '')}  "
        f"{(e.get('involvedObject') or {}).get('name', '')}  {e.get('reason', '')}  "
        f"x{e.get('count') or 1}  {e.get('message', '')}"
        for e in rows
    ]
    return "\n".join(lines) + "\n" if lines else "(no Events)\n"


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return f"({path} does not exist)\n"
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(text) + "\n"
