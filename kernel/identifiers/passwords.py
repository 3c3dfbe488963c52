"""Password composition policies (identifiers.md §7).

Passwords are never trimmed, width-mapped or case-folded: a silently changed password would stop
matching what the user believes they set. Strength checks beyond the stated rule are out of scope.
"""

from __future__ import annotations

import re
import string

from .errors import InvalidIdentifier
from .normalise import require

_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+")  # half-width, no space
PASSWORD_B_MAX_LENGTH = 128  # bounds work; not a user-facing restriction in practice

# Policy B character classes; special = the 32 ASCII punctuation characters.
PASSWORD_CLASSES: tuple[frozenset[str], ...] = (
    frozenset(string.ascii_uppercase),
    frozenset(string.ascii_lowercase),
    frozenset(string.digits),
    frozenset(string.punctuation),
)


def _password(kind: str, value: str, min_len: int, max_len: int) -> str:
    if not isinstance(value, str):
        raise InvalidIdentifier(kind, "type")
    require(kind, "length", min_len <= len(value) <= max_len)
    # fullmatch, not match + "$": a trailing newline must not slip through.
    require(kind, "alphabet", _PRINTABLE_ASCII.fullmatch(value) is not None)
    return value


def _class_count(value: str) -> int:
    return sum(1 for chars in PASSWORD_CLASSES if chars.intersection(value))


def validate_password_a(value: str) -> str:
    """Policy A: 8–16 half-width characters mixing letters and digits."""
    kind = "password_a"
    password = _password(kind, value, 8, 16)
    has_letter = any(c in string.ascii_letters for c in password)
    has_digit = any(c in string.digits for c in password)
    require(kind, "classes", has_letter and has_digit)
    return password


def validate_password_b(value: str) -> str:
    """Policy B: at least 8 printable ASCII characters from at least 3 of 4 classes."""
    kind = "password_b"
    password = _password(kind, value, 8, PASSWORD_B_MAX_LENGTH)
    require(kind, "classes", _class_count(password) >= 3)
    return password
