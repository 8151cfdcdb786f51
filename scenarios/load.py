"""Read scenario files into ``model.Scenario`` values, and find the scenario library.

Called by ``scenarios.runner`` and ``lab.cli.scenario``. A scenario names its lab file; the
lab file is read with ``lab.config.load`` first so the scenario's host names can be checked
against it (``spec.steps[1].fault.host: no host 'node-9' in the lab file``).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hostkit import errors
from lab.config import load as lab_load
from scenarios import decode, model

LIBRARY = Path(__file__).resolve().parent


def library() -> list[Path]:
    """Every scenario of the library, in name order."""
    return sorted(LIBRARY.glob("*.yaml"))


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text())
    except OSError as err:
        raise errors.LabError(
            f"cannot read scenario file {path}: {err.strerror}", fix="check the path"
        ) from err
    except yaml.YAMLError as err:
        raise errors.LabError(
            f"scenario file {path} is not valid YAML: {err}", fix="fix the YAML"
        ) from err


def load(path: Path) -> model.Scenario:
    path = path.resolve()
    document = _read(path)
    lab_file = decode.lab_path(document, file=path)
    hosts: tuple[str, ...] = ()
    if lab_file is not None:
        if not lab_file.is_file():
            raise errors.LabError(
                f"scenario file {path}: spec.lab: no lab file {lab_file}",
                fix="name a lab file relative to the scenario file",
            )
        lab = lab_load.load(lab_file, name="scenario")
        hosts = tuple(host.name for host in lab.hosts)
    try:
        return decode.decode(document, file=path, lab_hosts=hosts)
    except errors.LabError as err:
        raise errors.LabError(f"{path.name}: {err.problem}", fix=err.fix) from err
