"""An OpenStack config drive: the ISO9660 volume labelled ``config-2`` that cloud-init's
ConfigDrive data source reads (``openstack/latest/meta_data.json`` and ``user_data``), the
format Metal3/Ironic write for a host. Called by the node image's e2e tests and benchmark.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hostkit import runner

LABEL = "config-2"


def write(iso: Path, meta_data: Mapping[str, object], user_data: str) -> Path:
    """Write the drive for one host to ``iso``; ``meta_data`` needs at least ``uuid``."""
    genisoimage = runner.require("genisoimage", package="genisoimage")
    tree = Path(tempfile.mkdtemp(prefix="config-drive-", dir=iso.parent))
    try:
        latest = tree / "openstack" / "latest"
        latest.mkdir(parents=True)
        (latest / "meta_data.json").write_text(json.dumps(dict(meta_data), indent=2))
        (latest / "user_data").write_text(user_data)
        runner.run(
            [genisoimage, "-quiet", "-V", LABEL, "-J", "-R", "-o", str(iso), str(tree)],
            timeout=60,
        )
    finally:
        shutil.rmtree(tree)
    return iso
