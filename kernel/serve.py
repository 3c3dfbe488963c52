"""``govflow serve``: one process, or several sharing one port, in front of one database.

Workers are separate processes bound to the same port with ``SO_REUSEPORT`` (the kernel spreads
connections between them); they keep nothing that another worker needs, so the database must be
one they all reach: PostgreSQL. The schema is upgraded once, before any worker starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import os
import signal
import sys

from . import logs
from .config import Config
from .db import database


def serve(config: Config, host: str, port: int, workers: int = 1) -> int:
    url = database.database_url(config.database_url, config.data_dir)
    if workers < 1:
        print("govflow: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1 and database.is_sqlite(url):
        print(
            "govflow: more than one worker needs PostgreSQL (set GOVFLOW_DATABASE_URL); "
            "SQLite serves one process",
            file=sys.stderr,
        )
        return 2
    if workers == 1:
        _run(config, host, port, reuse_port=False)  # it sets up its own logging
        return 0
    logs.configure(os.environ.get("GOVFLOW_LOG_LEVEL", "INFO"))
    asyncio.run(database.upgrade(url))
    once = dataclasses.replace(config, migrate_on_start=False)
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_run, args=(once, host, port, True), name=f"govflow-{n}")
        for n in range(workers)
    ]
    for child in children:
        child.start()
    signal.signal(signal.SIGTERM, lambda *_: [c.terminate() for c in children])
    try:
        for child in children:
            child.join()
    except KeyboardInterrupt:
        for child in children:
            child.terminate()
            child.join()
    return max((c.exitcode or 0) for c in children)


def _run(config: Config, host: str, port: int, reuse_port: bool) -> None:
    from aiohttp import web

    from .app import create_app

    logs.configure(os.environ.get("GOVFLOW_LOG_LEVEL", "INFO"))
    # The kernel writes its own JSON access line per request (with route and request id).
    web.run_app(create_app(config), host=host, port=port, access_log=None, reuse_port=reuse_port)
