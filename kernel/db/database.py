"""Connecting to the database: SQLite under the data directory, or ``GOVFLOW_DATABASE_URL``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.context import TortoiseContext

MODELS = "kernel.db.models"
MIGRATIONS = "kernel.db.migrations"


def database_url(url: str | None, data_dir: Path) -> str:
    """The configured URL, else a SQLite file under the data directory (created on start)."""
    if url:
        return url
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite://{data_dir / 'govflow.sqlite3'}"


def masked(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def tortoise_config(url: str) -> dict[str, Any]:
    return {
        "connections": {"default": url},
        "apps": {
            "govflow": {
                "models": [MODELS],
                "default_connection": "default",
                "migrations": MIGRATIONS,
            }
        },
        "use_tz": True,
        "timezone": "Asia/Shanghai",
    }


async def connect(url: str) -> TortoiseContext:
    """Open the ORM; close it through the returned context, whichever task ends up closing."""
    return await Tortoise.init(config=tortoise_config(url))


async def migrate(url: str) -> None:
    """Bring the schema up to date; existing data is kept (tortoise's migration executor)."""
    from tortoise.migrations.api.migrate import migrate as run_migrations

    await run_migrations(config=tortoise_config(url))


async def close(context: TortoiseContext | None = None) -> None:
    """Close ``context``'s connections, or those of the current one.

    aiohttp may run an app's cleanup in another task than its start-up (pytest fixtures do), where
    the current context is not the one that opened the connections: pass it explicitly there.
    """
    if context is None:
        await Tortoise.close_connections()
    else:
        await context.close_connections()


async def upgrade(url: str) -> None:
    """Bring the schema up to date and let go: for steps that need only the tables."""
    await migrate(url)
    await close()


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[TortoiseContext]:
    """The ORM open on ``url`` for the block (commands and tests; the app keeps its own)."""
    context = await connect(url)
    try:
        yield context
    finally:
        await close(context)
