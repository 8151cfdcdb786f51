"""Turn a scenario file's document into a ``model.Scenario``: strict keys, paths in every error.

Called by ``scenarios.load``. Reads with ``lab.config.reader`` (the lab file's strict readers),
so an unknown key is ``scenario file: spec.steps[2].wait.hots: unknown key``. The shape::

    apiVersion: metallab.dev/v1alpha1
    kind: Scenario
    metadata: {name: bmc-faults, description: …}
    spec:
      lab: labs/mixed.yaml              # the lab file, relative to this file
      steps:
        - name: node-1 is available     # optional; defaults to the step kind
          hosts: [node-1, node-2]       # optional: once per host, in parallel; ${host}
          narration: …                  # optional, said by `make demo`
          wait: {host: node-1, state: available, timeout: 5m}   # exactly one step kind

Step kinds: enroll, apply, patch, delete, wait, assert, fault, power, kill, run, playbook, sleep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hostkit import errors
from lab.config import reader
from scenarios import model
from vbmc import faults

DOCUMENT = "scenario file"
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_KNOWN_KINDS = {
    "BareMetalHost": "metal3.io/v1alpha1",
    "Secret": "v1",
    "ConfigMap": "v1",
    "Node": "v1",
    "Namespace": "v1",
}
_CLUSTER_SCOPED = {"Node", "Namespace"}
_HOST = "${host}"


def _fail(path: str, problem: str, fix: str) -> errors.LabError:
    return reader.fail(path, problem, fix, document=DOCUMENT)


def decode(document: object, *, file: Path, lab_hosts: tuple[str, ...]) -> model.Scenario:
    """Decode ``document`` read from ``file``; ``lab_hosts`` are the hosts of its lab file."""
    top = reader.Mapping(document, "", document=DOCUMENT)
    if top.string("apiVersion") != model.API_VERSION:
        raise _fail(
            "apiVersion",
            f"{top.raw('apiVersion')!r} is not supported",
            f"write apiVersion: {model.API_VERSION}",
        )
    if top.string("kind") != model.KIND:
        raise _fail("kind", "must be Scenario", f"write kind: {model.KIND}")
    meta = _required_mapping(top, "metadata")
    spec = _required_mapping(top, "spec")
    top.finish()
    name = meta.string("name")
    if not name or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise _fail(meta.at("name"), f"{name!r} is not a name", "use lowercase letters, digits, -")
    description = meta.string("description") or ""
    meta.finish()
    lab = spec.string("lab")
    if not lab:
        raise _fail(spec.at("lab"), "missing", "name the lab file, relative to this file")
    raw_steps = spec.items("steps")
    if not raw_steps:
        raise _fail(spec.at("steps"), "missing or empty", "list at least one step")
    spec.finish()
    steps = tuple(_step(path, raw, lab_hosts) for path, raw in raw_steps)
    return model.Scenario(
        name=name,
        description=description,
        file=file,
        lab_file=(file.parent / lab).resolve(),
        steps=steps,
        hosts=lab_hosts,
    )


def lab_path(document: object, *, file: Path) -> Path | None:
    """The lab file a scenario names (before the full decode, which needs the lab's hosts)."""
    if isinstance(document, dict) and isinstance(document.get("spec"), dict):
        lab = document["spec"].get("lab")
        if isinstance(lab, str) and lab:
            return (file.parent / lab).resolve()
    return None


def _required_mapping(node: reader.Mapping, key: str) -> reader.Mapping:
    found = node.mapping(key)
    if found is None:
        raise _fail(node.at(key), "missing", f"add a {key}: mapping")
    return found


def _step(path: str, raw: object, lab_hosts: tuple[str, ...]) -> model.Step:
    node = reader.Mapping(raw, path, document=DOCUMENT)
    assert isinstance(raw, dict)  # the Mapping checked it
    kinds = [key for key in _ACTIONS if key in raw]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        allowed = ", ".join(_ACTIONS)
        raise _fail(path, f"needs exactly one step kind, found {found}", f"use one of {allowed}")
    kind = kinds[0]
    hosts_node = node.items("hosts")
    hosts: list[str | None] = [None]
    if hosts_node is not None:
        hosts = []
        for item_path, item in hosts_node:
            if not isinstance(item, str):
                raise _fail(item_path, "expected a host name", "write a string")
            hosts.append(_known_host(item, item_path, lab_hosts))
        if not hosts:
            raise _fail(node.at("hosts"), "empty", "name at least one host or drop hosts:")
    name = node.string("name") or kind
    narration = node.string("narration") or ""
    raw_action = node.raw(kind)
    node.finish()
    _known_keys(raw_action, node.at(kind), _KEYS[kind])
    invocations = tuple(
        model.Invocation(
            host=host,
            action=_ACTIONS[kind](
                reader.Mapping(_substitute(raw_action, host), node.at(kind), document=DOCUMENT),
                host,
                lab_hosts,
            ),
        )
        for host in hosts
    )
    shown = name if hosts == [None] else name.replace(_HOST, "{host}")
    return model.Step(
        name=shown,
        kind=kind,
        invocations=invocations,
        narration=narration,
        path=path,
        hosts=tuple(h for h in hosts if h) or _named_host(invocations[0].action, lab_hosts),
    )


def _named_host(action: model.Action, lab_hosts: tuple[str, ...]) -> tuple[str, ...]:
    """The host a whole-step action names (``fault: {host: node-1}``, ``patch: {name:
    node-1}``, a condition on node-1's BareMetalHost), if any."""
    condition = getattr(action, "condition", None)
    ref = getattr(action, "ref", None) or getattr(condition, "ref", None)
    named = (
        getattr(action, "host", None)
        or getattr(condition, "host", None)
        or (ref.name if ref is not None and ref.kind == "BareMetalHost" else None)
    )
    return (named,) if named in lab_hosts else ()


def _known_keys(raw: object, path: str, allowed: frozenset[str]) -> None:
    """Unknown keys first, so a misspelt key is named rather than reported missing."""
    if isinstance(raw, dict):
        for key in raw:
            if key not in allowed:
                raise _fail(
                    f"{path}.{key}", "unknown key", "remove it or check its spelling and indent"
                )


def _substitute(value: object, host: str | None) -> object:
    if host is None:
        return value
    if isinstance(value, str):
        return value.replace(_HOST, host)
    if isinstance(value, list):
        return [_substitute(item, host) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, host) for key, item in value.items()}
    return value


