"""What the demo's people do through the websites routes, for ``govflow demo`` (demo.yaml ``run:``).

The handler types the SMS code the phone received, the authority records the papers that came
by post, the unit asks for the mount check. The demo's domains resolve and its sites answer on
loopback: while the demo loads, the ``demo`` DNS and fetcher adapters serve them in this
process on free ports (``demo_sites.LoopbackWorld``); the service that ``make serve`` starts
uses the same adapters, so its scheduled re-check crawls the same sites.
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from kernel import clock

from .adapters import DEMO_WORLD, DemoDns, DemoFetcher
from .context import DNS, FETCHER, canonical_mobile
from .models import PAPER_TYPES, MobileConfirmation, PaperMaterial
from .mounting import check_site


async def _world(kernel: Any) -> None:
    """Point the DNS and fetcher adapters at the demo's sites, served in this process."""
    if not isinstance(kernel.adapters.get(DNS), DemoDns):
        kernel.adapters[DNS] = DemoDns(DEMO_WORLD)
    if not isinstance(kernel.adapters.get(FETCHER), DemoFetcher):
        kernel.adapters[FETCHER] = DemoFetcher(DEMO_WORLD)


async def confirm_handler_mobile(kernel: Any, application: Any) -> None:
    """The handler typed the code the SMS brought (routes.confirm_mobile and
    confirm_registration_mobile, in the demo)."""
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
