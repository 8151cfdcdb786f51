"""``metallab mgmt up`` refuses a flag its provider would ignore, before touching anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.cli import main

OWNER = {"--kubeconfig": "existing", "--port": "embedded"}


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("provider", "flag", "extra"),
    [
        ("embedded", "--kubeconfig", []),
        ("kind", "--kubeconfig", []),
        ("kind", "--port", []),
        ("existing", "--port", ["--kubeconfig", "/tmp/k"]),
    ],
)
def test_flag_of_another_provider_is_refused(
    home: Path,
    capsys: pytest.CaptureFixture[str],
    provider: str,
    flag: str,
    extra: list[str],
) -> None:
    value = "/tmp/k" if flag == "--kubeconfig" else "6443"
    argv = ["mgmt", "up", "--name", "flags", "--provider", provider, flag, value, *extra]
    owner = OWNER[flag]
    assert main.main(argv) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"metallab: error: {flag} does not apply to --provider {provider} — "
        f"drop {flag}; it is only for --provider {owner}"
    ]
    assert not (home / "labs").exists(), "nothing is created"