def _known_host(name: str, path: str, lab_hosts: tuple[str, ...]) -> str:
    if name not in lab_hosts:
        raise _fail(path, f"no host {name!r} in the lab file", f"use one of {', '.join(lab_hosts)}")
    return name


def _host(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> str:
    named = node.string("host") or host
    if named is None:
        raise _fail(node.at("host"), "missing", "name a host, or give the step hosts: [...]")
    return _known_host(named, node.at("host"), lab_hosts)


def duration(node: reader.Mapping, key: str, *, default: float | None = None) -> float:
    value = node.raw(key)
    if value is None:
        if default is not None:
            return default
        raise _fail(node.at(key), "missing", f"give a {key}, e.g. {key}: 5m")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or float(match.group(1)) <= 0:
        raise _fail(node.at(key), f"{value!r} is not a duration", "write e.g. 30s, 5m or 1.5")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _ref(node: reader.Mapping, *, kind: str | None = None) -> model.ObjectRef:
    found_kind = node.string("kind") or kind
    if not found_kind:
        raise _fail(node.at("kind"), "missing", "name the object's kind, e.g. BareMetalHost")
    api_version = node.string("apiVersion") or _KNOWN_KINDS.get(found_kind)
    if api_version is None:
        raise _fail(node.at("apiVersion"), "missing", f"give the apiVersion of {found_kind}")
    name = node.string("name")
    if not name:
        raise _fail(node.at("name"), "missing", "name the object")
    namespace = node.string("namespace")
    if found_kind not in _CLUSTER_SCOPED:
        namespace = namespace or model.DEFAULT_NAMESPACE
    return model.ObjectRef(api_version, found_kind, name, namespace)


def _ref_at(node: reader.Mapping, key: str) -> model.ObjectRef:
    found = _required_mapping(node, key)
    ref = _ref(found)
    found.finish()
    return ref


def _expect(node: reader.Mapping) -> model.Expect:
    equals, matches = node.raw("equals"), node.string("matches")
    if equals is not None and matches is not None:
        raise _fail(node.at("matches"), "both equals and matches", "keep one of them")
    if matches is not None:
        try:
            re.compile(matches)
        except re.error as err:
            raise _fail(node.at("matches"), f"not a regex: {err}", "fix the pattern") from err
    if isinstance(equals, dict | list):
        raise _fail(node.at("equals"), "expected a scalar", "compare with a string or number")
    shown = (
        None
        if equals is None
        else (str(equals).lower() if isinstance(equals, bool) else str(equals))
    )
    return model.Expect(equals=shown, matches=matches)


def _number(node: reader.Mapping, key: str) -> float | None:
    value = node.raw(key)
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise _fail(node.at(key), f"expected a number, got {reader.kind_of(value)}", "write a number")


def _condition(
    node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]
) -> model.Condition:
    """The one condition a wait or assert names, chosen by its key."""
    keys = ("state", "errorType", "jsonpath", "node", "console", "deleted", "metric", "events")
    present = [key for key in keys if node.raw(key) is not None]
    if not present:
        raise _fail(
            node.path,
            "names no condition",
            f"give one of: {', '.join(keys)} (see docs/scenarios.md)",
        )
    if "state" in present or "errorType" in present:
        return model.HostState(
            host=_host(node, host, lab_hosts),
            state=node.string("state"),
            error_type=node.string("errorType"),
            namespace=node.string("namespace") or model.DEFAULT_NAMESPACE,
        )
    if "jsonpath" in present:
        path = node.string("jsonpath") or ""
        return model.JsonPath(ref=_ref_at(node, "object"), path=path, expect=_expect(node))
    if "node" in present:
        ready = node.boolean("ready")
        return model.NodeReady(
            node=node.string("node") or "", ready=True if ready is None else ready
        )
    if "console" in present:
        pattern = node.string("console") or ""
        try:
            re.compile(pattern)
        except re.error as err:
            raise _fail(node.at("console"), f"not a regex: {err}", "fix the pattern") from err
        return model.ConsoleLine(host=_host(node, host, lab_hosts), pattern=pattern)
    if "deleted" in present:
        return model.Deleted(ref=_ref_at(node, "deleted"))
    if "metric" in present:
        labels = node.raw("labels") or {}
        if not isinstance(labels, dict):
            raise _fail(node.at("labels"), "expected a mapping", "write labels: {state: available}")
        pairs = tuple(sorted((str(key), str(value)) for key, value in labels.items()))
        at_least, at_most = _number(node, "atLeast"), _number(node, "atMost")
        if at_least is None and at_most is None:
            raise _fail(
                node.path, "a metric needs atLeast or atMost", "add atLeast: N or atMost: N"
            )
        return model.Metric(
            name=node.string("metric") or "", labels=pairs, at_least=at_least, at_most=at_most
        )
    events = _required_mapping(node, "events")
    ref = _ref(events, kind="BareMetalHost") if events.raw("name") else None
    if ref is None:
        ref = model.ObjectRef(
            _KNOWN_KINDS["BareMetalHost"],
            "BareMetalHost",
            _host(events, host, lab_hosts),
            events.string("namespace") or model.DEFAULT_NAMESPACE,
        )
    reason = events.string("reason")
    if not reason:
        raise _fail(events.at("reason"), "missing", "name the Event reason to count")
    events.finish()
    at_least, at_most = _number(node, "atLeast"), _number(node, "atMost")
    if at_least is None and at_most is None:
        raise _fail(node.path, "events need atLeast or atMost", "add atLeast: N or atMost: N")
    return model.EventCount(
        ref=ref,
        reason=reason,
        at_least=None if at_least is None else int(at_least),
        at_most=None if at_most is None else int(at_most),
    )


