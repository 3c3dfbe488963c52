"""The mount check of WS-06: crawl an approved site and record, page by page, where the code is.

One function for the route a unit or a reviewer calls (挂标检测) and for the scheduled
re-check of the system actor, so both record the same thing: every page fetched, each with
whether the code is on it and before ``</body>``, and the pages the time bound left unfetched;
``mounted`` only when the site answered, every page was fetched and every page has it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import clock

from .context import DNS, FETCHER, resolve_domains, site_address, site_host
from .models import IdentificationCode, MountCheck

#: The states an approved application is in while its code is, or should be, on the site.
CHECKED_STATES = ("awaiting_mount", "listed")


def snippet(code: str, origin: str) -> str:
    """What the unit pastes before ``</body>`` on every page (标识管理): the mark, linking to
    the site's verification page (WS-07: 点击该标识，可验证该网站相关信息)."""
    return (
        f'<span id="_govflow_mark_{code}"><a href="{origin}/api/websites/public/verify/{code}" '
        f'target="_blank" title="党政机关网站标识"><img src="{origin}/api/websites/public/badge/'
        f'{code}.svg" alt="党政机关网站 {code}" width="110" height="55"></a></span>'
    )


def summary(check: MountCheck, code: str) -> dict[str, Any]:
    """A check as the unit reads it: the pages named by what is wrong with them."""
    pages = list(check.pages or ())
    return {
        "identification_code": code,
        "checked_at": check.checked_at.isoformat(),
        "reachable": check.reachable,
        "mounted": check.mounted,
        "pages_checked": len(pages),
        "pages_missing_code": [p["url"] for p in pages if not p.get("found")],
        "pages_code_after_body_end": [
            p["url"] for p in pages if p.get("found") and not p.get("before_body_end")
        ],
        "pages_not_reached": list(check.pages_not_reached or ()),
        "pages": pages,
    }


async def check_site(
    application_id: int, data: Mapping[str, Any], adapters: Mapping[str, Any], actor_id: int
) -> dict[str, Any] | None:
    """Crawl the site of an approved application and record the result; ``None`` when no
    code was issued to it."""
    issued = await IdentificationCode.get_or_none(application_id=application_id)
    if issued is None:
        return None
    host = site_host(data)
    address = site_address(data, await resolve_domains(data, adapters[DNS]))
    if host is None or address is None:
        result: dict[str, Any] = {"reachable": False, "pages": []}
    else:
        result = await adapters[FETCHER].crawl(host, address, issued.code)
    pages = list(result.get("pages") or ())
    not_reached = list(result.get("not_reached") or ())
    mounted = bool(
        result.get("reachable")
        and pages
        and not not_reached
        and all(p.get("found") and p.get("before_body_end") for p in pages)
    )
    check = await MountCheck.create(
        application_id=application_id,
        checked_at=clock.now(),
        reachable=bool(result.get("reachable")),
        pages=pages,
        pages_not_reached=not_reached,
        mounted=mounted,
        checked_by_id=actor_id,
    )
    return summary(check, issued.code)
