"""BMC address parsing: table rows for every scheme and error, plus fuzzing with Hypothesis.

Fuzzing checks the contract, not examples: ``parse`` returns an ``Address`` or raises
``AddressError`` — never anything else — and a parsed address re-parses to the same value.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.bmc import access, errors

P = errors.AddressProblem


@pytest.mark.parametrize(
    ("address", "scheme", "host", "port", "virtual_media", "needs_mac", "base_url"),
    [
        ("ipmi://10.0.0.1", "ipmi", "10.0.0.1", 623, False, True, "udp://10.0.0.1:623"),
        (
            "ipmi://bmc.example.com:6230",
            "ipmi",
            "bmc.example.com",
            6230,
            False,
            True,
            "udp://bmc.example.com:6230",
        ),
        ("10.0.0.2:6231", "ipmi", "10.0.0.2", 6231, False, True, "udp://10.0.0.2:6231"),
        ("bmc-7", "ipmi", "bmc-7", 623, False, True, "udp://bmc-7:623"),
        ("IPMI://[fd00::1]:623", "ipmi", "fd00::1", 623, False, True, "udp://[fd00::1]:623"),
        (
            "redfish://10.0.0.3/redfish/v1/Systems/1",
            "redfish",
            "10.0.0.3",
            443,
            False,
            True,
            "https://10.0.0.3:443",
        ),
        (
            "redfish+http://127.0.0.1:8000/redfish/v1/Systems/abc",
            "redfish+http",
            "127.0.0.1",
            8000,
            False,
            True,
            "http://127.0.0.1:8000",
        ),
        ("redfish+https://h:8443", "redfish+https", "h", 8443, False, True, "https://h:8443"),
        (
            "redfish-virtualmedia://10.0.0.4/redfish/v1/Systems/1",
            "redfish-virtualmedia",
            "10.0.0.4",
            443,
            True,
            False,
            "https://10.0.0.4:443",
        ),
        (
            "redfish-virtualmedia+http://127.0.0.1:8000/x",
            "redfish-virtualmedia+http",
            "127.0.0.1",
            8000,
            True,
            False,
            "http://127.0.0.1:8000",
        ),
        (
            "redfish-virtualmedia+https://[::1]:9000/x",
            "redfish-virtualmedia+https",
            "::1",
            9000,
            True,
            False,
            "https://[::1]:9000",
        ),
    ],
)
def test_valid_addresses(  # noqa: PLR0917 - one parameter per table column
    address: str,
    scheme: str,
    host: str,
    port: int,
    virtual_media: bool,
    needs_mac: bool,
    base_url: str,
) -> None:
    parsed = access.parse(address)
    assert (parsed.driver.scheme, parsed.host, parsed.port) == (scheme, host, port)
    assert (parsed.virtual_media, parsed.needs_boot_mac) == (virtual_media, needs_mac)
    assert parsed.base_url == base_url


def test_redfish_system_path_is_kept() -> None:
    assert access.parse("redfish://h/redfish/v1/Systems/7/").system_path == "/redfish/v1/Systems/7"
    assert access.parse("redfish://h").system_path == ""


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("", P.EMPTY),
        ("   ", P.EMPTY),
        ("idrac://10.0.0.1", P.UNKNOWN_SCHEME),
        ("http://10.0.0.1", P.UNKNOWN_SCHEME),
        ("ipmi://", P.BAD_HOST),
        ("ipmi://bad_host", P.BAD_HOST),
        ("ipmi://-leading.example", P.BAD_HOST),
        ("ipmi://999.1.1.1", P.BAD_HOST),
        ("ipmi://user:pass@10.0.0.1", P.BAD_HOST),
        ("ipmi://10.0.0.1/path", P.BAD_HOST),
        ("ipmi://10.0.0.1:99999", P.BAD_PORT),
        ("ipmi://10.0.0.1:0", P.BAD_PORT),
        ("redfish://10.0.0.1:http", P.BAD_PORT),
        ("10.0.0.1:notaport", P.BAD_PORT),
    ],
)
def test_invalid_addresses(address: str, problem: errors.AddressProblem) -> None:
    with pytest.raises(errors.AddressError) as caught:
        access.parse(address)
    assert caught.value.problem is problem
    assert problem.value in str(caught.value)


def test_every_scheme_is_registered_with_both_transports() -> None:
    for base in ("redfish", "redfish-virtualmedia"):
        assert {base, f"{base}+http", f"{base}+https"} <= set(access.REGISTRY)
    assert "ipmi" in access.REGISTRY


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_parse_never_fails_unexpectedly(text: str) -> None:
    try:
        parsed = access.parse(text)
    except errors.AddressError:
        return
    assert access.parse(parsed.raw) == parsed


schemes = st.sampled_from(sorted(access.REGISTRY))
hosts = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9](\.[a-z]{2,5})?", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(schemes, hosts, st.integers(min_value=1, max_value=65535))
def test_well_formed_addresses_round_trip(scheme: str, host: str, port: int) -> None:
    parsed = access.parse(f"{scheme}://{host}:{port}")
    assert parsed.driver.scheme == scheme
    assert parsed.port == port
    assert parsed.netloc.endswith(f":{port}")
