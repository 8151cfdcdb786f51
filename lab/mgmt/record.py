"""What a lab remembers about its management cluster, in ``<lab>/mgmt/cluster.json``.

Written by ``up``, read by ``down``, ``status`` and ``kubeconfig`` so they act on the provider
and ports the cluster was created with; deleted by ``down --wipe``. A file that cannot be read
as a record raises ``Unreadable``, which ``down --wipe`` accepts so the fix it names works.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from hostkit import errors


@dataclass(frozen=True)
class Record:
    provider: str
    kubeconfig: str
    ports: dict[str, int] = field(default_factory=dict)


class Unreadable(errors.LabError):
    """``cluster.json`` exists but holds no record; only ``down --wipe`` goes on without it."""


def directory(lab: Path) -> Path:
    return lab / "mgmt"


def _path(lab: Path) -> Path:
    return directory(lab) / "cluster.json"


def _unreadable(lab: Path, problem: str) -> Unreadable:
    return Unreadable(
        f"{_path(lab)} {problem}",
        fix="restore it, or erase the lab's management cluster with `metallab mgmt down --wipe`",
    )


def load(lab: Path) -> Record | None:
    try:
        raw = json.loads(_path(lab).read_text())
    except FileNotFoundError:
        return None
    except ValueError as err:
        raise _unreadable(lab, f"is not valid JSON ({err})") from err
    if not isinstance(raw, dict):
        raise _unreadable(lab, f"holds a {type(raw).__name__}, not an object")
    unknown = sorted(set(raw) - {f.name for f in fields(Record)})
    if unknown:
        raise _unreadable(lab, f"has unknown keys {', '.join(unknown)}")
    missing = [name for name in ("provider", "kubeconfig") if name not in raw]
    if missing:
        raise _unreadable(lab, f"lacks {', '.join(missing)}")
    rec = Record(**raw)
    ports = rec.ports
    if (
        not isinstance(rec.provider, str)
        or not isinstance(rec.kubeconfig, str)
        or not isinstance(ports, dict)
        or not all(isinstance(p, int) for p in ports.values())
    ):
        raise _unreadable(lab, "has values of the wrong type")
    return rec


def save(lab: Path, record: Record) -> None:
    directory(lab).mkdir(parents=True, exist_ok=True)
    tmp = _path(lab).with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=2))
    tmp.replace(_path(lab))


def forget(lab: Path) -> None:
    _path(lab).unlink(missing_ok=True)
