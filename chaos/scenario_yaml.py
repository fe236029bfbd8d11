"""Reading a scenario file without losing where each value came from.

``yaml.safe_load`` returns bare values; walking the nodes of ``yaml.compose`` instead keeps
each value's ``start_mark``, so every error can say ``file:line: field.path: problem``.
A :class:`Field` is one node plus its path in the document; its typed getters either
return a checked value or raise :class:`ScenarioError` pointing at that node.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_DURATION = re.compile(r"(-?\d+(?:\.\d+)?)\s*(ms|s|m)")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0}
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_SCALARS = yaml.constructor.SafeConstructor()


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is one line naming file, line and field."""


@dataclass
class Document:
    """The file being read and the parameter values substituted into its strings."""

    label: str
    variables: dict[str, str] = field(default_factory=dict)
    referenced: set[str] = field(default_factory=set)


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_document(path: Path) -> Field:
    """The root node of a scenario file; unreadable files and bad YAML raise ScenarioError."""
    label = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{label}: cannot read the file: {exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = ": ".join(part for part in (exc.context, exc.problem) if part)
        raise ScenarioError(f"{label}{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{label}: invalid YAML: {exc}") from None
    if root is None:
        raise ScenarioError(f"{label}:1: the file is empty; expected a mapping of fields")
    return Field(root, "", Document(label))


@dataclass(frozen=True)
class Field:
    node: yaml.Node
    path: str
    document: Document
    key: yaml.Node | None = None  # the key of a mapping value: where a reader looks for it

    @property
    def line(self) -> int:
        # A block mapping or list starts on the line after its key; point at the key.
        mark = (self.key if self.key is not None else self.node).start_mark
        return int(mark.line) + 1

    def error(self, problem: str) -> ScenarioError:
        where = f" {self.path}:" if self.path else ""
        return ScenarioError(f"{self.document.label}:{self.line}:{where} {problem}")

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode)

    def shown(self) -> str:
        """The value as written, for error messages."""
        if isinstance(self.node, yaml.ScalarNode):
            return repr(self.node.value) if self.node.value else "nothing"
        return "a list" if isinstance(self.node, yaml.SequenceNode) else "a mapping"

    def lookup(self, key: str) -> Field | None:
        """A key of a mapping node, without validating the mapping (for ``chaos list``)."""
        if isinstance(self.node, yaml.MappingNode):
            for key_node, value_node in self.node.value:
                if key_node.value == key:
                    return Field(value_node, self._key_path(key), self.document, key_node)
        return None

    def mapping(self, allowed: Collection[str], required: Collection[str] = ()) -> dict[str, Field]:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"must be a mapping of fields, got {self.shown()}")
        fields: dict[str, Field] = {}
        for key_node, value_node in self.node.value:
            key = str(key_node.value)
            key_field = Field(key_node, self._key_path(key), self.document)
            if key not in allowed:
                known = ", ".join(allowed) or "none"
                raise key_field.error(f"unknown key (allowed here: {known})")
            if key in fields:
                raise key_field.error("duplicate key")
            fields[key] = Field(value_node, key_field.path, self.document, key_node)
        for key in required:
            if key not in fields:
                raise self.error(f"missing required key {key!r}")
        return fields

    def sequence(self, *, non_empty: bool = True) -> list[Field]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"must be a list, got {self.shown()}")
        if non_empty and not self.node.value:
            raise self.error("must not be empty")
        return [
            Field(node, f"{self.path}[{index}]", self.document)
            for index, node in enumerate(self.node.value)
        ]

    def scalar(self) -> object:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.error(f"must be a single value, got {self.shown()}")
        return _SCALARS.construct_object(self.node)

    def text(self, *, substitute: bool = True) -> str:
        value = self.scalar()
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"must be a non-empty string, got {self.shown()}")
        return self._substitute(value.strip()) if substitute else value.strip()

    def choice(self, options: Sequence[str], what: str) -> str:
        value = self.text()
        if value not in options:
            raise self.error(f"unknown {what} {value!r} (known: {', '.join(options)})")
        return value

    def boolean(self) -> bool:
        value = self.scalar()
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, got {self.shown()}")
        return value

    def integer(self, minimum: int, maximum: int | None = None) -> int:
        value = self.scalar()
        ceiling = maximum if maximum is not None else math.inf
        if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= ceiling:
            return value
        upper = f"..{maximum}" if maximum is not None else " or more"
        raise self.error(f"must be an integer {minimum}{upper}, got {self.shown()}")

    def number(self, minimum: float, maximum: float | None = None, *, above: bool = False) -> float:
        """A finite number >= minimum (> minimum when ``above``) and <= maximum."""
        value = self.scalar()
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            low_ok = value > minimum if above else value >= minimum
            if low_ok and (maximum is None or value <= maximum):
                return float(value)
        low = f"> {minimum:g}" if above else f">= {minimum:g}"
        high = f" and <= {maximum:g}" if maximum is not None else ""
        raise self.error(f"must be a number {low}{high}, got {self.shown()}")

    def duration(self, *, allow_zero: bool) -> float:
        """Seconds, written as a number or with a unit: ``500ms``, ``2s``, ``1.5m``."""
        value = self.scalar()
        seconds = math.nan
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
        elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
            seconds = float(match[1]) * _SECONDS_PER_UNIT[match[2]]
        if math.isfinite(seconds) and (seconds > 0 or (seconds == 0 and allow_zero)):
            return seconds
        kind = "a duration >= 0" if allow_zero else "a positive duration"
        got = self.node.value if self.is_scalar else self.shown()
        raise self.error(f"must be {kind} (seconds, or with ms|s|m), got {got}")

    def _key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _substitute(self, value: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name not in self.document.variables:
                raise self.error(f"${{{name}}} is not a parameter of this scenario")
            self.document.referenced.add(name)
            return self.document.variables[name]

        return _REFERENCE.sub(replace, value)
