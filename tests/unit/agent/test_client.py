"""The protocol client's rules that need no conductor: boot.json parsing, jittered bounded
backoff, a refusal (4xx) ending the retries at once, and lookup answers validated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent import bootconfig, client, errors


def test_boot_config() -> None:
    raw = {"conductor_url": "https://10.0.0.1:8443", "token": "t" * 43, "ca_pem": "PEM"}
    assert bootconfig.parse(json.dumps(raw)) == bootconfig.BootConfig(**raw)
    with pytest.raises(errors.AgentError, match="lacks 'token'"):
        bootconfig.parse(json.dumps({**raw, "token": ""}))
    with pytest.raises(errors.AgentError, match="https://"):
        bootconfig.parse(json.dumps({**raw, "conductor_url": "http://x"}))
    with pytest.raises(errors.AgentError, match="not JSON"):
        bootconfig.parse("{")


def test_backoff_is_jittered_and_capped() -> None:
    backoff = client.Backoff(base=1, cap=8)
    for attempt in range(10):
        delay = backoff.delay(attempt)
        top = min(8, 2**attempt)
        assert top / 2 <= delay <= top


def test_retry_is_bounded() -> None:
    calls: list[float] = []

    def fail() -> dict[str, Any]:
        raise errors.AgentError("down")

    with pytest.raises(errors.AgentError, match="down"):
        client.retry(fail, client.Backoff(attempts=4), sleep=calls.append, log=lambda _: None)
    assert len(calls) == 3


def test_refusal_is_not_retried() -> None:
    calls: list[float] = []

    def refuse() -> dict[str, Any]:
        raise client.Rejected("403")

    with pytest.raises(client.Rejected):
        client.retry(refuse, client.Backoff(), sleep=calls.append)
    assert calls == []


class Fake(client.Conductor):
    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.reply


def test_lookup_validates_the_answer() -> None:
    host = {"uid": "u", "namespace": "n", "name": "h"}
    got = client.lookup(Fake({"host": host, "heartbeat_s": 2}), [], client.Backoff())
    assert got == client.Identity("u", "n", "h", 2.0)
    for bad in (
        {"host": {"uid": "u"}},
        {"host": host, "heartbeat_s": "2"},
        {"host": host, "heartbeat_s": 0},
    ):
        with pytest.raises(errors.AgentError):
            client.lookup(Fake(bad), [], client.Backoff())
