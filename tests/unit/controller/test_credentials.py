"""Credentials from Secrets: required keys, trimming, resourceVersion, and no password in reprs."""

from __future__ import annotations

import pytest

from controller.bmc import credentials, errors
from tests.unit.controller import harness


def test_reads_username_password_and_version() -> None:
    got = credentials.from_secret(harness.secret(password="s3cret\n", version="42"))
    assert got.credentials.username == "admin"
    assert got.credentials.password == "s3cret"
    assert got.version == "42"
    assert "s3cret" not in repr(got)


@pytest.mark.parametrize("missing", ["username", "password"])
def test_missing_key_is_a_credentials_error(missing: str) -> None:
    secret = harness.secret()
    del secret["data"][missing]
    with pytest.raises(errors.CredentialsError, match=missing):
        credentials.from_secret(secret)


def test_not_base64_is_a_credentials_error() -> None:
    secret = harness.secret()
    secret["data"]["password"] = "%%%"
    with pytest.raises(errors.CredentialsError, match="base64"):
        credentials.from_secret(secret)
