"""How an API type is declared: frozen dataclasses whose fields carry their JSON name and docs.

The one declaration of each Metal3 type (``api.host``, ``api.hardware``, ``api.settings``,
``api.hardwaredata``) is a frozen dataclass; every field is made with ``field(...)``, which
records its JSON path (``"bmc.address"`` nests it in an object), its description and any
OpenAPI constraints. ``api.openapi`` derives the CRD schema and ``api.codec`` the JSON mapping
from the same records, as controller-gen does from BMO's Go types and their tags.

Python types map to JSON like Go's: ``str``/``int``/``float``/``bool`` to scalars, a ``StrEnum``
to a string enum, a declared dataclass to an object, ``tuple[X, ...]`` to an array,
``Mapping[SomeEnum, X]`` to an object keyed by the enum's values and ``X | None`` to an
optional value. Every field has a default (Go's zero value), so empty JSON parses.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

OPENAPI = "metallab.api"  # the key of a field's ``Field`` record in its dataclass metadata


@dataclasses.dataclass(frozen=True)
class Field:
    """What the declaration says about one field beyond its Python type."""

    path: tuple[str, ...]  # JSON keys from the enclosing object down to the value
    doc: str
    required: bool = False  # listed in the schema's ``required``; written even when empty
    open_enum: bool = False  # an enum-typed field whose schema accepts any string
    schema_default: bool = False  # publish the Python default as the schema's default
    openapi: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # extra keywords


@dataclasses.dataclass(frozen=True)
class Group:
    """An object in the JSON that the typed view flattens (``bmc`` in ``bmc.address``)."""

    doc: str
    required: bool = False


def field(
    path: str,
    doc: str,
    *,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
    required: bool = False,
    open_enum: bool = False,
    schema_default: bool = False,
    schema: Mapping[str, Any] | None = None,
    **openapi: Any,
) -> Any:
    """A dataclass field at JSON ``path`` (dotted); ``schema`` (a shared set) and ``openapi``
    add OpenAPI keywords (``pattern``, ``maxLength``, ``format``, …) to its schema."""
    keywords = {**(schema or {}), **openapi}
    record = Field(tuple(path.split(".")), doc, required, open_enum, schema_default, keywords)
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata={OPENAPI: record})
    return dataclasses.field(default=default, metadata={OPENAPI: record})


class Kind(enum.StrEnum):
    SCALAR = "scalar"
    ENUM = "enum"
    OBJECT = "object"
    ARRAY = "array"
    KEYED = "keyed"  # Mapping[SomeEnum, X]


@dataclasses.dataclass(frozen=True)
class Shape:
    """A Python type read as a JSON shape: ``kind``, the Python class, and what it holds."""

    kind: Kind
    cls: type[Any]
    optional: bool = False
    item: Shape | None = None  # ARRAY and KEYED: the shape of each value


@dataclasses.dataclass(frozen=True)
class Member:
    """One declared field of a class: its Python name, declaration and shape."""

    name: str
    field: Field
    shape: Shape
    default: Any


def shape_of(annotation: Any) -> Shape:
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        (inner,) = [arg for arg in args if arg is not type(None)]
        return dataclasses.replace(shape_of(inner), optional=True)
    origin = typing.get_origin(annotation)
    if origin is tuple:
        return Shape(Kind.ARRAY, tuple, item=shape_of(args[0]))
    if origin in (collections.abc.Mapping, dict):
        return Shape(Kind.KEYED, args[0], item=shape_of(args[1]))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return Shape(Kind.ENUM, annotation)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return Shape(Kind.OBJECT, annotation)
    if annotation in (str, int, float, bool):
        return Shape(Kind.SCALAR, annotation)
    raise TypeError(f"no JSON shape for {annotation!r}; declare it with supported types")


_MEMBERS: dict[type[Any], tuple[Member, ...]] = {}


def members(cls: type[Any]) -> tuple[Member, ...]:
    """The declared fields of ``cls`` in declaration order (every field must be declared)."""
    if cls not in _MEMBERS:
        _MEMBERS[cls] = _read_members(cls)
    return _MEMBERS[cls]


def _read_members(cls: type[Any]) -> tuple[Member, ...]:
    if (cls.__doc__ or "").startswith(f"{cls.__name__}("):  # dataclass's generated one
        raise TypeError(f"give {cls.__name__} a docstring: it is its schema's description")
    hints = typing.get_type_hints(cls)
    out = []
    for item in dataclasses.fields(cls):
        record = item.metadata.get(OPENAPI)
        if not isinstance(record, Field):
            raise TypeError(f"{cls.__name__}.{item.name} is not made with declare.field")
        default = (
            item.default_factory()
            if item.default_factory is not dataclasses.MISSING
            else item.default
        )
        shape = shape_of(hints[item.name])
        if default is None and not shape.optional:
            raise TypeError(f"{cls.__name__}.{item.name} needs a default (its zero value)")
        out.append(Member(item.name, record, shape, default))
    return tuple(out)


def groups(cls: type) -> Mapping[tuple[str, ...], Group]:
    """The flattened objects of ``cls``, keyed by their JSON path (class attribute GROUPS)."""
    declared: Mapping[str, Group] = getattr(cls, "GROUPS", {})
    return {tuple(path.split(".")): group for path, group in declared.items()}


def doc(cls: type) -> str:
    return " ".join((cls.__doc__ or "").split())
