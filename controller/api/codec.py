"""The JSON mapping of a declared type: ``parse`` at the edge, ``to_json`` and ``to_patch`` out.

Derived from the same ``declare.field`` records as the schema. ``parse`` is lenient the way
BMO's decoding of stored objects is: a missing or malformed value becomes the field's default
(an unknown enum value too), so an object written by a newer controller still reads. Writing
follows Go's ``omitempty``: empty values are left out unless the field is required.
``to_patch`` writes the same document as a JSON merge patch: a field left out becomes
``null`` so the server deletes it, in the object itself, its flattened groups and the
values of keyed maps (``operationHistory``); a nested object value is written whole.
Called by ``api.host`` and ``api.hardwaredata``; the state machine never sees raw JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from controller.api import declare

Json = Any
T = TypeVar("T")


def parse(cls: type[T], raw: Json) -> T:
    """``cls`` read from the JSON object ``raw``; TypeError if ``raw`` is not an object."""
    if not isinstance(raw, Mapping):
        raise TypeError(f"{cls.__name__} must be a JSON object, not {type(raw).__name__}")
    values: dict[str, Any] = {}
    for member in declare.members(cls):
        value = _lookup(raw, member.field.path)
        values[member.name] = _decode(member.shape, value, member.default)
    return cls(**values)


def to_json(value: Any) -> dict[str, Json]:
    """The JSON object of a declared value, empty optional fields left out."""
    return _encode_object(value, patch=False)


def to_patch(value: Any) -> dict[str, Json]:
    """The merge patch that makes a stored object equal ``to_json(value)``."""
    return _encode_object(value, patch=True)


def _lookup(source: Mapping[str, Json], path: tuple[str, ...]) -> Json:
    value: Json = source
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _decode(shape: declare.Shape, raw: Json, default: Any) -> Any:
    if raw is None:
        return None if shape.optional else default
    if shape.kind is declare.Kind.OBJECT:
        if not isinstance(raw, Mapping):
            return None if shape.optional else default
        value = parse(shape.cls, raw)
        return None if shape.optional and _absent(value) else value
    if shape.kind is declare.Kind.ARRAY:
        assert shape.item is not None
        if not isinstance(raw, list):
            return None if shape.optional else ()
        items = (_decode(shape.item, item, None) for item in raw if _fits(shape.item, item))
        return tuple(items)
    if shape.kind is declare.Kind.KEYED:
        assert shape.item is not None
        if not isinstance(raw, Mapping):
            return default
        return {
            key: _decode(shape.item, raw[key.value], None)
            for key in shape.cls.__members__.values()
            if _fits(shape.item, raw.get(key.value))
        }
    try:
        return shape.cls(raw) if shape.kind is declare.Kind.SCALAR else shape.cls(str(raw))
    except (TypeError, ValueError):
        return None if shape.optional else default


def _fits(shape: declare.Shape, raw: Json) -> bool:
    return isinstance(raw, Mapping) if shape.kind is declare.Kind.OBJECT else raw is not None


def _absent(value: Any) -> bool:
    """An optional object with a required field empty (or, with none required, no field set)
    is read as not there: ``image: {}`` is no image, as in BMO."""
    required = [m for m in declare.members(type(value)) if m.field.required]
    if required:
        return any(_empty(m, getattr(value, m.name)) for m in required)
    return all(_empty(m, getattr(value, m.name)) for m in declare.members(type(value)))


def _empty(member: declare.Member, value: Any) -> bool:
    """Go's omitempty: an optional (pointer) field is empty only when None."""
    if member.shape.optional or value is None:
        return value is None
    if member.shape.kind is declare.Kind.OBJECT:
        return all(_empty(m, getattr(value, m.name)) for m in declare.members(type(value)))
    return value in ("", 0, False) or value in ((), {})


def _encode_object(value: Any, *, patch: bool) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for member in declare.members(type(value)):
        item = getattr(value, member.name)
        written = member.field.required or not _empty(member, item)
        parent = out
        for key in member.field.path[:-1]:
            parent = parent.setdefault(key, {})
        if written:
            parent[member.field.path[-1]] = _encode(member.shape, item, patch=patch)
        elif patch:
            parent[member.field.path[-1]] = None
    for path, group in declare.groups(type(value)).items():
        if not group.required and _group_empty(value, path):
            parent = _lookup(out, path[:-1])
            if isinstance(parent, dict):
                parent[path[-1]] = None
                if not patch:
                    del parent[path[-1]]
    return out


def _group_empty(value: Any, path: tuple[str, ...]) -> bool:
    """A flattened object is left out when every field in it is empty, required ones too."""
    inside = [m for m in declare.members(type(value)) if m.field.path[: len(path)] == path]
    return all(_empty(m, getattr(value, m.name)) for m in inside)


def _encode(shape: declare.Shape, value: Any, *, patch: bool = False) -> Json:
    if value is None:
        return None
    if shape.kind is declare.Kind.OBJECT:
        return _encode_object(value, patch=False)
    if shape.kind is declare.Kind.ARRAY:
        assert shape.item is not None
        return [_encode(shape.item, item, patch=False) for item in value]
    if shape.kind is declare.Kind.KEYED:
        assert shape.item is not None
        entry = shape.item.kind is declare.Kind.OBJECT
        return {
            key.value: _encode_object(item, patch=patch) if entry else _encode(shape.item, item)
            for key, item in sorted(value.items())
        }
    if shape.kind is declare.Kind.ENUM:
        return value.value
    return value
