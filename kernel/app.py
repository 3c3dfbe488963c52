"""The aiohttp application factory: one kernel and one rule watcher per app, nothing global."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pluggy
from aiohttp import web

from . import auth, logs, metrics
from .api import add_routes
from .config import Config
from .core import Kernel
from .db import database
from .errors import problem_middleware
from .keys import CONFIG, KERNEL
from .notify.worker import OUTBOX_WAKE, run_worker
from .rules.watch import watch

WATCH_READY = web.AppKey("watch_ready", asyncio.Event)


def create_app(
    config: Config | None = None, pm: pluggy.PluginManager | None = None
) -> web.Application:
    config = config or Config.from_env()
    app = web.Application(
        client_max_size=config.max_body_bytes,
        middlewares=[
            logs.request_id_middleware,
            metrics.metrics_middleware,
            problem_middleware,
            auth.auth_middleware,
        ],
    )
    add_routes(app)
    app[CONFIG] = config
    app[WATCH_READY] = asyncio.Event()

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        url = database.database_url(config.database_url, config.data_dir)
        if config.migrate_on_start:  # idempotent: a new database gets its tables here
            await database.upgrade(url)
        context = await database.connect(url)
        yield
        await database.close(context)

    async def kernel_ctx(app: web.Application) -> AsyncIterator[None]:
        kernel = Kernel.build(config, pm)
        app[KERNEL] = kernel
        yield
        kernel.close()

    async def watcher_ctx(app: web.Application) -> AsyncIterator[None]:
        if not config.watch_rules:
            yield
            return
        stop = asyncio.Event()
        task = asyncio.create_task(watch(app[KERNEL].rules, stop, app[WATCH_READY]))
        yield
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=2)

    async def outbox_ctx(app: web.Application) -> AsyncIterator[None]:
        if not config.outbox_worker:
            yield
            return
        stop, app[OUTBOX_WAKE] = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(run_worker(app, stop))
        yield
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=5)  # a send in flight is retried next start

    app.cleanup_ctx.extend([database_ctx, kernel_ctx, watcher_ctx, outbox_ctx])
    return app
