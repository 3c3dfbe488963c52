"""GB/T 2260 division codes, birth dates and MOD 11-2: the parts shared by ID-like numbers.

The code table is python-stdnum's ``cn/loc`` data (pinned 2.2) read through ``stdnum.numdb``;
we interpret its year ranges ourselves because ``stdnum.cn.ric`` applies them the wrong way
round for ID numbers and raises KeyError for unknown counties (identifiers.md §2).
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from stdnum import numdb
from stdnum.iso7064 import mod_11_2

from .errors import InvalidIdentifier
from .normalise import ALPHANUMERIC, prepare, require, require_match

# Provincial-level units of the mainland (GB/T 2260); 71/81/82 (Taiwan, HK, Macao) excluded
# on purpose — their residents hold separate documents.
MAINLAND_PROVINCES: frozenset[str] = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    ]
)

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

# One period in loc.dat looks like "[1983-1994]东矿区" or "[-2010]崇文区" or just "东城区".
_PERIOD = re.compile(r"\[([0-9]{0,4})-([0-9]{0,4})\]")

Period = tuple[int | None, int | None]


@lru_cache(maxsize=8192)
def division_periods(code: str) -> tuple[Period, ...]:
    """Return the (start, end) years a six-digit code was in use; empty if never assigned.

    ``None`` means open-ended. Cached: the table is static for a pinned stdnum.
    """
    entries = numdb.get("cn/loc").info(code)
    props = {key: val for _part, found in entries for key, val in found.items()}
    county = props.get("county")
    if not county:
        return ()
    periods: list[Period] = []
    for name in county.split(","):
        match = _PERIOD.match(name)
        if match is None:
            periods.append((None, None))
        else:
            start, end = match.groups()
            periods.append((int(start) if start else None, int(end) if end else None))
    return tuple(periods)


def is_current_division(code: str) -> bool:
    """True if some entry for the code is still open (not abolished)."""
    return any(end is None for _start, end in division_periods(code))


def division_known_in(code: str, year: int) -> bool:
    """Whether an ID number issued to someone born in ``year`` may carry this address code.

    Only abolition matters: a code created after the birth year is fine, because the number is
    assigned at first registration and never changes.
    """
    periods = division_periods(code)
    if not periods:
        return False
    ends = [end for _start, end in periods]
    return any(end is None for end in ends) or year <= max(e for e in ends if e is not None)


def parse_birth_date(kind: str, yyyymmdd: str) -> datetime.date:
    """Check a YYYYMMDD field is a real date in 1900-01-01..today (policy, §2)."""
    try:
        born = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise InvalidIdentifier(kind, "birth-date") from None
    require(kind, "birth-date", EARLIEST_BIRTH_DATE <= born <= datetime.date.today())
    return born


def require_mod_11_2(kind: str, number: str) -> None:
    """ISO 7064 MOD 11-2, the check character of every 18-character ID-style number."""
    require(kind, "check-digit", mod_11_2.is_valid(number))


_SIX_DIGITS = re.compile(r"[0-9]{6}")


def validate_admin_division_code(value: str) -> str:
    """A *current* mainland division code; abolished codes only survive inside old ID numbers."""
    kind = "admin_division_code"
    code = prepare(kind, value)
    require_match(kind, "alphabet", ALPHANUMERIC, code)
    require(kind, "length", len(code) == 6)
    require_match(kind, "format", _SIX_DIGITS, code)
    require(kind, "province", code[:2] in MAINLAND_PROVINCES)
    require(kind, "region", bool(division_periods(code)))
    require(kind, "abolished", is_current_division(code))
    return code
