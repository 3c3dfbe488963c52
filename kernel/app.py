"""The aiohttp application factory: one kernel and one rule watcher per app, nothing global."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pluggy
from aiohttp import web

from . import auth
from .api import add_routes, plugin_routes
from .attachments import BlobStore
from .config import Config
from .core import Kernel
from .db import database
from .errors import Handler, ServiceUnavailable, problem_middleware
from .jobs import JobRunner, runner_jobs
from .keys import CONFIG, JOBS_WAKE, KERNEL
from .notify.worker import OUTBOX_WAKE, run_worker
from .observe import observe_middleware
from .rules.watch import watch

WATCH_READY = web.AppKey("watch_ready", asyncio.Event)
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def database_guard(config: Config) -> Middleware | None:
    """A write while the SQLite file is gone (its data directory deleted under the running
    server) answers 503 instead of a 201 into a file no one will read again. ``None`` where
    there is no file to lose (PostgreSQL, ``:memory:``)."""
    path = database.sqlite_path(database.database_url_of(config))
    if path is None:
        return None
    file = str(path)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS") and not os.path.exists(file):
            raise ServiceUnavailable(f"{file} is gone")
        return await handler(request)

    return guard


def create_app(
    config: Config | None = None, pm: pluggy.PluginManager | None = None
) -> web.Application:
    config = config or Config.from_env()
    app = web.Application(
        client_max_size=config.max_body_bytes,
        middlewares=[
            middleware
            for middleware in (
                observe_middleware,
                problem_middleware,
                database_guard(config),
                auth.auth_middleware,
            )
            if middleware is not None
        ],
    )
    # Built now, not at start-up: the processes' own routes must be on the router before it
    # freezes. Closed by the cleanup context below.
    kernel = Kernel.build(config, pm)
    app[KERNEL] = kernel
    add_routes(app)
    plugin_routes.mount(app, kernel)
    app[CONFIG] = config
    app[WATCH_READY] = asyncio.Event()
    models = database.plugin_models(kernel.pm)

    async def kernel_ctx(app: web.Application) -> AsyncIterator[None]:
        yield
        kernel.close()

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        url = database.database_url(config.database_url, config.data_dir)
        if config.migrate_on_start:  # idempotent: a new database gets its tables here
            await database.upgrade(url, models)
        context = await database.connect(url, models)
        await BlobStore.of(config).collect_orphans()  # what a crash left behind
        yield
        await database.close(context)

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

    async def jobs_ctx(app: web.Application) -> AsyncIterator[None]:
        if not config.jobs:
            yield
            return
        runner = JobRunner(
            kernel,
            runner_jobs(kernel.pm),
            kernel.adapters,
            worker_id=f"{socket.gethostname()}:{os.getpid()}",
            tick=config.jobs_tick_seconds,
        )
        stop, app[JOBS_WAKE] = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(runner.run(stop, app[JOBS_WAKE]))
        yield
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=5)  # a run cut short is claimed again later

    app.cleanup_ctx.extend([kernel_ctx, database_ctx, watcher_ctx, outbox_ctx, jobs_ctx])
    return app
