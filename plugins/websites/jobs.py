"""The scheduled re-check of mounted codes (WS-06, WS-07), run by the system actor.

Every day each approved site is crawled again, as the on-demand check does. A site waiting for
its code that now has it on every page is listed (``confirm_mount``, through the same rules as
a person's step); a listed site whose code is gone from a page leaves the list (``unlist``,
the reply naming the pages) until it is mounted again.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kernel import Job, Text, hookimpl

from .models import IdentificationCode
from .mounting import CHECKED_STATES, check_site

if TYPE_CHECKING:
    from kernel import JobContext

RECHECK = "websites.mount-recheck"


async def recheck(jobs: JobContext) -> None:
    """Crawl every approved site once, and list or unlist it by what the crawl found."""
    codes = await IdentificationCode.all().order_by("id").prefetch_related("application")
    for code in codes:
        application = code.application
        if application.state not in CHECKED_STATES:
            continue
        result = await check_site(
            application.id, application.data, jobs.adapters, jobs.actor.account.id
        )
        if result is None:
            continue
        if application.state == "awaiting_mount" and result["mounted"]:
            await jobs.transition(application.id, "confirm_mount")
        elif application.state == "listed" and not result["mounted"]:
            await jobs.transition(application.id, "unlist", reply=unlist_reason(result))


def unlist_reason(result: dict) -> str:
    """Why the re-check takes a site off the list, naming the pages (the unit's reply)."""
    missing = result["pages_missing_code"] + result["pages_code_after_body_end"]
    if missing:
        return f"复查未在以下网页的</body>前检测到网站标识代码：{'、'.join(missing)}"
    if result["pages_not_reached"]:
        return f"复查在规定时间内未能访问以下网页：{'、'.join(result['pages_not_reached'])}"
    return "复查时网站无法访问"


@hookimpl
def govflow_jobs() -> list[Job]:
    return [
        Job(
            RECHECK,
            recheck,
            every=dt.timedelta(days=1),
            title=Text("网站标识挂标复查", "Scheduled re-check of mounted identification codes"),
        )
    ]
