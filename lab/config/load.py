"""Read a lab file (or the built-in default lab) into a validated ``model.Lab``.

The one entry point for ``metallab up``, the tests and the benchmarks: ``load(path, name=…,
hosts=…)``, which is ``read`` then ``build``; ``up`` records the parsed document so
``status`` can rebuild the same lab later. Without a file, the lab is the built-in default
(two hosts, Redfish BMCs).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hostkit import errors
from lab.config import decode, model, validate


def read(path: Path | None) -> object:
    """The parsed lab file, or the built-in default document when ``path`` is None."""
    if path is None:
        return {"apiVersion": model.API_VERSION, "kind": model.KIND}
    try:
        return yaml.safe_load(path.read_text())
    except OSError as err:
        raise errors.LabError(
            f"cannot read lab file {path}: {err.strerror}", fix="check the path given to -c"
        ) from err
    except yaml.YAMLError as err:
        raise errors.LabError(
            f"lab file {path} is not valid YAML: {err}", fix="fix the YAML syntax"
        ) from err


def build(document: object, *, name: str, hosts: int | None = None) -> model.Lab:
    if hosts is not None and hosts < 0:
        raise errors.LabError(f"--hosts {hosts} is negative", fix="ask for 0 or more hosts")
    return validate.validate(decode.decode(document, name=name, hosts=hosts))


def load(path: Path | None, *, name: str, hosts: int | None = None) -> model.Lab:
    return build(read(path), name=name, hosts=hosts)
