"""Input normalisation (identifiers.md §0) shared by every validator except passwords.

Libraries such as stdnum and phonenumbers fold some non-ASCII digits themselves and not others,
so we normalise exactly once, narrowly, and validate the result with strict ASCII regexes.
"""

from __future__ import annotations

import re
import string

from .errors import InvalidIdentifier

# U+FF01..U+FF5E -> U+0021..U+007E, U+3000 -> space. Deliberately no NFKC: circled,
# mathematical-bold or Arabic-Indic digits must stay visible so they make the value invalid.
_FULLWIDTH_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH_TABLE[0x3000] = 0x20
# ASCII-only upper-casing: str.upper() would turn "ſ" (long s), "ı" or "ﬀ" into ASCII letters.
_ASCII_UPPER_TABLE = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def normalise_text(value: str) -> str:
    """Trim and map full-width ASCII, but keep case.

    For values whose case rules belong to another standard (e-mail local parts, domains,
    phone extensions) — steps 1–2 of §0.
    """
    return value.strip().translate(_FULLWIDTH_TABLE)


def normalise_identifier(value: str) -> str:
    """Normalise a document number or code: users type ``x``/full-width forms; issuers do not.

    Steps 1–3 of §0. Internal separators are kept so that they make the value invalid.
    """
    return normalise_text(value).translate(_ASCII_UPPER_TABLE)


def prepare(kind: str, value: object, *, fold_case: bool = True) -> str:
    """Normalise and reject non-text or empty input before any type-specific rule runs."""
    if not isinstance(value, str):
        raise InvalidIdentifier(kind, "type")
    text = normalise_identifier(value) if fold_case else normalise_text(value)
    if not text:
        raise InvalidIdentifier(kind, "empty")
    return text


def require(kind: str, reason: str, condition: bool) -> None:
    """Raise unless ``condition`` holds; keeps validators a flat list of rules."""
    if not condition:
        raise InvalidIdentifier(kind, reason)


# Every document number and code is ASCII letters/digits only; checked first so that a stray
# hyphen, bracket or space is reported as such rather than as a wrong length.
ALPHANUMERIC = re.compile(r"[0-9A-Z]+")


def require_match(kind: str, reason: str, pattern: re.Pattern[str], text: str) -> re.Match[str]:
    """Full-match ``pattern`` (never ``re.match``: ``$`` would accept a trailing newline)."""
    match = pattern.fullmatch(text)
    if match is None:
        raise InvalidIdentifier(kind, reason)
    return match
