"""Password masking in log records, and the Redfish server certificate issued by a lab CA."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography import x509

from vbmc import errors, logs, tls


def test_secrets_are_masked_in_messages_and_arguments() -> None:
    mask = logs.MaskSecrets(["hunter2", "hunter2-long", ""])
    record = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "pw %s and %s", ("hunter2-long", "x"), None
    )
    mask.filter(record)
    assert record.getMessage() == f"pw {logs.MASK} and x"
    clean = logging.LogRecord("t", logging.INFO, __file__, 1, "nothing %s", ("here",), None)
    mask.filter(clean)
    assert clean.args == ("here",)


def test_server_cert_is_signed_by_the_ca_and_names_loopback(tmp_path: Path) -> None:
    ca = tls.create_ca(tmp_path / "ca")
    pair = tls.server_cert(ca, tmp_path / "srv")
    cert = x509.load_pem_x509_certificate(pair.cert.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca.cert.read_bytes()))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_an_unreadable_ca_is_explained(tmp_path: Path) -> None:
    with pytest.raises(errors.VbmcError, match="cannot read the lab CA"):
        tls.server_cert(tls.KeyPair(tmp_path / "no.crt", tmp_path / "no.key"), tmp_path)
