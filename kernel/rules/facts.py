"""Facts as the engine may see them.

A fact is a plain mapping with a ``kind``. Before evaluation each fact is projected onto the
fields its ruleset uses, with their types: a value of the wrong type or ``None`` counts as
missing (the JSON Schemas catch wrong types earlier, with a proper message). This is what makes
durable_rules safe to use: no field it was not told about (its field-name hashes are only 32
bits), no mixed-type comparison (it compares ``"5" == 5`` as text), no ``None``, no number it
cannot hold, no string past its 16-bit length. Both back ends evaluate the projected facts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from .model import FieldType, RuleSet
from .regexes import matches

MAX_STRING_BYTES = 65_535
MAX_SAFE_INT = 2**53


class FactError(ValueError):
    """A fact that cannot be evaluated; the caller turns it into a clear 4xx answer."""

    pointer = "/document"


class ContextShapeError(FactError):
    """A dry run's context that a plugin could not read (``"unit": 5``)."""

    pointer = "/context"


def flatten(fact: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings become dotted keys; the mapping itself stays, for ``exists`` tests."""
    flat: dict[str, Any] = {}
    for key, value in fact.items():
        name = f"{prefix}{key}"
        flat[name] = value
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
    return flat


def _typed(value: Any, ftype: FieldType) -> Any:
    """The value if it has the field's type, else None (missing)."""
    if value is None:
        return None
    if ftype == "any":
        return True
    if ftype == "boolean":
        return value if isinstance(value, bool) else None
    if ftype == "number":
        return _number(value)
    if not isinstance(value, str):
        return None
    if len(value.encode("utf-8")) > MAX_STRING_BYTES:
        raise FactError(f"a text of {len(value)} characters is too long to be evaluated")
    if ftype == "date" and not _is_iso_date(value):
        return None
    return value


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise FactError(f"number {value!r} cannot be evaluated")
    if abs(value) >= MAX_SAFE_INT:
        raise FactError(f"number {value} is too large to be evaluated")
    return value


def _is_iso_date(value: str) -> bool:
    return (
        len(value) == 10
        and value[4] == value[7] == "-"
        and value.replace("-", "").isascii()
        and value.replace("-", "").isdigit()
    )


def project(ruleset: RuleSet, facts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Facts of the kinds ``ruleset`` looks at, carrying only the fields it tests."""
    projected = []
    for fact in facts:
        kind = fact.get("kind")
        if not isinstance(kind, str):
            raise FactError(f"every fact needs a 'kind' text, got {kind!r}")
        shape = ruleset.shape.get(kind)
        if shape is None:
            continue
        flat = None  # only a dotted field needs the nested mappings flattened
        out: dict[str, Any] = {"kind": kind}
        for field, ftype in shape.items():
            if "." in field:
                flat = flatten(fact) if flat is None else flat
                raw = flat.get(field)
            else:
                raw = fact.get(field)  # what ``flatten`` gives for a plain name, unchanged
            value = _typed(raw, ftype)
            if value is not None:
                out[field] = value
        for key in ruleset.match_keys:  # usually none
            if key.kind == kind and isinstance(out.get(key.field), str):
                out[key.key] = matches(key.pattern, out[key.field])
        projected.append(out)
    return projected
