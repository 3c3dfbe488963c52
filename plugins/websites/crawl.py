"""A bounded crawl of one site: the home page's title, and where the identification code is.

The site is reached at the address its domain resolves to (the one the application gave and
DNS confirmed), with the domain as ``Host``, as a browser would. Only pages of that host are
followed, breadth first, at most ``Limits.pages`` pages, ``Limits.depth`` links deep and
``Limits.seconds`` in all; robots.txt is read first and honoured (urllib.robotparser). When
the time runs out the crawl stops and names the pages it had found but not yet fetched
(``not_reached``), so a slow site is reported, not mistaken for a fully checked one.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import aiohttp

USER_AGENT = "govflow-websites-check/1.0"
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """How far one crawl goes: a site of thousands of pages, or one that answers slowly,
    must not hold a check (or the daily re-check of every site) for long."""

    pages: int = 30
    depth: int = 3
    seconds: float = 20.0
    page_seconds: float = 5.0
    page_bytes: int = 2 * 2**20


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` and the text of the first ``<title>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        elif tag == "title" and self.title is None:
            self._in_title, self.title = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data


def code_position(html: str, code: str) -> dict[str, bool]:
    """Whether ``code`` is on the page, and whether it comes before the last ``</body>``
    (a page without ``</body>`` has nothing to come after)."""
    where = html.rfind(code)
    if where < 0:
        return {"found": False, "before_body_end": False}
    ends = [m.start() for m in _BODY_END.finditer(html)]
    return {"found": True, "before_body_end": not ends or where < ends[-1]}


class Crawler:
    """One site reached at one address, with its domain as ``Host``, within ``Limits``."""

    def __init__(self, host: str, address: str, port: int, limits: Limits) -> None:
        self.host, self.address, self.port, self.limits = host.lower(), address, port, limits
        shown = host if port == 80 else f"{host}:{port}"
        self.base = f"http://{shown}/"
        connect = f"[{address}]" if ":" in address else address
        self._origin = f"http://{connect}:{port}"

    async def title(self) -> dict[str, Any]:
        async with self._session() as session:
            page = await self._get(session, self.base)
        if page is None:
            return {"reachable": False}
        parser = _Links()
        parser.feed(page)
        return {"reachable": True, "tab_title": " ".join((parser.title or "").split())}

    async def crawl(self, code: str) -> dict[str, Any]:
        pages: list[dict[str, Any]] = []
        disallowed: list[str] = []
        #: Pages found and not fetched yet, the one being fetched first.
        queue: list[tuple[str, int]] = [(self.base, 0)]
        not_reached: list[str] = []
        async with self._session() as session:
            try:
                async with asyncio.timeout(self.limits.seconds):
                    robots = await self._robots(session)
                    reachable = await self._walk(session, robots, code, queue, pages, disallowed)
            except TimeoutError:
                reachable = bool(pages)
                not_reached = [url for url, _ in queue][: self.limits.pages - len(pages)]
        return {
            "reachable": reachable,
            "pages": pages,
            "robots_disallowed": disallowed,
            "not_reached": not_reached,
        }

    async def _walk(self, session, robots, code, queue, pages, disallowed) -> bool:
        """Breadth first from the home page. A page leaves ``queue`` only once fetched, so
        when the time bound cancels the walk the queue is exactly what was not reached."""
        seen = {self.base}
        reachable = False
        while queue and len(pages) < self.limits.pages:
            url, depth = queue[0]
            if not robots.can_fetch(USER_AGENT, url):
                disallowed.append(queue.pop(0)[0])
                continue
            html = await self._get(session, url)
            queue.pop(0)
            if html is None:
                if url == self.base:
                    return False
                continue
            reachable = True
            pages.append({"url": url, **code_position(html, code)})
            if depth >= self.limits.depth:
                continue
            parser = _Links()
            parser.feed(html)
            for href in parser.links:
                link = self._same_host(urljoin(url, href))
                if link and link not in seen:
                    seen.add(link)
                    queue.append((link, depth + 1))
        return reachable

    def _same_host(self, url: str) -> str | None:
        url = urldefrag(url).url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "") != self.host:
            return None
        if (parts.port or 80) != self.port:
            return None
        return url

    def _session(self) -> aiohttp.ClientSession:
        timeout = aiohttp.ClientTimeout(total=self.limits.page_seconds)
        return aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": USER_AGENT})

    async def _robots(self, session: aiohttp.ClientSession) -> RobotFileParser:
        robots = RobotFileParser()
        text = await self._get(session, urljoin(self.base, "/robots.txt"), html_only=False)
        robots.parse((text or "").splitlines())
        return robots

    async def _get(
        self, session: aiohttp.ClientSession, url: str, html_only: bool = True
    ) -> str | None:
        """The page's text, or ``None`` (unreachable, not 200, not HTML, too large)."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            async with session.get(
                self._origin + path, headers={"Host": parts.netloc}, allow_redirects=False
            ) as response:
                if response.status != 200:
                    return None
                if html_only and response.content_type not in (
                    "text/html",
                    "application/xhtml+xml",
                ):
                    return None
                body = await response.content.read(self.limits.page_bytes + 1)
                if len(body) > self.limits.page_bytes:
                    return None
                return body.decode(response.charset or "utf-8", "replace")
        except (aiohttp.ClientError, TimeoutError, OSError, UnicodeError, LookupError):
            return None
