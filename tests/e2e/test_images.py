"""The lab's boot images, built for real from Debian packages and booted under QEMU (TCG).

The images come from the ``images`` fixture (``tests/e2e/agentimages.py``: a small agent of
the tests' own that prints a line once its stdlib imports work and the conductor URL of its
``boot.json``). The agent ramdisk must get there by direct kernel boot and from a per-host ISO
(the base ``agent.iso`` with its placeholder replaced by pycdlib, as the conductor does) under
SeaBIOS and OVMF; the test OS, written to a disk with a config drive appended, must print that
drive's user_data under SeaBIOS and OVMF. Every boot has no network (``-nic none``); run these
tests under the machine's VM lock like every e2e test.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pycdlib
import pytest

from lab.images import agent, build, testos, trial
from tests.e2e import agentimages, configdrive

CONDUCTOR = "https://10.9.8.2:8443"


def test_a_second_build_with_nothing_changed_is_a_no_op(
    images: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # <cache>/images/testos-<digest>: the cache the images fixture built in.
    monkeypatch.setenv("METALLAB_CACHE", str(images[testos.NAME].parent.parent))
    again = build.build(testos.NAME)
    assert again.built is False and again.directory == images[testos.NAME]


def _per_host_iso(base: Path, config: Path, out: Path) -> Path:
    """``base`` with ``/boot-config.cpio`` replaced, the way the conductor does it (pycdlib)."""
    iso = pycdlib.PyCdlib()
    iso.open(str(base))
    try:
        name = next(
            child.file_identifier().decode()
            for child in iso.list_children(iso_path="/")
            if child.file_identifier().decode().lower().startswith("boot") and child.is_file()
        )
        iso.rm_file(iso_path=f"/{name}", joliet_path="/boot-config.cpio")
        data = config.read_bytes()
        iso.add_fp(
            io.BytesIO(data),
            len(data),
            "/BOOT_CON.CPI;1",
            rr_name="boot-config.cpio",
            joliet_path="/boot-config.cpio",
        )
        iso.write(str(out))
    finally:
        iso.close()
    return out


def test_the_agent_ramdisk_boots_to_the_agent_by_direct_kernel_boot(
    images: dict[str, Path], tmp_path: Path
) -> None:
    built = images[agent.NAME]
    config = agentimages.boot_config(tmp_path / "boot-config.cpio", CONDUCTOR)
    media = trial.Media(kernel=built / "vmlinuz", initrds=[built / "initrd.img", config])
    result = trial.boot(media, until=agentimages.conductor_line(CONDUCTOR), timeout=300)
    assert agent.STARTING in result.console
    assert result.console.index(agent.STARTING) < result.console.index(agentimages.AGENT_LINE)


@pytest.mark.parametrize("firmware", list(trial.Firmware))
def test_a_per_host_agent_iso_boots_to_the_agent_with_its_boot_config(
    images: dict[str, Path], firmware: trial.Firmware, tmp_path: Path
) -> None:
    config = agentimages.boot_config(tmp_path / "boot-config.cpio", CONDUCTOR)
    iso = _per_host_iso(images[agent.NAME] / "agent.iso", config, tmp_path / "host.iso")
    result = trial.boot(
        trial.Media(cd=iso),
        until=agentimages.conductor_line(CONDUCTOR),
        firmware=firmware,
        timeout=480,
    )
    assert agent.STARTING in result.console and agentimages.AGENT_LINE in result.console


@pytest.mark.parametrize("firmware", list(trial.Firmware))
def test_the_test_os_prints_the_user_data_of_its_config_drive(
    images: dict[str, Path], firmware: trial.Firmware, tmp_path: Path
) -> None:
    disk = tmp_path / "disk.img"
    shutil.copy(images[testos.NAME] / testos.IMAGE, disk)
    os.truncate(disk, 64 * 2**20)
    marker = f"e2e-marker-{firmware.value}"
    drive = configdrive.iso(
        tmp_path, user_data=f"#!/bin/sh\necho {marker}\n", meta_data={"uuid": "u-1"}
    )
    assert configdrive.append(disk, drive) == 3
    result = trial.boot(
        trial.Media(disk=disk),
        until=testos.READY,
        firmware=firmware,
        timeout=480,
        failures=("Kernel panic", testos.NO_CONFIG_DRIVE),
    )
    assert f"{testos.PREFIX} user_data echo {marker}" in result.console
    assert f'{testos.PREFIX} meta_data {{"uuid": "u-1"}}' in result.console
