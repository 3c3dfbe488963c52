"""The national platform's real-name verification (FW-14): an outside service, an adapter.

The platform answers one question per profile: does this identity (a person's ID, or a unit's
USCC) exist under this name? ``NationalVerifier`` is that interface; the operator picks the
implementation with ``GOVFLOW_ADAPTERS=foreignwork.national_verifier=<name>``. Only ``local``
ships: the project cannot reach the national platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from kernel import Adapter, InvalidIdentifier, hookimpl, today, validate_identifier

ADAPTER = "foreignwork.national_verifier"
REGISTER = Path(__file__).parent / "national_register.yaml"

#: What the platform says when it cannot verify (seed 4.1.2).
FAILED = "实名认证失败，验证失败，请检查输入信息"


@dataclass(frozen=True)
class Answer:
    passed: bool
    #: The platform's reason when it did not pass (shown to the user, zh).
    reason: str | None = None


class NationalVerifier(Protocol):
    async def verify_person(self, document: Mapping[str, Any]) -> Answer: ...

    async def verify_unit(self, document: Mapping[str, Any]) -> Answer: ...


class LocalVerifier:
    """Stands in for the national platform's real-name verification (国家政务服务平台实名认证).

    Deterministic: it answers from ``national_register.yaml`` (the people and units the
    platform would know) and the identifiers' own check digits (MOD 11-2 of a resident ID, both
    USCC check characters): a wrong check digit, a number not in the register, another name
    than the register's, or an ID past its end of validity fails — as the seed's example of a
    deliberately false end date does.
    """

    def __init__(self, register: Path = REGISTER) -> None:
        data = yaml.safe_load(register.read_text("utf-8")) or {}
        self.persons = {
            (p["id_type"], str(p["id_number"]).upper()): p["name"] for p in data.get("persons", ())
        }
        self.units = {str(u["uscc"]).upper(): u for u in data.get("units", ())}

    async def verify_person(self, document: Mapping[str, Any]) -> Answer:
        id_type, number = document.get("id_type"), document.get("id_number")
        try:
            number = validate_identifier(id_type, number)
        except (InvalidIdentifier, KeyError, TypeError, ValueError):
            return Answer(False, FAILED)
        if self.persons.get((id_type, number.upper())) != (document.get("name") or "").strip():
            return Answer(False, FAILED)
        until = document.get("id_valid_until")
        if isinstance(until, str) and until < today().isoformat():
            return Answer(False, FAILED)
        return Answer(True)

    async def verify_unit(self, document: Mapping[str, Any]) -> Answer:
        try:
            uscc = validate_identifier("uscc", document.get("uscc"))
        except (InvalidIdentifier, TypeError, ValueError):
            return Answer(False, FAILED)
        known = self.units.get(uscc.upper())
        if known is None or known["unit_name"] != (document.get("unit_name") or "").strip():
            return Answer(False, FAILED)
        representative = (document.get("representative") or {}).get("name")
        if known.get("representative") and representative != known["representative"]:
            return Answer(False, FAILED)
        return Answer(True)


@hookimpl
def govflow_adapters() -> list[Adapter]:
    return [Adapter(ADAPTER, {"local": lambda config: LocalVerifier()}, default="local")]
