"""``metallab scenario run``: bring the lab up, run each scenario's steps, write the report.

Called by ``lab.cli.scenario`` (and the e2e tests). Scenarios that name the same lab file
share one lab, brought up once (or reused when a lab of that name is already up with that
file) and reset between scenarios (``session.reset``). What this run brought up it tears down
at the end unless ``keep``. A failed step stops its scenario (the rest are skipped) and saves
its artefacts; Ctrl-C stops the run, still tears down and still writes the report.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from hostkit import errors
from lab import up as lifecycle
from scenarios import artifacts, execute, load, model, progress, render, report, session, timeline

Print = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Options:
    files: tuple[Path, ...]
    name: str = model.DEFAULT_LAB
    report_dir: Path | None = None
    keep: bool = False
    narrate: bool = False  # say each step's narration before it (make demo)
    pace: float = 0.0  # seconds to pause after each narration


class _Interrupted(Exception):
    """Ctrl-C reached the runner: stop every scenario, keep what was recorded."""


def run(options: Options, *, out: Print = print) -> report.Report:
    scenarios = [load.load(path) for path in options.files]
    groups: dict[Path, list[model.Scenario]] = {}
    for scenario in scenarios:
        groups.setdefault(scenario.lab_file, []).append(scenario)
    started_at, started = report.utc_now(), time.monotonic()
    results: list[report.ScenarioResult] = []
    interrupted = False
    try:
        for lab_file, group in groups.items():
            if interrupted:
                results += [
                    _not_run(s, options.name, "interrupted before it started", interrupted=True)
                    for s in group
                ]
                continue
            try:
                _run_group(options, lab_file, group, results, out)
            except _Interrupted:
                interrupted = True
                done = {r.name for r in results}
                results += [
                    _not_run(s, options.name, "interrupted", interrupted=True)
                    for s in group
                    if s.name not in done
                ]
    finally:
        result = report.Report(
            started_at=started_at,
            duration=time.monotonic() - started,
            scenarios=tuple(results),
            interrupted=interrupted,
        )
        if options.report_dir is not None:
            render.write(result, options.report_dir)
            out(f"report: {options.report_dir / 'index.html'}")
    return result


def _not_run(
    scenario: model.Scenario, lab: str, message: str, *, interrupted: bool = False
) -> report.ScenarioResult:
    recorder = _recorder(scenario, lab)
    recorder.fail(message, interrupted=interrupted)
    return recorder.finish()


def _recorder(scenario: model.Scenario, lab: str) -> report.Recorder:
    return report.Recorder(
        scenario.name, scenario.description, str(scenario.file), lab, scenario.hosts
    )


def _run_group(
    options: Options,
    lab_file: Path,
    group: list[model.Scenario],
    results: list[report.ScenarioResult],
    out: Print,
) -> None:
    created = lifecycle.recorded_lab(options.name) is None
    out(f"{'Bringing up' if created else 'Reusing'} lab {options.name} ({lab_file.name})")
    try:
        try:
            lab = lifecycle.up(
                lifecycle.Options(name=options.name, config=lab_file),
                progress=lambda line: out(f"  {line}"),
            )
        except errors.LabError as err:
            results += [_not_run(s, options.name, f"the lab did not come up: {err}") for s in group]
            return
        except KeyboardInterrupt as err:
            raise _Interrupted from err
        run = session.Session(lab)
        try:
            for scenario in group:
                result = _run_scenario(run, scenario, options, out)
                results.append(result)
                if result.outcome is report.Outcome.INTERRUPTED:
                    raise _Interrupted
        finally:
            run.close()
    finally:
        if created and not options.keep:
            out(f"Tearing down lab {options.name}")
            lifecycle.down(options.name, progress=lambda line: out(f"  {line}"))
        elif options.keep:
            out(f"Lab {options.name} kept: metallab down --name {options.name} removes it")


def _run_scenario(
    run: session.Session, scenario: model.Scenario, options: Options, out: Print
) -> report.ScenarioResult:
    out(f"▶ {scenario.name}" + (f": {scenario.description}" if scenario.description else ""))
    try:
        session.reset(run)
    except errors.LabError as err:
        out(f"  ✗ resetting the lab: {err}")
        return _not_run(scenario, run.name, f"resetting the lab failed: {err}")
    except KeyboardInterrupt:
        recorder = _recorder(scenario, run.name)
        recorder.step(
            _result(
                0,
                scenario.steps[0],
                started=0.0,
                duration=0.0,
                outcome=report.Outcome.INTERRUPTED,
                message="Ctrl-C",
            )
        )
        return recorder.finish()
    recorder = _recorder(scenario, run.name)  # the timeline starts once the lab is reset
    live = progress.Live(out)
    stopped: report.Outcome | None = None
    with timeline.Timeline(run, recorder):
        for index, step in enumerate(scenario.steps):
            if stopped is not None:
                recorder.step(
                    _result(
                        index,
                        step,
                        started=recorder.now(),
                        duration=0.0,
                        outcome=report.Outcome.SKIPPED,
                        message="",
                    )
                )
                continue
            if options.narrate and step.narration:
                out(f"  » {step.narration}")
                run.sleep(options.pace)
            label = f"[{index + 1}/{len(scenario.steps)}] {step.name}"
            live.start(label)
            started = recorder.now()
            outcome, message = _execute(run, step, recorder)
            found: tuple[report.Artifact, ...] = ()
            if outcome is not report.Outcome.PASSED:
                found = artifacts.collect(run, scenario, step, index, options.report_dir)
                stopped = outcome
            duration = recorder.now() - started
            recorder.step(
                _result(
                    index,
                    step,
                    started=started,
                    duration=duration,
                    outcome=outcome,
                    message=message,
                    found=found,
                )
            )
            mark = "✓" if outcome is report.Outcome.PASSED else "✗"
            live.finish(f"  {mark} {label} ({duration:.1f}s)")
            if message:
                out(f"      {message}")
    run.stop.clear()
    return recorder.finish()


def _execute(
    run: session.Session, step: model.Step, recorder: report.Recorder
) -> tuple[report.Outcome, str]:
    try:
        execute.run_step(run, step, recorder)
    except execute.StepFailed as err:
        return report.Outcome.FAILED, str(err)
    except KeyboardInterrupt:
        run.stop.set()
        return report.Outcome.INTERRUPTED, "interrupted (Ctrl-C)"
    except Exception as err:  # a bug or an unexpected answer: still a failed step, reported
        return report.Outcome.FAILED, f"{type(err).__name__}: {err}"
    return report.Outcome.PASSED, ""


def _result(
    index: int,
    step: model.Step,
    *,
    started: float,
    duration: float,
    outcome: report.Outcome,
    message: str,
    found: tuple[report.Artifact, ...] = (),
) -> report.StepResult:
    return report.StepResult(
        index=index,
        name=step.name,
        kind=step.kind,
        hosts=step.hosts,
        started=started,
        duration=duration,
        outcome=outcome,
        message=message,
        artifacts=found,
    )
