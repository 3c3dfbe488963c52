"""Masking personal numbers where they are listed or logged (as the platforms show them).

Full ID and mobile numbers go only to the applicant itself and to reviewers who open the
application; lists and logs show ``1307**********031X`` and ``138****8000``.
"""

from __future__ import annotations

import re
from typing import Any

# 18-character ID-like numbers (resident ID, HMT residence permit, 2023 permanent residence),
# 11-digit mobiles, and the shorter permits/passports written with a leading letter.
_ID = re.compile(r"(?<![0-9A-Za-z])([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
# A mobile may be written with the country code and with spaces or hyphens between groups.
_MOBILE = re.compile(r"(?<![0-9])((?:\+?86[ -]?)?1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9])")
_PERMIT = re.compile(r"(?<![0-9A-Za-z])([CLHMcl][A-Za-z]?)[0-9]{4,6}([0-9]{2})(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    text = _ID.sub(lambda m: f"{m[1]}{'*' * 10}{m[2]}", text)
    text = _MOBILE.sub(lambda m: f"{m[1]}****{m[2]}", text)
    return _PERMIT.sub(lambda m: f"{m[1]}******{m[2]}", text)


def mask(value: Any) -> Any:
    """``value`` with every personal number inside it masked, whatever its nesting."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value
