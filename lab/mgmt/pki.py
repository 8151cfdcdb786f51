"""The embedded cluster's certificate authority and the credentials its control plane needs.

Called by the embedded provider on every start. The certificates are issued by ``hostkit.pki``
once and kept in the lab's state directory (reissued only if no longer signed by the CA or
near expiry), so kubeconfigs stay valid across ``down``/``up``; nothing here is trusted by the
host system.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hostkit import pki as lab_pki

_VALIDITY = datetime.timedelta(days=3650)

Pair = lab_pki.Pair


@dataclasses.dataclass(frozen=True)
class Pki:
    """Paths of every credential the embedded control plane uses."""

    ca: Pair
    apiserver: Pair
    admin: Pair
    controller_manager: Pair
    service_account: Pair  # ``cert`` holds the public key, ``key`` the private key


def layout(directory: Path) -> Pki:
    """Where each credential lives under ``directory``; creates nothing (for readers)."""

    def pair(name: str) -> Pair:
        return Pair(directory / f"{name}.crt", directory / f"{name}.key")

    return Pki(
        ca=lab_pki.ca_in(directory),
        apiserver=pair("apiserver"),
        admin=pair("admin"),
        controller_manager=pair("controller-manager"),
        service_account=Pair(directory / "sa.pub", directory / "sa.key"),
    )


def ensure(directory: Path) -> Pki:
    """Create whatever credential under ``directory`` is missing; keep what exists."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    pki = layout(directory)
    lab_pki.ensure_ca(pki.ca)
    lab_pki.issue(
        pki.ca,
        pki.apiserver,
        common_name="kube-apiserver",
        usage=lab_pki.Usage.SERVER,
        dns_names=("kubernetes", "kubernetes.default.svc"),
        validity=_VALIDITY,
    )
    lab_pki.issue(
        pki.ca,
        pki.admin,
        common_name="metallab-admin",
        organization="system:masters",
        usage=lab_pki.Usage.CLIENT,
        validity=_VALIDITY,
    )
    lab_pki.issue(
        pki.ca,
        pki.controller_manager,
        common_name="system:kube-controller-manager",
        usage=lab_pki.Usage.CLIENT,
        validity=_VALIDITY,
    )
    if not pki.service_account.key.exists():
        sa_key = ec.generate_private_key(ec.SECP256R1())
        lab_pki.write_key(pki.service_account.key, sa_key)
        pki.service_account.cert.write_bytes(
            sa_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return pki
