"""Passwords of foreignwork accounts (FW-03, FW-04): the policy, its strength, new ones.

The policy is the seed's (at least 8 characters, at least 3 of upper case, lower case, digits
and special characters: identifiers.md policy B, the kernel's ``password_b``). The strength
meter (弱 / 中 / 强) is ours, the seed shows one without saying how it judges: weak = fails
the policy; strong = all four classes and at least 12 characters; medium otherwise.
"""

from __future__ import annotations

import secrets
import string

from kernel import InvalidIdentifier, validate_identifier

_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, string.punctuation)


def meets_policy(password: str) -> bool:
    try:
        validate_identifier("password_b", password)
    except InvalidIdentifier:
        return False
    return True


def strength(password: str) -> str:
    """``weak`` | ``medium`` | ``strong`` (密码强度: 弱 / 中 / 强)."""
    if not meets_policy(password):
        return "weak"
    classes = sum(any(c in chars for c in password) for chars in _CLASSES)
    return "strong" if classes == 4 and len(password) >= 12 else "medium"


STRENGTH_ZH = {"weak": "弱", "medium": "中", "strong": "强"}


def new_password() -> str:
    """A random password of 14 characters from all four classes, for an approved appeal."""
    picks = [secrets.choice(chars) for chars in _CLASSES]
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*"
    picks += [secrets.choice(alphabet) for _ in range(10)]
    secrets.SystemRandom().shuffle(picks)
    return "".join(picks)
