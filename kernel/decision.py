"""What every evaluation answers: the outcomes, and exactly which rules produced them.

Schema errors and rule outcomes share this one shape, so a client shows both the same way and
an audit record can always say which version of which rule decided a case, and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .rules.model import LegalBasis, Text

BLOCKING = ("violation", "requirement")


@dataclass(frozen=True)
class Outcome:
    """One thing the applicant is told: a violation, a requirement or a notice."""

    rule: str
    kind: str
    message: Text
    fields: tuple[str, ...] = ()
    requirement: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    basis: LegalBasis | None = None
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A copy of the outcome's dict (the texts and params inside are shared, read-only)."""
        return dict(self._dict)

    @cached_property
    def _dict(self) -> dict[str, Any]:
        """Made once: a rule's outcome is one object for as long as its rule file is loaded
        (``Loaded.outcomes``), and it is answered in every decision where the rule holds."""
        return {
            "rule": self.rule,
            "kind": self.kind,
            "fields": list(self.fields),
            "message": self.message.as_dict(),
            "requirement": self.requirement,
            "params": self.params,
            "basis": self.basis.as_dict() if self.basis else None,
            "source": self.source,
        }


@dataclass(frozen=True)
class RulesetUsed:
    name: str
    sha256: str
    source: str
    version: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "source": self.source,
            "version": self.version,
        }


@dataclass(frozen=True)
class Decision:
    """The answer of one evaluation, as of a date; every outcome at once (一次性告知)."""

    as_of: dt.date
    rulesets: tuple[RulesetUsed, ...]
    outcomes: tuple[Outcome, ...]

    @property
    def blocking(self) -> tuple[Outcome, ...]:
        """Outcomes that stop a transition: violations and unmet requirements."""
        return tuple(o for o in self.outcomes if o.kind in BLOCKING)

    @property
    def ok(self) -> bool:
        return not self.blocking

    def rule_ids(self) -> set[str]:
        return {o.rule for o in self.outcomes}

    def merged(self, other: Decision) -> Decision:
        return Decision(self.as_of, self.rulesets + other.rulesets, self.outcomes + other.outcomes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "ok": self.ok,
            "rulesets": [r.as_dict() for r in self.rulesets],
            "outcomes": [o.as_dict() for o in self.outcomes],
        }
