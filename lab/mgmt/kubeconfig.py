"""Kubeconfig files for the embedded cluster: self-contained, certificates inlined.

Called by the embedded provider; the admin kubeconfig it writes is what ``metallab kubectl``,
the controller and the tests use.
"""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from hostkit import files
from lab.mgmt import pki as pki_mod


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write(path: Path, *, server: str, ca: Path, client: pki_mod.Pair, name: str) -> Path:
    """Write a kubeconfig for ``client`` talking to ``server``; returns ``path``."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": name, "cluster": {"server": server, "certificate-authority-data": _b64(ca)}}
        ],
        "users": [
            {
                "name": name,
                "user": {
                    "client-certificate-data": _b64(client.cert),
                    "client-key-data": _b64(client.key),
                },
            }
        ],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }
    files.write_private(path, yaml.safe_dump(config, sort_keys=False))
    return path
