"""Real servers on loopback for the websites tests: a DNS server and the units' websites.

``DnsServer`` answers A and AAAA queries over UDP from a dict, with dnspython's own message
codec, so the plugin's dnspython adapter talks to it exactly as to a real resolver. ``Sites``
is one aiohttp server serving every unit's site by its ``Host`` header, from a dict of pages a
test may edit (a unit pasting the code), with an optional robots.txt per host; a page in
``stalled`` does not answer until the test releases it (a slow site, without a sleep).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
from aiohttp import web


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().lower()
        records = self.server.zone.get(name)
        if records is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            kind = dns.rdatatype.to_text(question.rdtype)
            addresses = records.get(kind, [])
            if addresses:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 60, "IN", kind, addresses)
                )
        self.transport.sendto(response.to_wire(), addr)


@dataclass
class DnsServer:
    """``zone``: ``{"gaj.beijing.gov.cn.": {"A": ["127.0.0.1"], "AAAA": []}}`` (A-labels)."""

    zone: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    port: int = 0

    def set(self, domain: str, a: list[str], aaaa: list[str] | None = None) -> None:
        name = dns.name.from_unicode(domain).to_text().lower()
        self.zone[name] = {"A": list(a), "AAAA": list(aaaa or [])}

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=("127.0.0.1", 0)
        )
        self.port = self.transport.get_extra_info("sockname")[1]

    def close(self) -> None:
        self.transport.close()


def page(title: str, body: str, *, links: tuple[str, ...] = (), after_body: str = "") -> str:
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (
        f"<!doctype html><html><head><title>{title}</title></head>"
        f"<body><header><h1>{title}</h1></header><nav>{anchors}</nav>{body}</body>{after_body}"
        "</html>"
    )


@dataclass
class Sites:
    """``pages[host][path] = html``; ``robots[host] = text``; ``stalled``: ``(host, path)``
    pages that hang until ``release()``."""

    pages: dict[str, dict[str, str]] = field(default_factory=dict)
    robots: dict[str, str] = field(default_factory=dict)
    stalled: set[tuple[str, str]] = field(default_factory=set)
    port: int = 0

    def __post_init__(self) -> None:
        self._released = asyncio.Event()

    def release(self) -> None:
        """Every stalled page answers now, and from now on at once."""
        self.stalled.clear()
        self._released.set()

    async def _serve(self, request: web.Request) -> web.Response:
        host = request.host.rsplit(":", 1)[0].lower()
        if (host, request.path) in self.stalled:
            await self._released.wait()
        if request.path == "/robots.txt":
            if host in self.robots:
                return web.Response(text=self.robots[host], content_type="text/plain")
            raise web.HTTPNotFound()
        html = self.pages.get(host, {}).get(request.path)
        if html is None:
            raise web.HTTPNotFound()
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.release()
        await self.runner.cleanup()
