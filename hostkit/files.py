"""Files that hold secrets (BMC passwords, client keys): written atomically, owner-only.

Called by the lab (credentials, inventory, kubeconfigs) and the virtual BMCs (their configs
and fault files). The file is created with mode 0600 before any byte is written and renamed
into place, so no reader ever sees it partial or readable by others.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data.encode() if isinstance(data, str) else data)
    tmp.replace(path)
