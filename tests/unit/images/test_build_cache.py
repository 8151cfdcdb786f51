"""Building an image: a cached digest makes it a no-op, a missing agent a clear error.

The plans resolve real package versions from the machine's apt lists (offline).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostkit import errors
from lab.images import build, cache, debs


@pytest.fixture
def agent_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("METALLAB_CACHE", str(tmp_path / "cache"))
    package = tmp_path / "agent"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text("print('agent')\n")
    return package


def test_a_second_build_with_nothing_changed_does_nothing(
    agent_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = build.make_plan("agent", agent_dir=agent_dir).digest()
    cache.directory("agent", digest).mkdir(parents=True)

    def no_download(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a cached build downloaded packages")

    monkeypatch.setattr(debs, "fetch", no_download)
    lines: list[str] = []
    result = build.build("agent", agent_dir=agent_dir, progress=lines.append)
    assert result.built is False and result.directory == cache.directory("agent", digest)
    assert lines == [f"✓ agent image is up to date ({result.directory})"]


def test_changing_the_agent_or_the_builder_changes_the_digest(agent_dir: Path) -> None:
    before = build.make_plan("agent", agent_dir=agent_dir)
    (agent_dir / "__main__.py").write_text("print('changed')\n")
    after = build.make_plan("agent", agent_dir=agent_dir)
    assert after.digest() != before.digest()
    labels = [label for label, _ in after.files]
    assert "lab/images/agent.py" in labels and "agent/__main__.py" in labels
    assert any(p.name.startswith("linux-image-") for p in after.packages)


def test_the_agent_ramdisk_needs_the_agent_package(agent_dir: Path) -> None:
    (agent_dir / "__main__.py").unlink()
    with pytest.raises(errors.LabError, match=r"__main__\.py is missing.*--agent-dir"):
        build.build("agent", agent_dir=agent_dir)


def test_the_current_build_is_an_error_until_one_exists(agent_dir: Path) -> None:
    with pytest.raises(errors.LabError, match="metallab image build testos"):
        cache.current("testos")
