"""The service's notion of today: China Standard Time, which has no daylight saving."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    return dt.datetime.now(CHINA)


def today() -> dt.date:
    """Rules take effect on calendar days in China, whatever the server's zone."""
    return now().date()
