"""Masking personal numbers where they are listed or logged (as the platforms show them).

Full ID and mobile numbers go only to the applicant itself and to reviewers who open the
application; lists and logs show ``1307**********031X`` and ``138****8000``.

Every identifier format the schemas declare is covered: 18- and 15-digit resident IDs (also
written in groups with spaces or hyphens), mobiles (with +86, spaces or hyphens), permits and
passports with a leading letter. Full-width digits and letters are read as their ASCII forms
first (identifiers.md §1.2), so ``１３８００１３８０００`` is masked like ``13800138000``.
"""

from __future__ import annotations

import re
from typing import Any

# Full-width digits and Latin letters, and the ideographic space: their ASCII forms. Other
# full-width forms (，：（）) stay as typed: they are Chinese punctuation, not identifiers.
_HALF_WIDTH = {
    **{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)},
    **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)},
    **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)},
    0x3000: 0x20,
    0xFF0D: 0x2D,  # full-width hyphen-minus, between groups of digits
}
_SEP = r"[ -]?"
# 18-character ID-like numbers (resident ID, HMT residence permit, 2023 permanent residence),
# as one run or in groups (6-8-4, 4-4-4-4-2 …).
_ID = re.compile(
    r"(?<![0-9A-Za-z])([0-9]{4})(?:"
    + _SEP
    + r"[0-9]){10}((?:"
    + _SEP
    + r"[0-9]){3}"
    + _SEP
    + r"[0-9Xx])(?![0-9A-Za-z])"
)
# 15-digit resident IDs (issued before 1999).
_ID15 = re.compile(
    r"(?<![0-9A-Za-z])([0-9]{4})(?:" + _SEP + r"[0-9]){8}" + _SEP + r"([0-9]{3})(?![0-9A-Za-z])"
)
# A mobile may be written with the country code and with spaces or hyphens between groups.
_MOBILE = re.compile(r"(?<![0-9])((?:\+?86[ -]?)?1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9])")
# Permits (C, L, H, M …) and passports (E, G, D, S, P; 2nd letter optional): letter(s), digits.
_PERMIT = re.compile(
    r"(?<![0-9A-Za-z])([CLHMEGDSPcelhmgdsp][A-Za-z]?)[0-9]{4,7}([0-9]{2})(?![0-9A-Za-z])"
)


#: Every number masked above has four digits in a row: text without them has none to mask.
_FOUR_DIGITS = re.compile(r"[0-9]{4}")


def mask_text(text: str) -> str:
    text = text.translate(_HALF_WIDTH)
    if _FOUR_DIGITS.search(text) is None:  # most log fields: a route, a method, a name
        return text
    text = _ID.sub(lambda m: f"{m[1]}{'*' * 10}{re.sub('[ -]', '', m[2])}", text)
    text = _MOBILE.sub(lambda m: f"{m[1]}****{m[2]}", text)
    text = _ID15.sub(lambda m: f"{m[1]}{'*' * 8}{m[2]}", text)
    return _PERMIT.sub(lambda m: f"{m[1]}******{m[2]}", text)


def mask(value: Any) -> Any:
    """``value`` with every personal number inside it masked, whatever its nesting.

    Without recursion: a draft nested 500 deep used to make every list that held it answer
    500 (bodies are now refused past 32 levels; stored data is masked safely all the same).
    """
    root: list[Any] = [value]
    stack: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    while stack:
        parent, key, item = stack.pop()
        if isinstance(item, str):
            parent[key] = mask_text(item)
        elif isinstance(item, dict):
            copy = dict(item)
            parent[key] = copy
            stack.extend((copy, k, v) for k, v in item.items())
        elif isinstance(item, list):
            copy = list(item)
            parent[key] = copy
            stack.extend((copy, i, v) for i, v in enumerate(item))
    return root[0]
