"""What a lab remembers about its management cluster, in ``<lab>/mgmt/cluster.json``.

Written by ``up``, read by ``down``, ``status`` and ``kubeconfig`` so they act on the provider
and ports the cluster was created with; deleted by ``down --wipe``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab import errors


@dataclass(frozen=True)
class Record:
    provider: str
    kubeconfig: str
    ports: dict[str, int] = field(default_factory=dict)


def directory(lab: Path) -> Path:
    return lab / "mgmt"


def _path(lab: Path) -> Path:
    return directory(lab) / "cluster.json"


def load(lab: Path) -> Record | None:
    try:
        raw = json.loads(_path(lab).read_text())
    except FileNotFoundError:
        return None
    except ValueError as err:
        raise errors.LabError(
            f"{_path(lab)} is not valid JSON ({err})",
            fix="restore it, or remove the lab's state with `metallab mgmt down --wipe`",
        ) from err
    return Record(**raw)


def save(lab: Path, record: Record) -> None:
    directory(lab).mkdir(parents=True, exist_ok=True)
    tmp = _path(lab).with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=2))
    tmp.replace(_path(lab))


def forget(lab: Path) -> None:
    _path(lab).unlink(missing_ok=True)
