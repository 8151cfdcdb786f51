"""Tokens and sessions: one token per boot, compared in constant time, bound to its host and
boot; a token never acts for another host; a new boot or ``end`` (power off) kills the old
token; lookup answers only hosts with a session; orders are handed once and idempotent."""

from __future__ import annotations

import pytest

from controller.conductor import sessions, tokens, wire

MAC_A, MAC_B = "52:54:00:00:00:0a", "52:54:00:00:00:0b"


def token_of(s: sessions.Sessions, uid: str) -> str:
    view = s.view(uid)
    assert view is not None
    found = s.boot_config(boot=view.boot)
    assert found is not None
    return found[0]


@pytest.fixture
def two() -> sessions.Sessions:
    s = sessions.Sessions()
    s.begin("uid-a", "ns", "a", sessions.Purpose.INSPECT, MAC_A)
    s.begin("uid-b", "ns", "b", sessions.Purpose.DEPLOY, MAC_B)
    return s


def test_tokens_are_long_random_and_bound() -> None:
    t = tokens.Tokens()
    first, binding = t.issue("u")
    assert len(first) >= 43  # 32 bytes, url-safe base64
    assert t.find(first) == binding
    second, _ = t.issue("u")
    assert first != second and t.find(first) is None  # a new boot kills the old token
    t.drop("u")
    assert t.find(second) is None


def test_lookup_by_boot_mac(two: sessions.Sessions) -> None:
    a = token_of(two, "uid-a")
    assert two.lookup(a, wire.Lookup((MAC_A, "52:54:00:00:00:99"))) == ("uid-a", "ns", "a")


def test_token_never_acts_for_another_host(two: sessions.Sessions) -> None:
    a = token_of(two, "uid-a")
    with pytest.raises(sessions.Refused) as refused:
        two.lookup(a, wire.Lookup((MAC_B,)))
    assert refused.value.status == 403


def test_forged_and_replayed_tokens(two: sessions.Sessions) -> None:
    old = token_of(two, "uid-a")
    with pytest.raises(sessions.Refused, match="unknown or expired"):
        two.lookup("forged-" + old, wire.Lookup((MAC_A,)))
    two.begin("uid-a", "ns", "a", sessions.Purpose.DEPLOY, MAC_A)  # the next deployment
    with pytest.raises(sessions.Refused, match="unknown or expired"):
        two.lookup(old, wire.Lookup((MAC_A,)))
    new = token_of(two, "uid-a")
    two.end("uid-a")  # power off
    with pytest.raises(sessions.Refused) as refused:
        two.heartbeat(new, wire.Heartbeat(None, None))
    assert refused.value.status == 401


def test_no_session_no_lookup() -> None:
    s = sessions.Sessions()
    with pytest.raises(sessions.Refused):
        s.lookup("anything", wire.Lookup((MAC_A,)))


def test_orders_flow(two: sessions.Sessions) -> None:
    b = token_of(two, "uid-b")
    with pytest.raises(sessions.Refused, match="lookup first"):
        two.heartbeat(b, wire.Heartbeat(None, None))
    two.lookup(b, wire.Lookup((MAC_B,)))
    assert two.boot_config(mac=MAC_B) is None  # boot files are not served after lookup
    assert two.heartbeat(b, wire.Heartbeat(None, None)) is None
    first = two.order("uid-b", "deploy", {"x": 1})
    assert two.order("uid-b", "deploy", {"x": 2}) == first  # once per kind and boot
    order = two.heartbeat(b, wire.Heartbeat(None, None))
    assert order is not None and order.id == first and order.args == {"x": 1}
    assert two.heartbeat(b, wire.Heartbeat(first, None)) is None  # busy: nothing new
    with pytest.raises(sessions.Refused) as refused:
        two.report(b, "0" * 16, wire.Outcome(True, "", "", {}))
    assert refused.value.status == 404
    two.report(b, first, wire.Outcome(True, "", "", {"size": 3}))
    view = two.view("uid-b")
    assert view is not None and view.outcomes[first].details == {"size": 3}
    assert two.heartbeat(b, wire.Heartbeat(None, None)) is None
    a = token_of(two, "uid-a")
    with pytest.raises(sessions.Refused):
        two.report(a, first, wire.Outcome(True, "", "", {}))  # not A's order
