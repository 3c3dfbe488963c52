"""Validation of Chinese identifiers and contact formats (shared/reference/identifiers.md).

Every validator takes the raw user string and returns the canonical value to store, or raises
:class:`InvalidIdentifier`. Look validators up by the vector type name in :data:`VALIDATORS`
so rule files can refer to a type by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from .answers import one_decision, remembered
from .contact import (
    validate_email_address,
    validate_landline_cn,
    validate_mobile_cn,
    validate_postal_code_cn,
)
from .divisions import validate_admin_division_code
from .documents import (
    validate_exit_entry_permit_hk_macao,
    validate_exit_entry_permit_taiwan,
    validate_foreign_permanent_resident_id,
    validate_mainland_travel_permit_hk_macao,
    validate_mainland_travel_permit_taiwan,
    validate_passport_foreign,
    validate_residence_permit_hmt,
    validate_resident_id,
    validate_uscc,
)
from .errors import InvalidIdentifier
from .network import validate_ip_public, validate_public_sector_domain
from .normalise import normalise_identifier, normalise_text
from .passwords import validate_password_a, validate_password_b

Validator = Callable[[str], str]

_CHECKS: dict[str, Validator] = {
    "uscc": validate_uscc,
    "resident_id": validate_resident_id,
    "residence_permit_hmt": validate_residence_permit_hmt,
    "foreign_permanent_resident_id": validate_foreign_permanent_resident_id,
    "exit_entry_permit_hk_macao": validate_exit_entry_permit_hk_macao,
    "exit_entry_permit_taiwan": validate_exit_entry_permit_taiwan,
    "mainland_travel_permit_hk_macao": validate_mainland_travel_permit_hk_macao,
    "mainland_travel_permit_taiwan": validate_mainland_travel_permit_taiwan,
    "passport_foreign": validate_passport_foreign,
    "mobile_cn": validate_mobile_cn,
    "landline_cn": validate_landline_cn,
    "postal_code_cn": validate_postal_code_cn,
    "email": validate_email_address,
    "public_sector_domain": validate_public_sector_domain,
    "ip_public": validate_ip_public,
    "password_a": validate_password_a,
    "password_b": validate_password_b,
    "admin_division_code": validate_admin_division_code,
}
#: By kind; each answers a value once per decision (``answers.one_decision``).
VALIDATORS: Mapping[str, Validator] = MappingProxyType(
    {kind: remembered(kind, check) for kind, check in _CHECKS.items()}
)


def validate(kind: str, value: str) -> str:
    """Validate by type name, so callers driven by rule files need no per-type imports.

    Raises KeyError for an unknown ``kind`` (a configuration error, not a user error).
    """
    return VALIDATORS[kind](value)


__all__ = [
    "VALIDATORS",
    "InvalidIdentifier",
    "Validator",
    "normalise_identifier",
    "normalise_text",
    "one_decision",
    "remembered",
    "validate",
    "validate_admin_division_code",
    "validate_email_address",
    "validate_exit_entry_permit_hk_macao",
    "validate_exit_entry_permit_taiwan",
    "validate_foreign_permanent_resident_id",
    "validate_ip_public",
    "validate_landline_cn",
    "validate_mainland_travel_permit_hk_macao",
    "validate_mainland_travel_permit_taiwan",
    "validate_mobile_cn",
    "validate_passport_foreign",
    "validate_password_a",
    "validate_password_b",
    "validate_postal_code_cn",
    "validate_public_sector_domain",
    "validate_residence_permit_hmt",
    "validate_resident_id",
    "validate_uscc",
]
