"""The boot images as the e2e tests build them: a small agent of their own, a private cache.

``built`` builds the agent ramdisk and the test OS into ``~/.cache/metallab/e2e`` (reusing the
machine's downloaded .debs; kept, so a later run finds them built) with an agent package whose
``__main__`` imports what an agent needs from the stdlib, prints ``AGENT_LINE``, then the
conductor URL it finds in ``/etc/metallab-agent/boot.json`` (``conductor_line``).
``boot_config`` writes a ``boot-config.cpio`` like the conductor's. Used through the
``images`` fixture of ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lab import paths
from lab.images import agent, build, cpio, debs, testos

AGENT_LINE = "metallab-e2e-agent: stdlib imported"
AGENT_MAIN = f"""import hashlib, http.client, json, socket, ssl, struct, subprocess, urllib.request
print({AGENT_LINE!r}, ssl.OPENSSL_VERSION, flush=True)
with open("/etc/metallab-agent/boot.json") as config:
    print("metallab-e2e-agent: conductor", json.load(config)["conductor_url"], flush=True)
"""


def conductor_line(url: str) -> str:
    return f"metallab-e2e-agent: conductor {url}"


def boot_config(path: Path, conductor_url: str) -> Path:
    """A ``boot-config.cpio`` as the conductor makes one: ``etc/metallab-agent/boot.json``."""
    document = {"conductor_url": conductor_url, "token": "t" * 43, "ca_pem": "PEM"}
    with path.open("wb") as out:
        cpio.write(
            out,
            [
                cpio.directory("etc"),
                cpio.directory("etc/metallab-agent"),
                cpio.Entry("etc/metallab-agent/boot.json", 0o100600, json.dumps(document).encode()),
            ],
        )
    return path


@contextlib.contextmanager
def built() -> Iterator[dict[str, Path]]:
    """Both images' directories, by name, built in the e2e cache (``<cache>/e2e``).

    ``METALLAB_CACHE`` points there only while building: a lab the tests bring up meanwhile
    builds the real agent into the normal cache, whose publishing drops older builds of the
    same name, so it must never share a cache with this small agent.
    """
    shared = debs.directory()
    previous = os.environ.get("METALLAB_CACHE")
    os.environ["METALLAB_CACHE"] = str(paths.cache() / "e2e")
    try:
        debs.directory().mkdir(parents=True, exist_ok=True)
        for deb in shared.glob("*.deb"):
            if not (debs.directory() / deb.name).exists():
                shutil.copy2(deb, debs.directory() / deb.name)
        with tempfile.TemporaryDirectory(prefix="mlagent-") as scratch:
            package = Path(scratch) / "agent"
            package.mkdir()
            (package / "__init__.py").write_text("")
            (package / "__main__.py").write_text(AGENT_MAIN)
            found = {
                agent.NAME: build.build(agent.NAME, agent_dir=package).directory,
                testos.NAME: build.build(testos.NAME).directory,
            }
    finally:
        if previous is None:
            os.environ.pop("METALLAB_CACHE", None)
        else:
            os.environ["METALLAB_CACHE"] = previous
    yield found
