"""TLS material for the Redfish emulator: a server certificate issued by the lab's CA.

The supervisor calls ``server_cert`` before starting a Redfish emulator, handing it the lab CA's
certificate and key (``metallab up`` owns the CA); the certificate names 127.0.0.1 and localhost,
the only addresses the emulator listens on. ``create_ca`` makes a CA for tests and for callers
that have none.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
from pathlib import Path

from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from vbmc import errors, layout

_VALIDITY = datetime.timedelta(days=365)
_RENEW_BEFORE = datetime.timedelta(days=30)


@dataclasses.dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    layout.write_private(path, pem.decode())


def create_ca(directory: Path, *, common_name: str = "metallab CA") -> KeyPair:
    """A self-signed CA in ``directory`` (ca.crt, ca.key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + 10 * _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pair = KeyPair(directory / "ca.crt", directory / "ca.key")
    directory.mkdir(parents=True, exist_ok=True)
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(pair.key, key)
    return pair


def server_cert(ca: KeyPair, directory: Path) -> KeyPair:
    """server.crt/server.key in ``directory`` for 127.0.0.1 and localhost, signed by ``ca``.

    Reuses an existing certificate while it is signed by this CA and not about to expire.
    """
    try:
        ca_cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
        ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    except (OSError, ValueError) as err:
        raise errors.VbmcError(
            f"cannot read the lab CA ({ca.cert}, {ca.key}): {err}",
            fix="pass a PEM CA certificate and its unencrypted private key",
        ) from err
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise errors.VbmcError("the lab CA key is neither EC nor RSA", fix="use an EC or RSA CA")
    pair = KeyPair(directory / "server.crt", directory / "server.key")
    if _still_good(pair, ca_cert):
        return pair
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.DNSName("localhost"),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "metallab redfish")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + _VALIDITY)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    _write_key(pair.key, key)
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pair


def _still_good(pair: KeyPair, ca_cert: x509.Certificate) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(pair.cert.read_bytes())
    except (OSError, ValueError):
        return False
    if not pair.key.exists() or cert.issuer != ca_cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, crypto_exceptions.InvalidSignature):
        return False
    return cert.not_valid_after_utc - _now() > _RENEW_BEFORE