def _wait(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    condition = _condition(node, host, lab_hosts)
    timeout = duration(node, "timeout")
    interval = duration(node, "interval", default=1.0)
    node.finish()
    return model.Wait(condition=condition, timeout=timeout, interval=interval)


def _assert(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    condition = _condition(node, host, lab_hosts)
    node.finish()
    return model.Assert(condition=condition)


def _enroll(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    named = node.string("host") or host
    node.finish()
    return model.Enroll(
        host=None if named is None else _known_host(named, node.at("host"), lab_hosts)
    )


def _apply(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    items = node.items("objects")
    if not items:
        raise _fail(node.at("objects"), "missing or empty", "list the objects to create or update")
    objects = []
    for path, item in items:
        obj = reader.Mapping(item, path, document=DOCUMENT)
        for key in ("apiVersion", "kind"):
            if not obj.string(key):
                raise _fail(obj.at(key), "missing", "every object needs apiVersion and kind")
        meta = _required_mapping(obj, "metadata")
        if not meta.string("name"):
            raise _fail(meta.at("name"), "missing", "name the object")
        objects.append(dict(item))  # type: ignore[call-overload]
    node.finish()
    return model.Apply(objects=tuple(objects))


def _patch(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    ref = _ref(node, kind="BareMetalHost")
    merge = node.raw("merge")
    if not isinstance(merge, dict) or not merge:
        raise _fail(node.at("merge"), "missing", "give the merge patch as a mapping")
    node.finish()
    return model.Patch(ref=ref, merge=merge)


def _delete(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    ref = _ref(node, kind="BareMetalHost")
    node.finish()
    return model.Delete(ref=ref)


def _fault(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    target = _host(node, host, lab_hosts)
    text = node.string("set")
    if text is None:
        raise _fail(node.at("set"), "missing", "write set: unresponsive, slow=3, error or clear")
    try:
        faults.parse(text)
    except errors.LabError as err:
        raise _fail(node.at("set"), err.problem, err.fix) from err
    node.finish()
    return model.Fault(host=target, fault=text)


def _power(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    target = _host(node, host, lab_hosts)
    action = node.choice("action", model.Power)
    if action is None:
        raise _fail(node.at("action"), "missing", "write action: on, off or reboot")
    via = reader.first(node.choice("via", model.PowerVia), default=model.PowerVia.ANNOTATION)
    node.finish()
    return model.PowerAction(host=target, action=action, via=via)


def _kill(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    component = node.choice("component", model.Component)
    if component is None:
        allowed = ", ".join(c.value for c in model.Component)
        raise _fail(node.at("component"), "missing", f"write component: one of {allowed}")
    target = _host(node, host, lab_hosts) if component is model.Component.BMC else None
    signal = reader.first(node.choice("signal", model.Signal), default=model.Signal.KILL)
    node.finish()
    return model.Kill(component=component, host=target, signal=signal)


def _run(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    items = node.items("command")
    if not items:
        raise _fail(node.at("command"), "missing", "give the command as a list: [ls, -l]")
    argv = []
    for path, item in items:
        if not isinstance(item, str | int | float) or isinstance(item, bool):
            raise _fail(path, "expected a string", "quote the argument")
        argv.append(str(item))
    timeout = duration(node, "timeout", default=60.0)
    exit_code = reader.first(node.integer("exitCode"), default=0)
    node.finish()
    return model.Run(argv=tuple(argv), timeout=timeout, exit_code=exit_code)


PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"


def _playbook(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    name = node.string("file")
    if not name:
        raise _fail(node.at("file"), "missing", "name a playbook under playbooks/")
    path = PLAYBOOKS / name
    if not path.is_file():
        raise _fail(node.at("file"), f"no playbook {path}", "name a file under playbooks/")
    variables = node.raw("vars") or {}
    if not isinstance(variables, dict):
        raise _fail(node.at("vars"), "expected a mapping", "write vars: {name: value}")
    named = node.string("host") or host
    if named is not None:
        variables = {"host": _known_host(named, node.at("host"), lab_hosts), **variables}
    timeout = duration(node, "timeout", default=300.0)
    node.finish()
    return model.Playbook(path=path, variables=variables, timeout=timeout)


def _sleep(node: reader.Mapping, host: str | None, lab_hosts: tuple[str, ...]) -> model.Action:
    seconds = duration(node, "seconds")
    node.finish()
    return model.Sleep(seconds=seconds)


_ACTIONS: dict[str, Callable[[reader.Mapping, str | None, tuple[str, ...]], model.Action]] = {
    "enroll": _enroll,
    "apply": _apply,
    "patch": _patch,
    "delete": _delete,
    "wait": _wait,
    "assert": _assert,
    "fault": _fault,
    "power": _power,
    "kill": _kill,
    "run": _run,
    "playbook": _playbook,
    "sleep": _sleep,
}


_REF = {"apiVersion", "kind", "name", "namespace"}
_CONDITION = {
    *("host", "state", "errorType", "namespace", "object", "jsonpath", "equals", "matches"),
    *("node", "ready", "console", "deleted", "metric", "labels", "atLeast", "atMost", "events"),
}
_KEYS = {
    kind: frozenset(keys)
    for kind, keys in {
        "enroll": {"host"},
        "apply": {"objects"},
        "patch": {*_REF, "merge"},
        "delete": _REF,
        "wait": {*_CONDITION, "timeout", "interval"},
        "assert": _CONDITION,
        "fault": {"host", "set"},
        "power": {"host", "action", "via"},
        "kill": {"component", "host", "signal"},
        "run": {"command", "timeout", "exitCode"},
        "playbook": {"file", "host", "vars", "timeout"},
        "sleep": {"seconds"},
    }.items()
}


def step_kinds() -> tuple[str, ...]:
    return tuple(_ACTIONS)
