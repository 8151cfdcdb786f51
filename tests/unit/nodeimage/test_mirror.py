"""The Debian mirror comes from apt's configuration, in either of its formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostkit import errors
from lab.images.node import mirror


def _apt(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_deb822_sources_skip_the_security_archive(tmp_path: Path) -> None:
    apt = _apt(
        tmp_path,
        {
            "sources.list.d/debian.sources": "Types: deb\n"
            "URIs: http://mirror.example.invalid/debian-security\nSuites: bookworm-security\n\n"
            "Types: deb-src\nURIs: http://src.example.invalid/debian\n\n"
            "Types: deb\nURIs: http://mirror.example.invalid/debian/\nSuites: bookworm\n",
        },
    )
    assert mirror.debian_mirror(apt) == "http://mirror.example.invalid/debian"


def test_one_line_format_with_options(tmp_path: Path) -> None:
    apt = _apt(
        tmp_path,
        {
            "sources.list": "# deb http://commented.invalid/debian bookworm main\n"
            "deb [arch=amd64 signed-by=/k.gpg] http://one.example.invalid/debian bookworm main\n"
        },
    )
    assert mirror.debian_mirror(apt) == "http://one.example.invalid/debian"


def test_disabled_stanza_is_ignored(tmp_path: Path) -> None:
    apt = _apt(
        tmp_path,
        {
            "sources.list.d/a.sources": "Types: deb\nURIs: http://off.invalid/debian\n"
            "Enabled: no\n\nTypes: deb\nURIs: http://on.invalid/debian\n"
        },
    )
    assert mirror.debian_mirror(apt) == "http://on.invalid/debian"


def test_no_mirror_is_one_error_saying_what_to_configure(tmp_path: Path) -> None:
    apt = _apt(tmp_path, {"sources.list": "# nothing\n"})
    with pytest.raises(errors.LabError, match=r"no Debian archive found .* configure apt"):
        mirror.debian_mirror(apt)


def test_this_machine_has_one() -> None:
    assert mirror.debian_mirror().startswith(("http://", "https://", "file:/"))
