"""Strict reading of decoded YAML: typed getters that know their path and reject unknown keys.

``lab.config.decode`` wraps every mapping of the lab file in a ``Mapping`` reader; each getter
checks the value's type and says where it is (``spec.hosts[2].disks[0].sizeGiB``), and
``finish`` turns any key nobody asked for into an error naming its path.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from hostkit import errors

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def fail(path: str, problem: str, fix: str) -> errors.LabError:
    return errors.LabError(f"lab file: {path}: {problem}", fix=fix)


class Mapping:
    """One YAML mapping at ``path``; remembers which keys were read."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise fail(path, f"expected a mapping, got {_kind(value)}", "write key: value pairs")
        self.path = path
        self._value: dict[Any, Any] = value
        self._seen: set[str] = set()

    def raw(self, key: str) -> object:
        self._seen.add(key)
        return self._value.get(key)

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def finish(self) -> None:
        for key in self._value:
            if key not in self._seen:
                raise fail(
                    self.at(str(key)), "unknown key", "remove it or check its spelling and indent"
                )

    def mapping(self, key: str) -> Mapping | None:
        value = self.raw(key)
        return None if value is None else Mapping(value, self.at(key))

    def items(self, key: str) -> list[tuple[str, object]] | None:
        """The elements of a list at ``key`` with their paths, or None if absent."""
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise fail(self.at(key), f"expected a list, got {_kind(value)}", "write a YAML list")
        return [(f"{self.at(key)}[{index}]", item) for index, item in enumerate(value)]

    def string(self, key: str) -> str | None:
        return _typed(self.raw(key), self.at(key), str, "a string")

    def integer(self, key: str) -> int | None:
        value = self.raw(key)
        if isinstance(value, bool):
            raise fail(self.at(key), "expected an integer, got a boolean", "write a number")
        return _typed(value, self.at(key), int, "an integer")

    def boolean(self, key: str) -> bool | None:
        return _typed(self.raw(key), self.at(key), bool, "true or false")

    def choice(self, key: str, kind: type[E]) -> E | None:
        value = self.string(key)
        return None if value is None else parse_choice(value, self.at(key), kind)


def parse_choice(value: str, path: str, kind: type[E]) -> E:
    for member in kind:
        if member.value == value:
            return member
    allowed = ", ".join(str(member.value) for member in kind)
    raise fail(path, f"{value!r} is not one of {allowed}", f"use one of {allowed}")


def first(*values: T | None, default: T) -> T:
    """The first value that is not None (host setting, then hostDefaults, then built-in)."""
    for value in values:
        if value is not None:
            return value
    return default


def _typed(value: object, path: str, kind: type[T], wanted: str) -> T | None:
    if value is None or isinstance(value, kind):
        return value
    raise fail(path, f"expected {wanted}, got {_kind(value)}", f"write {wanted}")


def _kind(value: object) -> str:
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)
