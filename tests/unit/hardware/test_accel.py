"""Choosing the acceleration: ``tcg`` never probes, ``auto`` falls back to TCG when the KVM
probe fails, ``kvm`` asked for explicitly fails naming why, and a probe result is cached per
kernel release. The probe itself (a real guest boot) is replaced here; tests/e2e boots one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostkit import errors
from lab.config import model
from lab.hardware import accel


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[bool, str]]:
    """Each ``probe`` call pops its answer from the front of the returned list."""
    monkeypatch.setenv("METALLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(accel, "guest_kernel", lambda: tmp_path / "vmlinuz")
    answers: list[tuple[bool, str]] = []

    def probe(kernel: Path, **_kwargs: object) -> tuple[bool, str]:
        assert kernel == tmp_path / "vmlinuz"
        return answers.pop(0)

    monkeypatch.setattr(accel, "probe", probe)
    return answers


def test_tcg_is_taken_as_asked_without_a_probe(probes: list[tuple[bool, str]]) -> None:
    assert accel.resolve(model.Acceleration.TCG) is model.Acceleration.TCG


def test_auto_falls_back_to_tcg_when_kvm_guests_hang(probes: list[tuple[bool, str]]) -> None:
    probes.append((False, "a kvm guest did not boot within 20s"))
    assert accel.resolve(model.Acceleration.AUTO) is model.Acceleration.TCG


def test_auto_uses_kvm_when_a_kvm_guest_boots(probes: list[tuple[bool, str]]) -> None:
    probes.append((True, "a kvm guest booted"))
    assert accel.resolve(model.Acceleration.AUTO) is model.Acceleration.KVM


def test_kvm_asked_for_fails_clearly_when_the_probe_fails(
    probes: list[tuple[bool, str]],
) -> None:
    probes.append((False, "a kvm guest did not boot within 20s"))
    with pytest.raises(errors.LabError) as caught:
        accel.resolve(model.Acceleration.KVM)
    message = str(caught.value)
    assert "acceleration kvm was asked for but a kvm guest did not boot within 20s" in message
    assert "spec.acceleration: tcg" in message


def test_the_probe_runs_once_per_kernel_release(probes: list[tuple[bool, str]]) -> None:
    probes.append((False, "a kvm guest did not boot within 20s"))
    assert accel.resolve(model.Acceleration.AUTO) is model.Acceleration.TCG
    # No answer left: a second probe would fail the test with IndexError.
    assert accel.resolve(model.Acceleration.AUTO) is model.Acceleration.TCG
    with pytest.raises(errors.LabError, match="did not boot within 20s"):
        accel.resolve(model.Acceleration.KVM)
    assert not probes


def test_no_kernel_to_probe_with_means_tcg(
    probes: list[tuple[bool, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accel, "guest_kernel", lambda: None)
    assert accel.resolve(model.Acceleration.AUTO) is model.Acceleration.TCG
    with pytest.raises(errors.LabError, match="no readable kernel in /boot"):
        accel.resolve(model.Acceleration.KVM)


def test_a_missing_dev_kvm_fails_the_probe_without_running_qemu(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(os, "access", lambda _path, _mode: False)
    assert accel.probe(tmp_path / "vmlinuz") == (False, "/dev/kvm is missing or not accessible")
