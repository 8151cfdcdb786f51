"""``metallab scenario run|list``: run scenario files against a lab, list the library.

``run FILE… [--report DIR] [--keep]`` builds ``scenarios.runner.Options`` and calls the
runner, which brings the lab up (or reuses it), prints a line per step, tears down what it
made and writes the report; the exit status is 0 when every scenario passed, 1 when one
failed, 130 when interrupted (Ctrl-C or SIGTERM, which still writes the report). ``list``
shows the library (``scenarios/*.yaml``). ``--narrate`` says each step's narration first,
pausing ``--pace`` seconds (``make demo``; ``--fast`` does not pause).
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType

from lab import paths
from scenarios import model

DEMO_PACE = 2.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scenario = subparsers.add_parser("scenario", help="run scenarios against a lab; reports")
    verbs = scenario.add_subparsers(dest="verb", metavar="VERB", required=True)

    run = verbs.add_parser(
        "run",
        help="run scenario files (the lab is brought up, or reused, and torn down)",
        description="Scenarios naming the same lab file share one lab, reset between them.",
    )
    run.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario files")
    run.add_argument(
        "--report", type=Path, metavar="DIR", help="write junit.xml, index.html, summary.json here"
    )
    run.add_argument("--keep", action="store_true", help="leave the lab up afterwards")
    run.add_argument("--narrate", action="store_true", help="say each step's narration first")
    run.add_argument(
        "--pace", type=float, default=DEMO_PACE, help="seconds to pause after a narration"
    )
    run.add_argument("--fast", action="store_true", help="narrate without pausing")
    run.add_argument(
        "--name",
        default=model.DEFAULT_LAB,
        help=f"lab name; a lab of that name already up is reused (default: {model.DEFAULT_LAB})",
    )
    run.set_defaults(func=_run)

    listing = verbs.add_parser("list", help="the scenario library")
    listing.set_defaults(func=_list)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    from scenarios import runner  # matplotlib and ansible load only for scenario runs

    name = paths.check_name(args.name)
    signal.signal(signal.SIGTERM, _interrupt)  # a CI job's timeout stops it like Ctrl-C
    result = runner.run(
        runner.Options(
            files=tuple(args.files),
            name=name,
            report_dir=args.report,
            keep=args.keep,
            narrate=args.narrate,
            pace=0.0 if args.fast else args.pace,
        )
    )
    failed = [s.name for s in result.scenarios if s.outcome.value != "passed"]
    print(
        f"{len(result.scenarios) - len(failed)} passed, {len(failed)} failed"
        + (f": {', '.join(failed)}" if failed else "")
    )
    if result.interrupted:
        return 130
    return 0 if result.passed else 1


def _list(args: argparse.Namespace) -> int:
    from scenarios import load

    rows = [("SCENARIO", "STEPS", "LAB", "DESCRIPTION")]
    for path in load.library():
        scenario = load.load(path)
        rows.append(
            (scenario.name, str(len(scenario.steps)), scenario.lab_file.name, scenario.description)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3]
        )
    return 0
