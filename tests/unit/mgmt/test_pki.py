"""The lab CA issues what the control plane needs, once; re-running keeps existing credentials."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from lab.mgmt import pki


def test_admin_certificate_is_signed_by_the_ca_and_in_system_masters(tmp_path: Path) -> None:
    creds = pki.ensure(tmp_path)
    ca = x509.load_pem_x509_certificate(creds.ca.cert.read_bytes())
    admin = x509.load_pem_x509_certificate(creds.admin.cert.read_bytes())
    admin.verify_directly_issued_by(ca)
    orgs = admin.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    assert [o.value for o in orgs] == ["system:masters"]


def test_apiserver_certificate_names_loopback_and_the_in_cluster_service(tmp_path: Path) -> None:
    server = x509.load_pem_x509_certificate(pki.ensure(tmp_path).apiserver.cert.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    assert "kubernetes.default.svc" in names.get_values_for_type(x509.DNSName)


def test_ensure_is_idempotent(tmp_path: Path) -> None:
    first = pki.ensure(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    assert pki.ensure(tmp_path) == first
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before
