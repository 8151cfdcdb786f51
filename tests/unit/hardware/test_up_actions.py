"""``metallab up`` as ordered actions: the order, one progress line each, and what a failure
tears down (a lab this ``up`` created, unless retained; never a lab that was already up).
The actions are faked here; tests/e2e runs the real ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostkit import errors
from lab import up as lifecycle
from lab.hardware import layout


def test_the_full_order_puts_the_cluster_before_the_hardware_and_the_inventory_last() -> None:
    titles = [a.title for a in lifecycle.actions(lifecycle.Options())]
    assert titles[:4] == [
        "Checking the lab file",
        "Choosing VM acceleration",
        "Starting the management cluster",
        "Installing the Metal3 CRDs",
    ]
    assert titles[-4:] == [
        "Starting BMCs",
        "Building the boot images (a no-op when cached)",
        "Starting the controller and the image server",
        "Writing the inventory",
    ]
    hardware = [a.title for a in lifecycle.actions(lifecycle.Options(hardware_only=True))]
    assert "Starting the management cluster" not in hardware
    assert hardware[-1] == "Writing the inventory"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Replace the actions with two that succeed and one that fails; record downs."""
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))
    calls: list[str] = []

    def ok(_ctx: lifecycle.Context) -> None:
        calls.append("ok")

    def broken(_ctx: lifecycle.Context) -> None:
        raise errors.LabError("the disk is on fire", fix="call the fire brigade")

    monkeypatch.setattr(
        lifecycle,
        "actions",
        lambda _options: [
            lifecycle.Action("First", ok),
            lifecycle.Action("Second", ok),
            lifecycle.Action("Third", broken),
        ],
    )
    monkeypatch.setattr(lifecycle, "down", lambda name, progress: calls.append(f"down {name}"))
    return calls


def test_a_failure_prints_a_cross_and_tears_down_a_new_lab(fake: list[str]) -> None:
    lines: list[str] = []
    with pytest.raises(errors.LabError, match="on fire"):
        lifecycle.up(lifecycle.Options(name="new"), progress=lines.append)
    assert fake == ["ok", "ok", "down new"]
    assert lines[0].startswith("✓ First (") and lines[1].startswith("✓ Second (")
    assert lines[2].startswith("✗ Third (")


def test_retain_keeps_what_was_made(fake: list[str]) -> None:
    with pytest.raises(errors.LabError):
        lifecycle.up(lifecycle.Options(name="kept", retain=True), progress=lambda _l: None)
    assert fake == ["ok", "ok"]


def test_a_lab_that_was_already_up_is_not_torn_down(fake: list[str], tmp_path: Path) -> None:
    state = tmp_path / "labs" / "old"
    state.mkdir(parents=True)
    (state / "lab.json").write_text("{}")
    with pytest.raises(errors.LabError):
        lifecycle.up(lifecycle.Options(name="old"), progress=lambda _l: None)
    assert fake == ["ok", "ok"]


def test_a_failing_teardown_is_reported_and_the_original_error_raised(
    fake: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck(name: str, progress: object) -> None:
        raise errors.LabError("libvirtd is wedged", fix="kill it")

    monkeypatch.setattr(lifecycle, "down", stuck)
    lines: list[str] = []
    with pytest.raises(errors.LabError, match="on fire") as caught:
        lifecycle.up(lifecycle.Options(name="new"), progress=lines.append)
    assert "wedged" not in str(caught.value)
    assert any("teardown failed too: libvirtd is wedged" in line for line in lines), lines
    assert any("metallab down --name new" in line for line in lines)


def test_the_lab_ca_is_the_management_clusters_ca(tmp_path: Path) -> None:
    from lab.mgmt import embedded, pki

    ca = lifecycle.lab_ca(tmp_path)
    assert ca.cert.read_bytes() == lifecycle.lab_ca(tmp_path).cert.read_bytes()  # kept
    cluster = pki.ensure(embedded.Layout(tmp_path).pki)
    assert cluster.ca == ca
    assert cluster.ca.cert.read_bytes() == ca.cert.read_bytes()  # the cluster kept it too


def test_an_interrupted_action_says_it_was_interrupted(
    fake: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(_ctx: lifecycle.Context) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(
        lifecycle, "actions", lambda _options: [lifecycle.Action("Defining hosts", interrupted)]
    )
    lines: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        lifecycle.up(lifecycle.Options(name="new"), progress=lines.append)
    assert lines[0].startswith("✗ Defining hosts (interrupted after ")


def test_a_plain_up_of_a_known_lab_reuses_its_lab_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("METALLAB_HOME", str(tmp_path))
    lab_file = tmp_path / "lab.yaml"
    lab_file.write_text("apiVersion: metallab.dev/v1alpha1\nkind: Lab\nspec: {hosts: 3}\n")
    seen: list[tuple[int, object]] = []

    def record(ctx: lifecycle.Context) -> None:
        seen.append((len(ctx.lab.hosts), ctx.source["document"]))
        layout.source(ctx.state).parent.mkdir(parents=True, exist_ok=True)
        layout.source(ctx.state).write_text(json.dumps(ctx.source))

    monkeypatch.setattr(lifecycle, "actions", lambda _options: [lifecycle.Action("Rec", record)])
    lifecycle.up(lifecycle.Options(name="known", config=lab_file), progress=lambda _l: None)
    lab_file.unlink()  # `up` without -c must not need the file any more
    lifecycle.up(lifecycle.Options(name="known"), progress=lambda _l: None)
    assert seen[0] == seen[1] and seen[1][0] == 3
    lifecycle.up(lifecycle.Options(name="other"), progress=lambda _l: None)
    assert seen[2][0] == 2  # an unknown lab is still the built-in one
