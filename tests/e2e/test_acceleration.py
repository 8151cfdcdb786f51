"""The acceleration probe boots a real guest: it sees one that boots and one that cannot in time.

Under TCG the host's kernel reaches its panic (no root disk) in a few seconds, which the probe
must count as booted; with a timeout far below a boot it must report failure, as it does for a
KVM guest that hangs while decompressing (the case on the project's machines).
"""

from __future__ import annotations

from lab.hardware import accel


def test_the_probe_sees_a_guest_that_boots() -> None:
    kernel = accel.guest_kernel()
    assert kernel is not None
    works, why = accel.probe(kernel, accelerator="tcg", timeout=60)
    assert works, why


def test_the_probe_reports_a_guest_that_does_not_boot_in_time() -> None:
    kernel = accel.guest_kernel()
    assert kernel is not None
    works, why = accel.probe(kernel, accelerator="tcg", timeout=0.3)
    assert not works
    assert "did not boot within" in why
