"""What the demo's people do through the websites routes, for ``govflow demo`` (demo.yaml ``run:``).

The handler types the SMS code the phone received, the authority records the papers that came
by post, the unit asks for the mount check. The demo's domains resolve and its sites answer on
loopback: while the demo loads, ``demo_sites`` serves them in this process on free ports and
the DNS and fetcher adapters point there (the service later reaches them through
``python -m plugins.websites.demo_sites`` and ``GOVFLOW_WEBSITES_NAMESERVER`` /
``GOVFLOW_WEBSITES_SITE_PORT``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from tortoise import Tortoise

from kernel import clock

from . import demo_sites
from .adapters import DnsResolver, SiteFetcher
from .context import DNS, FETCHER, canonical_mobile
from .models import PAPER_TYPES, MobileConfirmation, PaperMaterial
from .mounting import check_site

_WORLD = "websites_demo_world"


async def _world(kernel: Any) -> None:
    """The demo DNS and sites, once per kernel, and the adapters pointed at them."""
    if kernel.cache.get(_WORLD):
        return
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: demo_sites._Dns(demo_sites.ROOT / "zone.yaml"), local_addr=("127.0.0.1", 0)
    )
    runner = web.AppRunner(demo_sites.site_app(demo_sites.ROOT))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    http_port = site._server.sockets[0].getsockname()[1]
    dns_port = transport.get_extra_info("sockname")[1]
    kernel.adapters[DNS] = DnsResolver(f"127.0.0.1:{dns_port}")
    kernel.adapters[FETCHER] = SiteFetcher(http_port)
    kernel.cache[_WORLD] = (transport, runner)


async def confirm_handler_mobile(kernel: Any, application: Any) -> None:
    """The handler typed the code the SMS brought (routes.confirm_mobile, in the demo)."""
    await _world(kernel)
    mobile = canonical_mobile(application.data.get("handler_mobile"))
    await MobileConfirmation.create(
        application_id=application.id, mobile=mobile, confirmed_at=clock.now()
    )


async def record_papers(kernel: Any, application: Any) -> None:
    """The stamped letter and form and the handler's ID copy arrived by post; the Beijing
    authority's demo reviewer records them."""
    accounts = Tortoise.apps["govflow"]["Account"]
    reviewer = await accounts.get(username="establishment-demo")
    for kind in PAPER_TYPES:
        await PaperMaterial.create(
            application_id=application.id,
            type=kind,
            stamped=kind != "handler_id_copy",
            received_at=clock.now(),
            recorded_by_id=reviewer.id,
        )


async def check_mount(kernel: Any, application: Any) -> None:
    """The unit asked for the mount check (routes.mount_check, in the demo)."""
    await _world(kernel)
    await check_site(application.id, application.data, kernel.adapters, application.owner_id)
