"""The existing provider: adopt any cluster by kubeconfig, and never delete anything in it.

``up`` checks that the kubeconfig's server answers within a few seconds and records its path;
``down`` only forgets it; ``status`` asks it again (the kind provider's ``status`` too).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hostkit import errors
from lab.mgmt import provider, record

ANSWER_TIMEOUT = 10.0


def check_answers(kubeconfig: Path) -> str:
    """Return the server's version, or explain why the kubeconfig does not lead to a cluster."""
    from kubernetes import client, config

    from lab import kube

    if not kubeconfig.is_file():
        raise errors.LabError(
            f"kubeconfig {kubeconfig} does not exist", fix="pass --kubeconfig PATH"
        )
    try:
        api = kube.api_client(kubeconfig, retries=0)
    except (config.ConfigException, yaml.YAMLError, ValueError, KeyError) as err:
        raise errors.LabError(
            f"kubeconfig {kubeconfig} cannot be used: {err}",
            fix="check the file with `kubectl config view`",
        ) from err
    try:
        info = client.VersionApi(api).get_code(_request_timeout=ANSWER_TIMEOUT)
    except Exception as err:  # urllib3 and ApiException alike: the cluster did not answer
        raise errors.LabError(
            f"the cluster in {kubeconfig} ({api.configuration.host}) does not answer: "
            f"{getattr(err, 'reason', None) or err}".splitlines()[0][:300],
            fix="start that cluster or fix the kubeconfig, or use `--provider embedded`",
        ) from err
    finally:
        api.close()
    return str(info.git_version)


def up(lab: Path, options: provider.UpOptions) -> record.Record:
    kubeconfig = options.kubeconfig
    if kubeconfig is None:
        raise errors.LabError("--provider existing needs a cluster", fix="pass --kubeconfig PATH")
    check_answers(kubeconfig)
    rec = record.Record("existing", str(kubeconfig.resolve()))
    record.save(lab, rec)
    return rec


def down(lab: Path, *, wipe: bool) -> None:
    """Forget the cluster; nothing in it is ever deleted, ``wipe`` included."""
    record.forget(lab)


def status(lab: Path, rec: record.Record) -> dict[str, object]:
    try:
        version = check_answers(Path(rec.kubeconfig))
    except errors.LabError as err:
        return {"provider": rec.provider, "running": False, "ready": False, "error": str(err)}
    return {"provider": rec.provider, "running": True, "ready": True, "version": version}
