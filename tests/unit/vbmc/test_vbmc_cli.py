"""``metallab bmc list`` and ``metallab bmc fault`` on a lab whose BMCs are recorded but not
running (the processes are covered by the integration tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostkit import files
from lab import paths
from lab.cli import main
from vbmc import faults, layout, spec, supervisor


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))
    state = paths.lab_dir("bmctest")
    desired = supervisor.Desired(
        specs=(
            spec.BmcSpec(
                "node-0", spec.BmcKind.IPMI, 6230, "admin", "pw0", "test:///default", "d0"
            ),
            spec.BmcSpec(
                "node-1", spec.BmcKind.REDFISH, 8443, "admin", "pw1", "test:///default", "d1"
            ),
        ),
        uuids={"node-1": "u-1"},
        ca=None,
    )
    files.write_private(layout.desired(state), desired.to_json())
    return state


def test_fault_then_clear(lab: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["bmc", "fault", "--name", "bmctest", "node-0", "slow=3"]) == 0
    assert faults.get_fault(lab, "node-0") == faults.Fault(faults.FaultKind.SLOW, 3.0)
    assert main.main(["bmc", "fault", "--name", "bmctest", "node-0", "clear"]) == 0
    assert faults.get_fault(lab, "node-0") is None
    assert "node-0: no fault" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["node-9", "error"], "no BMC for host 'node-9' — use one of: node-0, node-1"),
        (["node-0", "slow=abc"], "bad delay"),
        (["node-0", "explode"], "unknown BMC fault"),
    ],
)
def test_bad_requests_are_explained(
    lab: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main.main(["bmc", "fault", "--name", "bmctest", *argv]) == 1
    assert message in capsys.readouterr().err


def test_list_shows_addresses_state_and_faults(
    lab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults.set_fault(lab, "node-1", faults.Fault(faults.FaultKind.ERROR))
    assert main.main(["bmc", "list", "--name", "bmctest"]) == 0
    out = capsys.readouterr().out
    assert "ipmi://127.0.0.1:6230" in out
    assert "redfish+https://127.0.0.1:8443/redfish/v1/Systems/u-1" in out
    assert "stopped" in out and "error" in out
    assert "pw0" not in out and "pw1" not in out
    assert main.main(["bmc", "list", "--name", "bmctest", "-o", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["host"] for r in rows] == ["node-0", "node-1"]
    assert rows[1]["fault"] == "error"
