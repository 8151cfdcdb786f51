"""Checking a condition once: what ``wait`` polls and ``assert`` checks.

``check(session, condition)`` returns whether it holds and what was seen (the message of a
failed wait or assert). Called by ``scenarios.execute``. JSONPath here is kubectl's simple
form: ``.status.hardware.nics[0].mac``, with or without the surrounding ``{}``.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.request
from typing import Any

from kubernetes.client import exceptions
from prometheus_client import parser

from lab import controller_component
from lab.hardware import layout
from scenarios import model, session

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclasses.dataclass(frozen=True)
class Outcome:
    ok: bool
    seen: str


def check(run: session.Session, condition: model.Condition) -> Outcome:
    match condition:
        case model.HostState():
            return _host_state(run, condition)
        case model.JsonPath():
            return _jsonpath(run, condition)
        case model.NodeReady():
            return _node_ready(run, condition)
        case model.ConsoleLine():
            return _console(run, condition)
        case model.Deleted():
            found = get(run, condition.ref)
            return Outcome(found is None, "gone" if found is None else f"{condition.ref} exists")
        case model.Metric():
            return _metric(run, condition)
        case model.EventCount():
            return _events(run, condition)


def describe(condition: model.Condition) -> str:
    """The condition in words, for progress lines and reports."""
    match condition:
        case model.HostState():
            parts = []
            if condition.state is not None:
                parts.append(f"state {condition.state}")
            if condition.error_type is not None:
                parts.append(f"errorType {condition.error_type or 'none'!r}")
            return f"{condition.host}: {' and '.join(parts)}"
        case model.JsonPath():
            return f"{condition.ref} {condition.path} {condition.expect}"
        case model.NodeReady():
            return f"Node {condition.node} Ready={condition.ready}"
        case model.ConsoleLine():
            return f"{condition.host} console ~ /{condition.pattern}/"
        case model.Deleted():
            return f"{condition.ref} deleted"
        case model.Metric():
            return f"{condition.name}{dict(condition.labels)} {_bounds(condition)}"
        case model.EventCount():
            return f"{condition.reason} Events of {condition.ref} {_bounds(condition)}"


def _bounds(condition: model.Metric | model.EventCount) -> str:
    parts = []
    if condition.at_least is not None:
        parts.append(f">= {condition.at_least:g}")
    if condition.at_most is not None:
        parts.append(f"<= {condition.at_most:g}")
    return " and ".join(parts)


def _within(value: float, condition: model.Metric | model.EventCount) -> bool:
    low, high = condition.at_least, condition.at_most
    return (low is None or value >= low) and (high is None or value <= high)


def get(run: session.Session, ref: model.ObjectRef) -> dict[str, Any] | None:
    """The object as a dict, or None when it does not exist."""
    resource = run.resource(ref.api_version, ref.kind)
    try:
        found = resource.get(name=ref.name, namespace=ref.namespace)
    except exceptions.ApiException as err:
        if err.status == 404:
            return None
        raise
    document: dict[str, Any] = found.to_dict()
    return document


def lookup(document: object, path: str) -> tuple[bool, object]:
    """The value at ``path`` in ``document`` (found, value)."""
    value = document
    for name, index in _SEGMENT.findall(path.strip().strip("{}").lstrip(".")):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return False, None
    return True, value


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def matches(found: bool, value: object, expect: model.Expect) -> bool:
    if not found:
        return False
    if expect.equals is not None:
        return _text(value) == expect.equals
    if expect.matches is not None:
        return re.search(expect.matches, _text(value)) is not None
    return True


def _host_state(run: session.Session, condition: model.HostState) -> Outcome:
    ref = model.ObjectRef(
        "metal3.io/v1alpha1", "BareMetalHost", condition.host, condition.namespace
    )
    host = get(run, ref)
    if host is None:
        return Outcome(False, f"{ref} does not exist")
    status = host.get("status") or {}
    state = (status.get("provisioning") or {}).get("state", "")
    error = status.get("errorType") or ""
    ok = (condition.state is None or state == condition.state) and (
        condition.error_type is None or error == condition.error_type
    )
    seen = f"state {state or 'none'!r}, errorType {error or 'none'!r}"
    message = status.get("errorMessage")
    return Outcome(ok, f"{seen}, errorMessage {message!r}" if message else seen)


def _jsonpath(run: session.Session, condition: model.JsonPath) -> Outcome:
    document = get(run, condition.ref)
    if document is None:
        return Outcome(False, f"{condition.ref} does not exist")
    found, value = lookup(document, condition.path)
    seen = f"{condition.path} = {_text(value)!r}" if found else f"{condition.path} is not set"
    return Outcome(matches(found, value, condition.expect), seen)


def _node_ready(run: session.Session, condition: model.NodeReady) -> Outcome:
    node = get(run, model.ObjectRef("v1", "Node", condition.node, None))
    if node is None:
        return Outcome(False, f"Node {condition.node} does not exist")
    ready = [c for c in (node.get("status") or {}).get("conditions") or [] if c["type"] == "Ready"]
    status = ready[0]["status"] if ready else "Unknown"
    return Outcome((status == "True") == condition.ready, f"Ready={status}")


def _console(run: session.Session, condition: model.ConsoleLine) -> Outcome:
    path = layout.console_log(run.state, condition.host)
    text = path.read_text(errors="replace") if path.exists() else ""
    for line in text.splitlines():
        if re.search(condition.pattern, line):
            return Outcome(True, line.strip())
    last = text.strip().splitlines()[-1:] or ["(empty)"]
    return Outcome(False, f"last console line: {last[0]!r}")


def _metric(run: session.Session, condition: model.Metric) -> Outcome:
    port = controller_component.metrics_port(run.state)
    if port is None:
        return Outcome(False, "the controller has no metrics port (is it running?)")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            text = answer.read().decode()
    except OSError as err:
        return Outcome(False, f"metrics did not answer: {err}")
    wanted = dict(condition.labels)
    total, seen = 0.0, False
    for family in parser.text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == condition.name and wanted.items() <= sample.labels.items():
                total += sample.value
                seen = True
    if not seen:
        return Outcome(False, f"no sample of {condition.name}{wanted}")
    return Outcome(_within(total, condition), f"{condition.name}{wanted} = {total:g}")


def _events(run: session.Session, condition: model.EventCount) -> Outcome:
    """Events of this very object: one deleted and made again under the same name (a reset,
    a delete step) has a new uid, and its predecessor's Events do not count."""
    found = get(run, condition.ref)
    if found is None:
        return Outcome(False, f"{condition.ref} does not exist")
    uid = found["metadata"]["uid"]
    events = run.resource("v1", "Event").get(
        namespace=condition.ref.namespace, field_selector=f"involvedObject.uid={uid}"
    )
    count = sum(
        (item.get("count") or 1)
        for item in events.to_dict().get("items", [])
        if item.get("reason") == condition.reason
    )
    return Outcome(_within(count, condition), f"{count} {condition.reason} Events")
