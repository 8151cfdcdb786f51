"""The Go module is the single source of the Kubernetes version and of the cache key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lab.mgmt import binaries


def test_version_comes_from_go_mod() -> None:
    version = binaries.kubernetes_version()
    assert re.fullmatch(r"v1\.(\d+)\.\d+", version)
    assert int(version.split(".")[1]) >= 33


def test_every_staging_module_is_replaced_at_the_matching_version() -> None:
    minor_patch = binaries.kubernetes_version().removeprefix("v1.")
    go_mod = (binaries.MODULE_DIR / "go.mod").read_text()
    replaced = re.findall(r"^\t(k8s\.io/\S+) => (\S+) (\S+)$", go_mod, re.MULTILINE)
    assert len(replaced) >= 25
    for module, target, version in replaced:
        assert target == module
        assert version == f"v0.{minor_patch}"


def test_cached_finds_nothing_in_an_empty_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("METALLAB_CACHE", str(tmp_path))
    assert binaries.cached() is None


def test_cached_binaries_are_found_without_building(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("METALLAB_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")  # ensure() must not even look for go
    key = binaries._digest(binaries._ldflags(binaries.kubernetes_version()))
    directory = tmp_path / "k8s" / f"{binaries.kubernetes_version()}-{key}"
    directory.mkdir(parents=True)
    (directory / ".complete").write_text("")
    assert binaries.ensure().directory == directory
