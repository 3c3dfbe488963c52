"""WS-07: the public listing of approved websites with their mark mounted, without login.

审核通过并加挂网站标识成功的党政机关网站 are listed by region (the regions of the registration
form), newest approval first (此公示表按审核通过时间排序，最近通过审核的网站列前), searchable by
website name, paginated: the website name as a link to the site, and the host unit. Each site
has a verification page showing its registered information, reached from its mark (点击该标识，
可验证该网站相关信息), and the mark itself as an embeddable SVG badge. Served as JSON and as
server-rendered HTML from the Jinja templates in ``templates/``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from kernel import Call, NotFound, Route, Text, field_error

from .context import site_host
from .models import IdentificationCode
from .regions import AREAS, area_of

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
PER_PAGE = 20
MAX_PER_PAGE = 100


def origin(request: web.Request) -> str:
    """Scheme and host this service was reached at: the links of the snippet point here."""
    return f"{request.scheme}://{request.host}"


def _site(code: IdentificationCode) -> dict[str, Any]:
    data = code.application.data
    host = site_host(data)
    return {
        "identification_code": code.code,
        "website_name": data.get("website_name"),
        "unit_name": data.get("unit_name"),
        "url": f"http://{host}/" if host else None,
        "chinese_domain": data.get("chinese_domain"),
        "english_domain": data.get("english_domain"),
        "region": code.region,
        "area": area_of(code.region),
        "approved_at": code.issued_at.isoformat(),
        "listed_at": code.listed_at.isoformat() if code.listed_at else None,
        "verify_url": f"/api/websites/public/verify/{code.code}",
    }


def _page_arguments(call: Call) -> tuple[str | None, str, int, int]:
    q = call.request.query
    region = q.get("region") or None
    if region is not None and region not in AREAS.values():
        raise field_error("/region", "websites.public.region", "没有该地区", "No such region")
    try:
        page = max(1, int(q.get("page", "1")))
        per_page = min(MAX_PER_PAGE, max(1, int(q.get("per_page", str(PER_PAGE)))))
    except ValueError:
        raise field_error(
            "/page", "request.integer", "页码应为数字", "page must be a number"
        ) from None
    return region, (q.get("q") or "").strip(), page, per_page


async def listing(region: str | None, search: str, page: int, per_page: int) -> dict[str, Any]:
    """The listed sites of ``region`` whose name contains ``search``, newest approval first."""
    query = IdentificationCode.filter(listed_at__isnull=False)
    if region is not None:
        query = query.filter(region__startswith=region[:2])
    codes = await query.order_by("-issued_at", "-id").prefetch_related("application")
    sites = [
        _site(c)
        for c in codes
        if c.application.state == "listed"
        and (not search or search in str(c.application.data.get("website_name") or ""))
    ]
    pages = max(1, math.ceil(len(sites) / per_page))
    start = (page - 1) * per_page
    return {
        "region": region,
        "area": area_of(region),
        "q": search,
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "total": len(sites),
        "items": sites[start : start + per_page],
    }


async def sites_json(call: Call) -> dict[str, Any]:
    return await listing(*_page_arguments(call))


async def sites_html(call: Call) -> web.Response:
    region, search, page, per_page = _page_arguments(call)
    found = await listing(region, search, page, per_page)

    def link(**changes: Any) -> str:
        shown = per_page if per_page != PER_PAGE else None
        args = {"region": region, "q": search, "per_page": shown, "page": page} | changes
        return "?" + urlencode({k: v for k, v in args.items() if v not in (None, "")})

    html = TEMPLATES.get_template("sites.html").render(
        listing=found, areas=AREAS, link=link, page=page
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def _listed(code: str) -> IdentificationCode:
    found = await IdentificationCode.get_or_none(code=code).prefetch_related("application")
    if found is None or found.listed_at is None or found.application.state != "listed":
        raise NotFound(f"{code} is not the code of a listed website")
    return found


async def verify_json(call: Call) -> dict[str, Any]:
    found = await _listed(call.request.match_info["code"])
    return _verification(found)


def _verification(found: IdentificationCode) -> dict[str, Any]:
    data = found.application.data
    return {
        **_site(found),
        "system_category": data.get("system_category"),
        "application_type": data.get("application_type"),
        "ipv4": data.get("ipv4"),
        "website_intro": data.get("website_intro"),
    }


async def verify_html(call: Call) -> web.Response:
    found = await _listed(call.request.match_info["code"])
    html = TEMPLATES.get_template("verify.html").render(site=_verification(found))
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def badge(call: Call) -> web.Response:
    """The mark a site embeds: an SVG naming the code, served for listed sites only."""
    found = await _listed(call.request.match_info["code"])
    svg = TEMPLATES.get_template("badge.svg").render(code=found.code)
    return web.Response(
        text=svg, content_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"}
    )


def routes() -> list[Route]:
    return [
        Route(
            "GET",
            "public/sites",
            sites_json,
            Text("党政机关网站公示", "Listed party and government websites"),
            access="anonymous",
        ),
        Route(
            "GET",
            "public/sites.html",
            sites_html,
            Text("党政机关网站公示（网页）", "Listed party and government websites (page)"),
            access="anonymous",
            response_media="text/html",
        ),
        Route(
            "GET",
            "public/verify/{code:[0-9]{10}}.json",
            verify_json,
            Text("网站标识验证", "Verify a website's mark"),
            access="anonymous",
        ),
        Route(
            "GET",
            "public/verify/{code:[0-9]{10}}",
            verify_html,
            Text("网站标识验证（网页）", "Verify a website's mark (page)"),
            access="anonymous",
            response_media="text/html",
        ),
        Route(
            "GET",
            "public/badge/{code:[0-9]{10}}.svg",
            badge,
            Text("网站标识", "The website's mark"),
            access="anonymous",
            response_media="image/svg+xml",
        ),
    ]
