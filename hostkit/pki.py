"""Issuing X.509 certificates for the lab: a CA made once, leaf certificates it signs.

Called by ``lab.mgmt.pki`` (the embedded cluster's CA, apiserver and client certificates) and
``vbmc.tls`` (the Redfish emulator's server certificate). A leaf certificate is kept while it is
signed by the given CA, matches its key and is not about to expire; otherwise it is reissued.
Private keys are written with mode 0600 from the start. Nothing here is trusted by the host.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import ipaddress
from collections import abc
from pathlib import Path

from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import oid

from hostkit import errors, files

CA_VALIDITY = datetime.timedelta(days=3650)
RENEW_BEFORE = datetime.timedelta(days=30)
_BACKDATE = datetime.timedelta(minutes=5)  # tolerate clocks slightly behind ours
CA_NAME = "metallab-ca"  # the lab CA's common name, whoever makes it first

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclasses.dataclass(frozen=True)
class Pair:
    """A PEM certificate (or public key) and its private key."""

    cert: Path
    key: Path


class Usage(enum.StrEnum):
    """What a leaf certificate authenticates: a TLS server or a TLS client."""

    SERVER = "server"
    CLIENT = "client"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def write_key(path: Path, key: SigningKey) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, atomically, readable by the owner only."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    files.write_private(path, pem)


def _name(common_name: str, organization: str | None) -> x509.Name:
    attrs = [x509.NameAttribute(oid.NameOID.COMMON_NAME, common_name)]
    if organization:
        attrs.append(x509.NameAttribute(oid.NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attrs)


def _builder(
    subject: x509.Name, issuer: x509.Name, key: SigningKey, validity: datetime.timedelta
) -> x509.CertificateBuilder:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + validity)
    )


def _save(pair: Pair, key: SigningKey, cert: x509.Certificate) -> Pair:
    # The key goes first: a crash in between leaves a certificate that no longer matches its
    # key, which ``_still_good`` rejects.
    write_key(pair.key, key)
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pair


def ca_in(directory: Path) -> Pair:
    """Where a CA kept in ``directory`` lives: ``ca.crt`` and ``ca.key``, for every lab CA."""
    return Pair(directory / "ca.crt", directory / "ca.key")


def ensure_ca(pair: Pair, *, common_name: str = CA_NAME) -> Pair:
    """A self-signed CA at ``pair``, created unless both its files already exist."""
    if pair.cert.exists() and pair.key.exists():
        return pair
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, None)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        _builder(name, name, key, CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return _save(pair, key, cert)


def _load_ca(ca: Pair) -> tuple[x509.Certificate, SigningKey]:
    try:
        cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
        key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise errors.LabError(
            f"cannot read the lab CA ({ca.cert}, {ca.key}): {err}",
            fix="pass a PEM CA certificate and its unencrypted private key",
        ) from err
    if not isinstance(key, SigningKey):
        raise errors.LabError(
            f"the lab CA key {ca.key} is neither EC nor RSA", fix="use an EC or RSA CA"
        )
    return cert, key


def issue(
    ca: Pair,
    pair: Pair,
    *,
    common_name: str,
    usage: Usage,
    organization: str | None = None,
    dns_names: abc.Sequence[str] = (),
    ip_addresses: abc.Sequence[str] = (),
    validity: datetime.timedelta,
) -> Pair:
    """A certificate at ``pair`` signed by ``ca``, kept if still good, issued otherwise.

    A server certificate names 127.0.0.1 and localhost (where lab daemons listen) plus
    ``dns_names`` and ``ip_addresses`` (the conductor's address on a lab network). "Still
    good" means signed by this CA, matching its key and valid for longer than ``RENEW_BEFORE``.
    """
    ca_cert, ca_key = _load_ca(ca)
    if _still_good(pair, ca_cert):
        return pair
    key = ec.generate_private_key(ec.SECP256R1())
    purpose = (
        oid.ExtendedKeyUsageOID.SERVER_AUTH
        if usage is Usage.SERVER
        else oid.ExtendedKeyUsageOID.CLIENT_AUTH
    )
    builder = (
        _builder(_name(common_name, organization), ca_cert.subject, key, validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
    )
    if usage is Usage.SERVER:
        names: list[x509.GeneralName] = [
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.DNSName("localhost"),
            *(x509.DNSName(n) for n in dns_names),
            *(x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses),
        ]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return _save(pair, key, builder.sign(ca_key, hashes.SHA256()))


def _still_good(pair: Pair, ca_cert: x509.Certificate) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(pair.cert.read_bytes())
        key = serialization.load_pem_private_key(pair.key.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, crypto_exceptions.InvalidSignature):
        return False
    if cert.public_key() != key.public_key():
        return False
    return cert.not_valid_after_utc - _now() > RENEW_BEFORE
