"""hostkit.pki: a CA is made once; a leaf it signs is kept while good, else reissued; keys 0600."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509

from hostkit import errors, pki

_YEAR = datetime.timedelta(days=365)


def _ca(directory: Path) -> pki.Pair:
    return pki.ensure_ca(pki.Pair(directory / "ca.crt", directory / "ca.key"), common_name="t")


def _server(ca: pki.Pair, directory: Path, validity: datetime.timedelta = _YEAR) -> pki.Pair:
    pair = pki.Pair(directory / "s.crt", directory / "s.key")
    return pki.issue(
        ca, pair, common_name="s", usage=pki.Usage.SERVER, dns_names=("extra",), validity=validity
    )


def _load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_server_certificate_is_signed_by_the_ca_and_names_loopback(tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    cert = _load(_server(ca, tmp_path).cert)
    cert.verify_directly_issued_by(_load(ca.cert))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost", "extra"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]


def test_client_certificate_carries_the_organization_and_no_names(tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    pair = pki.Pair(tmp_path / "c.crt", tmp_path / "c.key")
    pki.issue(ca, pair, common_name="c", organization="org", usage=pki.Usage.CLIENT, validity=_YEAR)
    cert = _load(pair.cert)
    orgs = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    assert [o.value for o in orgs] == ["org"]
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_keys_are_written_owner_only(tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    for key in (ca.key, _server(ca, tmp_path).key):
        assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_ca_and_certificate_are_kept_when_still_good(tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    _server(ca, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    _server(_ca(tmp_path), tmp_path)
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_certificate_from_another_ca_is_reissued(tmp_path: Path) -> None:
    first = _server(_ca(tmp_path / "a"), tmp_path).cert.read_bytes()
    other = _ca(tmp_path / "b")
    renewed = _server(other, tmp_path)
    assert renewed.cert.read_bytes() != first
    _load(renewed.cert).verify_directly_issued_by(_load(other.cert))


def test_certificate_near_expiry_is_reissued(tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    short = pki.RENEW_BEFORE - datetime.timedelta(days=1)
    first = _server(ca, tmp_path, validity=short).cert.read_bytes()
    assert _server(ca, tmp_path).cert.read_bytes() != first
    kept = _server(ca, tmp_path).cert.read_bytes()
    assert _server(ca, tmp_path).cert.read_bytes() == kept


def test_certificate_not_matching_its_key_is_reissued(tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    pair = _server(ca, tmp_path)
    first = pair.cert.read_bytes()
    pair.key.write_bytes(ca.key.read_bytes())
    assert _server(ca, tmp_path).cert.read_bytes() != first


def test_an_unreadable_ca_is_explained(tmp_path: Path) -> None:
    missing = pki.Pair(tmp_path / "no.crt", tmp_path / "no.key")
    with pytest.raises(errors.LabError, match="cannot read the lab CA"):
        _server(missing, tmp_path)
