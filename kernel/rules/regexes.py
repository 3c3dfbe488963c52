"""The regular expressions a rule may use in ``matches``.

They are evaluated by Python's ``re`` while facts are built, never by the engine: durable_rules
has its own dialect, crashes on wide character classes and sees JSON-escaped text (notes §2.4).
To keep a staff-written pattern from hanging a worker on hostile input, constructs that can
backtrack without bound (a repeat inside a repeat, back-references, look-arounds) are refused.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # Python 3.11 moved the parser; it is the parser ``re`` itself uses.
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}
_REFUSED = {
    sre_constants.GROUPREF: "back-references are not allowed",
    sre_constants.GROUPREF_EXISTS: "conditional groups are not allowed",
    sre_constants.ASSERT: "look-ahead and look-behind are not allowed",
    sre_constants.ASSERT_NOT: "look-ahead and look-behind are not allowed",
    sre_constants.AT: "'^', '$' and '\\b' are not needed: a pattern always matches the whole value",
}


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """``\\d`` means ASCII digits only, as policy staff expect for ID numbers."""
    return re.compile(pattern, re.ASCII)


def matches(pattern: str, value: str) -> bool:
    """Whole-value match, the way staff read a pattern."""
    return compiled(pattern).fullmatch(value) is not None


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` may not be used, or None when it is fine."""
    try:
        parsed = sre_parse.parse(pattern, re.ASCII)
        compiled(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return _walk(parsed, in_repeat=False)


def _walk(items, *, in_repeat: bool) -> str | None:
    for op, arg in items:
        if op in _REFUSED:
            return _REFUSED[op]
        if op in _REPEATS:
            low, high, body = arg
            if in_repeat and high != low:
                return "a repeated group inside a repeated group can take forever; simplify it"
            found = _walk(body, in_repeat=in_repeat or high != low)
        elif op == sre_constants.SUBPATTERN:
            found = _walk(arg[-1], in_repeat=in_repeat)
        elif op == sre_constants.BRANCH:
            found = next((p for p in (_walk(b, in_repeat=in_repeat) for b in arg[1]) if p), None)
        else:
            found = None
        if found:
            return found
    return None
