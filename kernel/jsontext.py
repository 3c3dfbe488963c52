"""JSON in and out of the service: orjson's speed with the standard library's meaning.

Every answer, log line and fact handed to the rules engine is JSON; with ``json`` the encoding
alone cost about as much as the rules engine on a dry run. orjson is several times faster, but
not the same in a few corners, and the answers must not change: so it is used where it agrees
with ``json``, and the standard library decides the rest.

- Written: UTF-8 with Chinese as itself (as ``ensure_ascii=False``), no spaces. A ``datetime``
  is written as ``str()`` writes it (``2026-12-04 19:00:00+00:00``), not as orjson's ISO form,
  as is anything else JSON has no type for (``default=str``). What orjson refuses (an integer
  beyond 64 bits, a key that is not a string, a lone surrogate) is written by ``json``. One
  difference stays, in notation only: a float from 10⁻⁹ to 10⁻⁵ is written ``0.00001``, where
  ``json`` wrote ``1e-05`` (the same number to every reader; no answer carries one).
- Read: orjson reads bytes, never a number beyond a double (``1e400``) or ``NaN``. It reads an
  integer of 20 digits as a float, losing digits, so a body with such a run of digits is read by
  ``json``, which keeps the integer; so is every body orjson refuses, so that the caller's own
  ``json`` hooks word the error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME

#: An unsigned 64-bit integer has at most 20 digits; from 19 on, leave it to ``json``.
_LONG_DIGITS = re.compile(rb"\d{19}")


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON, Chinese readable."""
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":")).encode(
            "utf-8", "surrogatepass"
        )


def dumps_text(value: Any) -> str:
    """``dumps`` as text, for what is written as text (log lines, engine messages)."""
    return dumps(value).decode("utf-8", "surrogatepass")


def loads(data: bytes, fallback: Callable[[str], Any]) -> Any:
    """``data`` read by orjson, or by ``fallback`` (the caller's ``json.loads``, with its hooks
    and limits) for what orjson would read differently or refuses. Raises what ``fallback``
    raises, ``UnicodeDecodeError`` for bytes that are not UTF-8."""
    if not _LONG_DIGITS.search(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return fallback(data.decode("utf-8"))
