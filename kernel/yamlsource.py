"""Safe YAML loading that remembers where every value came from.

Policy staff read errors as ``file:line``; the JSON Schema validator and the rule compiler
speak in JSON Pointers. ``load`` gives both: plain data and a map from pointer to line.
Dates become ISO strings so the data is plain JSON and validates with JSON Schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

#: libyaml's parser when PyYAML was built with it (its wheels are): the same nodes and marks,
#: several times faster than the pure-Python one, which made a reload of a large rule file
#: hold the event loop (``benchmarks/RESULTS.md``, rules at scale).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(ValueError):
    """A file that is not the YAML it should be; carries the 1-based line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Located:
    """Data loaded from YAML, with the line of each JSON Pointer inside it."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, pointer: str) -> int:
        """Line of ``pointer``, or of its nearest ancestor that has one."""
        while pointer:
            if pointer in self.lines:
                return self.lines[pointer]
            pointer = pointer.rsplit("/", 1)[0]
        return self.lines.get("", 1)


def pointer_join(base: str, key: str | int) -> str:
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{base}/{token}"


def load(text: str) -> Located:
    """Parse one YAML document safely (no tags beyond the safe ones, no duplicate keys)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"{exc.problem or exc}", (mark.line + 1) if mark else 1) from None
    finally:
        loader.dispose()
    located = Located(None)
    if node is not None:
        located.data = _convert(node, "", located.lines, loader)
    return located


def _convert(node: yaml.Node, pointer: str, lines: dict[str, int], loader: Any) -> Any:
    lines[pointer] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if isinstance(key, dt.date | int | float | bool) or key is None:
                key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in result:
                raise YamlError(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            result[key] = _convert(value_node, pointer_join(pointer, key), lines, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, pointer_join(pointer, i), lines, loader)
            for i, item in enumerate(node.value)
        ]
    try:
        value = loader.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        raise YamlError(str(exc.problem), node.start_mark.line + 1) from None
    except ValueError:  # e.g. 2025-02-30: keep the text, the schema or compiler will say why
        return node.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
