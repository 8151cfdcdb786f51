"""The kind provider: a kind cluster, for machines where a Docker engine answers.

Chosen explicitly with ``--provider kind``; there is no silent fallback in either direction.
Without a Docker engine it fails at once, naming what is missing and the embedded provider.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hostkit import errors, runner
from lab.mgmt import existing, provider, record

NO_DOCKER_FIX = (
    "start a Docker engine, or use the default provider that needs none: "
    "`metallab mgmt up --provider embedded`"
)


def _cluster_name(lab: Path) -> str:
    return f"metallab-{lab.name}"


def _check_docker() -> None:
    if shutil.which("docker") is None:
        raise errors.LabError(
            "--provider kind needs Docker, and docker is not installed", fix=NO_DOCKER_FIX
        )
    try:
        runner.run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=10)
    except runner.CommandError as err:
        raise errors.LabError(
            "--provider kind needs a Docker engine, and none answers (`docker info` failed)",
            fix=NO_DOCKER_FIX,
        ) from err


def up(lab: Path, options: provider.UpOptions) -> record.Record:
    _check_docker()
    kind = runner.require("kind", package="kind (go install sigs.k8s.io/kind@latest)")
    kubeconfig = lab / "kubeconfig"
    existing = runner.run([kind, "get", "clusters"]).stdout.split()
    if _cluster_name(lab) not in existing:
        runner.run(
            [
                kind,
                "create",
                "cluster",
                "--name",
                _cluster_name(lab),
                "--kubeconfig",
                str(kubeconfig),
            ],
            timeout=900,
        )
    else:
        kubeconfig.write_text(
            runner.run([kind, "get", "kubeconfig", "--name", _cluster_name(lab)]).stdout
        )
    rec = record.Record("kind", str(kubeconfig))
    record.save(lab, rec)
    return rec


def down(lab: Path, *, wipe: bool) -> None:
    """Delete the kind cluster and forget it: kind keeps no data across a stop, so ``wipe``
    has nothing more to erase."""
    _check_docker()
    kind = runner.require("kind", package="kind (go install sigs.k8s.io/kind@latest)")
    runner.run([kind, "delete", "cluster", "--name", _cluster_name(lab)], timeout=300)
    (lab / "kubeconfig").unlink(missing_ok=True)
    record.forget(lab)


def status(lab: Path, rec: record.Record) -> dict[str, object]:
    """Whether the kind cluster's API server answers, as for any existing cluster."""
    return existing.status(lab, rec)
