"""The controller's ``direct`` backend checks Redfish BMC certificates against ``--bmc-ca-file``.

Against the lab's real Redfish emulator (TLS from the lab CA): registration succeeds with the
lab CA given, fails on the certificate without it (the system's CAs do not know the lab), and
a host's ``disableCertificateVerification`` still skips the check.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from controller.api import types
from controller.bmc import access, credentials
from controller.provisioner import base, direct
from tests.integration.vbmc.conftest import Bmcs


def _register(bmcs: Bmcs, *, ca_file: Path | None, verify: bool) -> base.Result:
    rf = bmcs.redfish[0]
    host = base.HostData(
        key="ns/rf0",
        uid="uid-rf0",
        address=access.parse(
            f"redfish+https://127.0.0.1:{rf.port}/redfish/v1/Systems/{bmcs.uuids['rf0']}"
        ),
        credentials=credentials.Credentials(rf.username, rf.password),
        boot_mac="",
        boot_mode=types.BootMode.UEFI,
        verify_certificates=verify,
        provisioning_id="",
    )
    backend = direct.DirectBackend(timeout=30, ca_file=ca_file)
    provisioner = backend.build(host)
    return asyncio.run(provisioner.register(base.RegisterRequest(credentials_version="1")))


def test_the_lab_ca_makes_the_emulators_certificate_trusted(bmcs: Bmcs) -> None:
    result = _register(bmcs, ca_file=bmcs.ca.cert, verify=True)
    assert result.status is base.Status.DONE, result


def test_without_the_lab_ca_the_certificate_is_refused(bmcs: Bmcs) -> None:
    result = _register(bmcs, ca_file=None, verify=True)
    assert result.status is base.Status.FAILED, result


def test_disabled_verification_still_skips_the_check(bmcs: Bmcs) -> None:
    result = _register(bmcs, ca_file=bmcs.ca.cert, verify=False)
    assert result.status is base.Status.DONE, result
