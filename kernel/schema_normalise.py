"""Identifiers in their canonical form at the door, driven by the schema's ``format``.

A user types ``１１０１０１…``, ``…031x`` or ``+86 138-0013-8000``; the issuer writes
``…031X`` and ``13800138000`` (``shared/reference/identifiers.md`` §0). If the stored document
kept what was typed, every rule, every comparison with the server's records (the national
register, the account's mobile) and every mask would have to repeat the normalisation, and one
that forgot would decide on the wrong value. So the document is rewritten once, before it is
validated or stored: each string under a ``format`` whose checker returns the canonical form
(``govflow_formats``) is replaced by it. A value its format refuses stays as typed, so that
validation names the field and the reason. Field names play no part: only the schema's
``format`` does.

The walk follows ``properties``, ``additionalProperties``, ``items``, ``prefixItems``,
``$ref`` and every combinator (``allOf``/``anyOf``/``oneOf``, ``then``/``else``,
``dependentSchemas``). The branches are merged, not chosen: a field that is a resident ID in
one branch and a passport number in another is normalised by each format that accepts it,
which agree (both trim, map full width and upper-case).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import referencing

FormatCheck = Callable[[str], object]

#: Deeper schemas (recursive ``$ref``) or documents are not walked further; bodies are refused
#: past 32 levels anyway (kernel/api/http.py).
MAX_DEPTH = 32


@dataclass
class Plan:
    """Where in a document the formats apply: the formats here, then per property or item."""

    formats: list[str] = field(default_factory=list)
    properties: dict[str, Plan] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)  # every named property, with formats or not
    additional: Plan | None = None
    items: Plan | None = None
    prefix_items: list[Plan] = field(default_factory=list)

    def empty(self) -> bool:
        return not (
            self.formats or self.properties or self.additional or self.items or self.prefix_items
        )


def plan_of(
    schema: Any, formats: Mapping[str, FormatCheck], resolver: referencing.Resolver | None = None
) -> Plan | None:
    """The plan of ``schema`` for the formats in ``formats``; None if no such format is used."""
    plan = Plan()
    _build(schema, resolver, formats, plan, 0)
    return _pruned(plan)


def normalise(plan: Plan | None, value: Any, formats: Mapping[str, FormatCheck]) -> Any:
    """``value`` with each identifier in its canonical form; ``value`` itself is not changed."""
    if plan is None:
        return value
    return _apply(plan, value, formats, 0)


def normalise_against(
    schema: Mapping[str, Any], value: Any, formats: Mapping[str, FormatCheck]
) -> Any:
    """For an inline schema without ``$ref`` (a transition's input, a route's body)."""
    return normalise(plan_of(schema, formats), value, formats)


def _build(
    schema: Any,
    resolver: referencing.Resolver | None,
    formats: Mapping[str, FormatCheck],
    plan: Plan,
    depth: int,
) -> None:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return
    if "$ref" in schema and resolver is not None:
        resolved = resolver.lookup(schema["$ref"])
        _build(resolved.contents, resolved.resolver, formats, plan, depth + 1)
    name = schema.get("format")
    if isinstance(name, str) and name in formats and name not in plan.formats:
        plan.formats.append(name)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, ()):
            _build(sub, resolver, formats, plan, depth + 1)
    for key in ("then", "else"):
        _build(schema.get(key), resolver, formats, plan, depth + 1)
    for sub in (schema.get("dependentSchemas") or {}).values():
        _build(sub, resolver, formats, plan, depth + 1)
    _build_children(schema, resolver, formats, plan, depth)


def _build_children(
    schema: dict[str, Any],
    resolver: referencing.Resolver | None,
    formats: Mapping[str, FormatCheck],
    plan: Plan,
    depth: int,
) -> None:
    """The plans of the properties and items ``schema`` names."""
    for name, sub in (schema.get("properties") or {}).items():
        plan.declared.add(name)
        _build(sub, resolver, formats, plan.properties.setdefault(name, Plan()), depth + 1)
    if isinstance(schema.get("additionalProperties"), dict):
        plan.additional = plan.additional or Plan()
        _build(schema["additionalProperties"], resolver, formats, plan.additional, depth + 1)
    if isinstance(schema.get("items"), dict):
        plan.items = plan.items or Plan()
        _build(schema["items"], resolver, formats, plan.items, depth + 1)
    for index, sub in enumerate(schema.get("prefixItems") or ()):
        while len(plan.prefix_items) <= index:
            plan.prefix_items.append(Plan())
        _build(sub, resolver, formats, plan.prefix_items[index], depth + 1)


def _pruned(plan: Plan | None) -> Plan | None:
    if plan is None:
        return None
    plan.properties = {k: p for k, v in plan.properties.items() if (p := _pruned(v))}
    plan.additional = _pruned(plan.additional)
    plan.items = _pruned(plan.items)
    prefix = [_pruned(p) or Plan() for p in plan.prefix_items]
    plan.prefix_items = prefix if any(not p.empty() for p in prefix) else []
    return None if plan.empty() else plan


def _apply(plan: Plan, value: Any, formats: Mapping[str, FormatCheck], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, str):
        return _canonical(value, plan.formats, formats)
    if isinstance(value, dict) and (plan.properties or plan.additional):
        out = dict(value)
        for key, item in value.items():
            sub = plan.properties.get(key) if key in plan.declared else plan.additional
            if sub is not None:
                out[key] = _apply(sub, item, formats, depth + 1)
        return out
    if isinstance(value, list) and (plan.items or plan.prefix_items):
        out_list = list(value)
        for index, item in enumerate(value):
            sub = plan.prefix_items[index] if index < len(plan.prefix_items) else plan.items
            if sub is not None:
                out_list[index] = _apply(sub, item, formats, depth + 1)
        return out_list
    return value


def _canonical(value: str, names: list[str], formats: Mapping[str, FormatCheck]) -> str:
    """The value as each format that accepts it writes it, in the order the schema names them."""
    for name in names:
        try:
            written = formats[name](value)
        except ValueError:
            continue  # left as typed: validation names the field and the reason
        if isinstance(written, str):
            value = written
    return value
