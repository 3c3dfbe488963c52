"""The demo's outside world on loopback: a DNS server and the demo units' websites.

``python -m plugins.websites.demo_sites --dns-port 5391 --http-port 8094 [--root DIR]`` answers
DNS queries (A, AAAA) for the demo domains from ``demo-sites/zone.yaml`` and serves each demo
site by its ``Host`` from ``demo-sites/<host>/`` (``index.html`` for ``/``). Point govflow at
them with ``GOVFLOW_WEBSITES_NAMESERVER=127.0.0.1:5391 GOVFLOW_WEBSITES_SITE_PORT=8094``; the
files are read on every request, so pasting the mark into a page takes effect at once. One
demo site carries its identification code on every page (mounted), one lacks it on a page.

``LoopbackWorld`` serves the same inside the running service instead: the ``demo``
implementations of the DNS and fetcher adapters (``GOVFLOW_ADAPTERS=websites_dns=demo,
websites_fetcher=demo``, what ``make serve`` sets) start it on free loopback ports the first
time they are asked, so ``govflow demo`` and the served demo crawl the same sites.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import yaml
from aiohttp import web

ROOT = Path(__file__).parent / "demo-sites"


class _Dns(asyncio.DatagramProtocol):
    def __init__(self, zone_file: Path) -> None:
        self.zone_file = zone_file

    def connection_made(self, transport) -> None:
        self.transport = transport

    def _zone(self) -> dict[str, dict[str, list[str]]]:
        raw = yaml.safe_load(self.zone_file.read_text("utf-8")) or {}
        return {dns.name.from_unicode(k).to_text().lower(): v for k, v in raw.items()}

    def datagram_received(self, data: bytes, addr) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        records = self._zone().get(question.name.to_text().lower())
        if records is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            kind = dns.rdatatype.to_text(question.rdtype)
            if records.get(kind):
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 60, "IN", kind, records[kind])
                )
        self.transport.sendto(response.to_wire(), addr)


def site_app(root: Path) -> web.Application:
    async def serve(request: web.Request) -> web.StreamResponse:
        host = request.host.rsplit(":", 1)[0].lower()
        relative = request.path.lstrip("/") or "index.html"
        if relative.endswith("/"):
            relative += "index.html"
        folder = (root / host).resolve()
        target = (folder / relative).resolve()
        if folder not in target.parents or not target.is_file():
            raise web.HTTPNotFound()
        kind = "text/plain" if target.suffix == ".txt" else "text/html"
        return web.Response(text=target.read_text("utf-8"), content_type=kind, charset="utf-8")

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    return app


class LoopbackWorld:
    """The demo DNS server and sites, served in this process on free loopback ports.

    Started on first use in the running event loop (adapters are built before there is one),
    and again in a new loop (a test's): a server belongs to the loop that started it.
    """

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._served: tuple[asyncio.DatagramTransport, web.AppRunner] | None = None
        self.dns_port = self.http_port = 0

    async def ports(self) -> tuple[int, int]:
        """``(dns_port, http_port)``, starting the servers in this loop if they are not yet."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._lock, self._served = loop, asyncio.Lock(), None
        assert self._lock is not None
        async with self._lock:
            if self._served is None:
                await self._start(loop)
        return self.dns_port, self.http_port

    async def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Dns(self.root / "zone.yaml"), local_addr=("127.0.0.1", 0)
        )
        runner = web.AppRunner(site_app(self.root), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.dns_port = transport.get_extra_info("sockname")[1]
        self.http_port = runner.addresses[0][1]
        self._served = (transport, runner)

    async def close(self) -> None:
        """Stop the servers (the loop's end stops them too; tests close them first)."""
        if self._served is not None and self._loop is asyncio.get_running_loop():
            transport, runner = self._served
            transport.close()
            await runner.cleanup()
        self._served = None


async def main(root: Path, dns_port: int, http_port: int) -> None:
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(
        lambda: _Dns(root / "zone.yaml"), local_addr=("127.0.0.1", dns_port)
    )
    runner = web.AppRunner(site_app(root))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", http_port).start()
    print(f"demo DNS on 127.0.0.1:{dns_port}, demo sites on 127.0.0.1:{http_port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--dns-port", type=int, default=5391)
    parser.add_argument("--http-port", type=int, default=8094)
    args = parser.parse_args()
    asyncio.run(main(args.root, args.dns_port, args.http_port))
