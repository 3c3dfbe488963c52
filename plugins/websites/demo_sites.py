"""The demo's outside world on loopback: a DNS server and the demo units' websites.

``python -m plugins.websites.demo_sites --dns-port 5391 --http-port 8094 [--root DIR]`` answers
DNS queries (A, AAAA) for the demo domains from ``demo-sites/zone.yaml`` and serves each demo
site by its ``Host`` from ``demo-sites/<host>/`` (``index.html`` for ``/``). Point govflow at
them with ``GOVFLOW_WEBSITES_NAMESERVER=127.0.0.1:5391 GOVFLOW_WEBSITES_SITE_PORT=8094``; the
files are read on every request, so pasting the mark into a page takes effect at once. One
demo site carries its identification code on every page (mounted), one lacks it on a page.
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
