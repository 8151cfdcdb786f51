"""The newc writer: GNU cpio reads back every member, type, mode and content, root-owned."""

from __future__ import annotations

import io
import stat
import subprocess
from pathlib import Path

from lab.images import cpio


def test_gnu_cpio_lists_files_links_dirs_and_the_console_device(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "hello").write_text("hi\n")
    (tree / "init").write_text("#!/bin/sh\n")
    (tree / "init").chmod(0o755)
    (tree / "bin").symlink_to("usr/bin")
    out = io.BytesIO()
    cpio.write(out, [*cpio.from_tree(tree), cpio.char_device("dev/console", 5, 1)])
    data = out.getvalue()
    assert len(data) % 512 == 0
    listing = subprocess.run(
        ["cpio", "-itv", "--quiet"], input=data, capture_output=True, check=True
    ).stdout.decode()
    lines = {
        line.split()[-1] if "->" not in line else line.split()[-3]: line
        for line in listing.splitlines()
    }
    assert set(lines) == {"bin", "etc", "etc/hello", "init", "dev/console"}
    assert lines["init"].startswith("-rwxr-xr-x") and " root " in lines["init"]
    assert lines["bin"].startswith("l") and lines["bin"].endswith("-> usr/bin")
    assert lines["dev/console"].startswith("crw-------")
    extracted = tmp_path / "out"
    extracted.mkdir()
    subprocess.run(
        ["cpio", "-id", "--quiet", "etc/hello", "init"], input=data, cwd=extracted, check=True
    )
    assert (extracted / "etc" / "hello").read_text() == "hi\n"
    assert stat.S_IMODE((extracted / "init").stat().st_mode) == 0o755


def test_an_empty_archive_is_just_the_trailer() -> None:
    out = io.BytesIO()
    cpio.write(out, [])
    listing = subprocess.run(
        ["cpio", "-it", "--quiet"], input=out.getvalue(), capture_output=True, check=True
    )
    assert listing.stdout == b""
    assert len(out.getvalue()) == 512
