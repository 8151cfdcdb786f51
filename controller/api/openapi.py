"""The OpenAPI v3 schema of a declared type, derived from its ``declare.field`` records.

``api.crds`` calls ``object_schema`` for each CRD's spec and status; nothing here names a
Metal3 field. A class docstring is the object's description, a field's doc the property's.
"""

from __future__ import annotations

from typing import Any

from controller.api import declare

Schema = dict[str, Any]

_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def object_schema(cls: type, description: str | None = None) -> Schema:
    root: Schema = _object(description or declare.doc(cls))
    root.update(getattr(cls, "OPENAPI", {}))
    group_docs = declare.groups(cls)
    for member in declare.members(cls):
        parent = root
        for depth, key in enumerate(member.field.path[:-1], start=1):
            prefix = member.field.path[:depth]
            if key not in parent["properties"]:
                group = group_docs[prefix]
                parent["properties"][key] = _object(group.doc)
                if group.required:
                    _require(parent, key)
            parent = parent["properties"][key]
        key = member.field.path[-1]
        parent["properties"][key] = field_schema(member)
        if member.field.required:
            _require(parent, key)
    return root


def field_schema(member: declare.Member) -> Schema:
    out = _shape_schema(member.shape, member.field.doc, written_empty=member.field.required)
    if member.field.open_enum:
        out.pop("enum", None)
    if member.field.schema_default:
        out["default"] = getattr(member.default, "value", member.default)  # an enum's string
    out.update(member.field.openapi)
    return out


def _shape_schema(shape: declare.Shape, description: str | None, *, written_empty: bool) -> Schema:
    described = {} if description is None else {"description": description}
    if shape.kind is declare.Kind.SCALAR:
        return {"type": _SCALARS[shape.cls], **described}
    if shape.kind is declare.Kind.ENUM:
        values = [m.value for m in shape.cls.__members__.values() if written_empty or m.value]
        return {"type": "string", **described, "enum": values}
    if shape.kind is declare.Kind.OBJECT:
        return object_schema(shape.cls, description)
    assert shape.item is not None
    if shape.kind is declare.Kind.ARRAY:
        item_doc = declare.doc(shape.item.cls) if shape.item.kind is declare.Kind.OBJECT else None
        items = _shape_schema(shape.item, item_doc, written_empty=False)
        return {"type": "array", **described, "items": items}
    value = _shape_schema(shape.item, None, written_empty=False)
    keys = {m.value: value for m in shape.cls.__members__.values()}
    return {"type": "object", **described, "properties": keys}


def _object(description: str) -> Schema:
    return {"type": "object", "description": description, "properties": {}}


def _require(parent: Schema, key: str) -> None:
    parent["required"] = sorted({*parent.get("required", ()), key})
