"""The intermediate form rule files compile to.

It is deliberately small and back-end neutral: the durable_rules back end and the plain-Python
reference evaluator both read it, so either can be checked against the other, and a back end can
be swapped without touching rule files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

OutcomeKind = Literal["violation", "requirement", "notice"]
FieldType = Literal["string", "number", "boolean", "date", "any"]

#: Operators of a field test. ``matches`` is evaluated in Python while facts are built (see
#: ``facts.py``); the engine only sees the boolean it produced.
OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "lt",
    "lte",
    "gt",
    "gte",
    "matches",
    "exists",
    "absent",
)


@dataclass(frozen=True)
class Text:
    """A user-facing text, Chinese first."""

    zh: str
    en: str

    def format(self, **params: Any) -> Text:
        """Fill ``{name}`` placeholders; unknown names are left as they are."""
        return Text(_fill(self.zh, params), _fill(self.en, params))

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


def _fill(template: str, params: dict[str, Any]) -> str:
    class Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    shown = {k: "、".join(map(str, v)) if isinstance(v, list) else v for k, v in params.items()}
    return template.format_map(Keep(shown))


@dataclass(frozen=True)
class Ref:
    """The value of a field of a fact bound earlier in the same rule."""

    alias: str
    field: str


@dataclass(frozen=True)
class Test:
    """One test on one field of one fact."""

    field: str
    op: str
    value: Any = None
    line: int = 0


@dataclass(frozen=True)
class AllOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Expr, ...]


Expr = Test | AllOf | AnyOf


@dataclass(frozen=True)
class Pattern:
    """A fact of ``kind`` passing ``test``; negated, there must be no such fact."""

    kind: str
    alias: str
    test: Expr | None
    negated: bool = False


@dataclass(frozen=True)
class Alternative:
    """One conjunction of patterns; a rule holds when any of its alternatives does."""

    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class LegalBasis:
    document: str
    article: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"document": self.document, "article": self.article}


@dataclass(frozen=True)
class Rule:
    id: str
    kind: OutcomeKind
    message: Text
    alternatives: tuple[Alternative, ...]
    fields: tuple[str, ...] = ()
    requirement: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    basis: LegalBasis | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    source: str = ""

    def in_force(self, as_of: dt.date) -> bool:
        if self.effective_from and as_of < self.effective_from:
            return False
        return not (self.effective_until and as_of > self.effective_until)


@dataclass(frozen=True)
class MatchKey:
    """A ``matches`` test turned into a derived boolean field of the fact."""

    kind: str
    field: str
    pattern: str
    key: str


@dataclass(frozen=True)
class RuleSet:
    """One rule file, compiled."""

    name: str
    process: str
    title: Text
    rules: tuple[Rule, ...]
    #: kind -> field -> type: the only fields a fact of that kind carries into the engine.
    shape: dict[str, dict[str, FieldType]]
    match_keys: tuple[MatchKey, ...]
    path: str
    sha256: str
    description: str = ""
