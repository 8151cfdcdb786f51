"""TLS material for the Redfish emulator: a server certificate issued by the lab's CA.

The supervisor calls ``server_cert`` before starting a Redfish emulator, handing it the lab CA's
certificate and key (``metallab up`` owns the CA); the certificate names 127.0.0.1 and localhost,
the only addresses the emulator listens on. ``create_ca`` makes a CA for tests and for callers
that have none. The mechanics live in ``hostkit.pki``; this module names the files and turns its
errors into ``VbmcError``.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from hostkit import errors as lab_errors
from hostkit import pki
from vbmc import errors

_VALIDITY = datetime.timedelta(days=365)

KeyPair = pki.Pair


def create_ca(directory: Path) -> KeyPair:
    """A self-signed CA in ``directory`` (ca.crt, ca.key), kept if it already exists."""
    return pki.ensure_ca(pki.ca_in(directory))


def server_cert(ca: KeyPair, directory: Path) -> KeyPair:
    """server.crt/server.key in ``directory`` for 127.0.0.1 and localhost, signed by ``ca``.

    Reuses an existing certificate while it is signed by this CA and not about to expire.
    """
    try:
        return pki.issue(
            ca,
            KeyPair(directory / "server.crt", directory / "server.key"),
            common_name="metallab redfish",
            usage=pki.Usage.SERVER,
            validity=_VALIDITY,
        )
    except lab_errors.LabError as err:
        raise errors.VbmcError(err.problem, fix=err.fix) from err
