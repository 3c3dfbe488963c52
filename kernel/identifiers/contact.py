"""Mobile, landline/fax, postal code and e-mail (identifiers.md §5).

phonenumbers has good Chinese metadata but tolerates a trunk 0, non-ASCII digits and local
numbers starting with 0/1, so a strict regex decides the syntax and phonenumbers the ranges.
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import PhoneNumberType

from .errors import InvalidIdentifier
from .normalise import ALPHANUMERIC, prepare, require, require_match

# --- Mobile -----------------------------------------------------------------------------

_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[0-9]{10})")
_PHONE_CHARS = re.compile(r"\+?[0-9]+")
_PHONE_SEPARATORS = re.compile(r"[ -]")
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def _mobile_syntax_reason(compact: str) -> str:
    """Explain why a compacted number failed the mobile regex, most useful reason first."""
    if _PHONE_CHARS.fullmatch(compact) is None:
        return "format"
    national = re.sub(r"^(?:\+86|0086)", "", compact)
    if national.startswith("+") or not national.startswith("1"):
        return "prefix"
    return "length"


def validate_mobile_cn(value: str) -> str:
    """Mainland mobile number, stored as the 11 national digits (no country prefix)."""
    kind = "mobile_cn"
    compact = _PHONE_SEPARATORS.sub("", prepare(kind, value, fold_case=False))
    match = _MOBILE.fullmatch(compact)
    if match is None:
        raise InvalidIdentifier(kind, _mobile_syntax_reason(compact))
    national = match.group(1)
    number = phonenumbers.parse(national, "CN")
    # A mobile type implies a valid number: +86 is China's alone, so ``is_valid_number`` would
    # only match the same ranges again (it was half of this function's time).
    require(kind, "range", phonenumbers.number_type(number) in _MOBILE_TYPES)
    return national


# --- Landline / fax ------------------------------------------------------------------------

# identifiers.md §5.2 regex, with named groups so we can tell whether the user separated the
# area code explicitly (then it must be the real one) or ran all digits together.
_LANDLINE = re.compile(
    r"(?:(?:\+86|0086)[ -]?(?P<intl>[1-9][0-9]{1,2})"
    r"|\((?P<paren>0[1-9][0-9]{1,2})\)"
    r"|(?P<plain>0[1-9][0-9]{1,2}))"
    r"(?P<sep>[ -]?)(?P<local>[0-9]{7,8})"
    r"(?:(?:-|转|ext\.?|x|#)(?P<ext>[0-9]{1,6}))?",
    re.IGNORECASE,
)
_LOCAL_NUMBER = re.compile(r"[2-9][0-9]{6,7}")


def _written_area(match: re.Match[str]) -> str:
    """The area code as typed, without trunk 0."""
    if match.group("intl"):
        return match.group("intl")
    return (match.group("paren") or match.group("plain"))[1:]


def _split_area(kind: str, national: str) -> tuple[str, str]:
    """Split national significant digits into area code and local number via phonenumbers."""
    number = phonenumbers.parse("0" + national, "CN")
    require(kind, "range", phonenumbers.is_valid_number(number))
    require(kind, "range", phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE)
    area_len = phonenumbers.length_of_geographical_area_code(number)
    require(kind, "range", area_len > 0)
    return national[:area_len], national[area_len:]


def validate_landline_cn(value: str) -> str:
    """Landline or fax, stored as ``0AREA-LOCAL`` plus ``-EXT`` when an extension was given.

    400/800 numbers are non-geographic and rejected (policy).
    """
    kind = "landline_cn"
    match = require_match(kind, "format", _LANDLINE, prepare(kind, value, fold_case=False))
    written = _written_area(match)
    area, local = _split_area(kind, written + match.group("local"))
    explicit = bool(match.group("paren") or match.group("sep"))
    require(kind, "format", area == written or not explicit)
    require_match(kind, "local-number", _LOCAL_NUMBER, local)
    canonical = f"0{area}-{local}"
    return f"{canonical}-{match.group('ext')}" if match.group("ext") else canonical


# --- Postal code ---------------------------------------------------------------------------

_POSTAL_CODE = re.compile(r"[0-8][0-9]{5}")
_DIGITS = re.compile(r"[0-9]+")


def validate_postal_code_cn(value: str) -> str:
    """Six-digit mainland postal code, kept as text for its leading zeros (Hohhot 010000)."""
    kind = "postal_code_cn"
    code = prepare(kind, value)
    require_match(kind, "alphabet", ALPHANUMERIC, code)
    require(kind, "length", len(code) == 6)
    require_match(kind, "format", _DIGITS, code)
    require_match(kind, "prefix", _POSTAL_CODE, code)
    return code


# --- E-mail --------------------------------------------------------------------------------


def validate_email_address(value: str) -> str:
    """E-mail per §5.4; returns email_validator's ``normalized`` form (domain lower-cased and in
    Unicode, local part as typed).

    No DNS lookup: the service runs without network. SMTPUTF8 is refused because many domestic
    mail systems cannot deliver to non-ASCII local parts; Chinese domains stay valid.
    """
    kind = "email"
    text = prepare(kind, value, fold_case=False)
    local, _, _ = text.rpartition("@")
    require(kind, "alphabet", local.isascii())
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False, strict=True)
    except EmailNotValidError as exc:
        raise InvalidIdentifier(kind, "format") from exc
    return result.normalized
