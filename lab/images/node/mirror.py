"""The Debian mirror the build machine already uses, read from its apt configuration.

The repository never names a package registry: ``debootstrap`` gets the first plain Debian
archive URI (not the security archive) from ``/etc/apt/sources.list.d/*.sources`` (deb822)
or ``*.list`` / ``sources.list`` (one-line format). Called by ``lab.images.node.rootfs``.
"""

from __future__ import annotations

import re
from pathlib import Path

from hostkit import errors

APT_DIR = Path("/etc/apt")


def _deb822_uris(text: str) -> list[str]:
    uris: list[str] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            key, _, value = line.partition(":")
            if not line.startswith(("#", " ", "\t")) and value.strip():
                fields[key.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
            uris += fields.get("uris", "").split()
    return uris


def _one_line_uris(text: str) -> list[str]:
    found = re.findall(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.MULTILINE)
    return list(found)


def debian_mirror(apt_dir: Path = APT_DIR) -> str:
    """The first Debian archive URI in apt's sources, or an error saying where to add one."""
    uris: list[str] = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        uris += _deb822_uris(path.read_text())
    lists = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in lists:
        if path.is_file():
            uris += _one_line_uris(path.read_text())
    for uri in uris:
        if uri.startswith(("http://", "https://", "file:/")) and "security" not in uri:
            return uri.rstrip("/")
    raise errors.LabError(
        f"no Debian archive found in {apt_dir}/sources.list or {apt_dir}/sources.list.d/",
        fix="configure apt with a Debian mirror (the one 'apt-get update' uses) and re-run",
    )
