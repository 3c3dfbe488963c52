"""Connecting to the database: SQLite under the data directory, or ``GOVFLOW_DATABASE_URL``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tortoise import Tortoise
from tortoise.context import TortoiseContext

if TYPE_CHECKING:
    import pluggy

    from ..contract import Models

MODELS = "kernel.db.models"
MIGRATIONS = "kernel.db.migrations"


def plugin_models(pm: pluggy.PluginManager) -> tuple[Models, ...]:
    """Every plugin's own tables (``govflow_models``); an app label used twice is an error."""
    from ..plugins import PluginError

    found: dict[str, Models] = {}
    for models in (m for contributed in pm.hook.govflow_models() for m in contributed or ()):
        if models.app in found or models.app == "govflow":
            raise PluginError(f"two plugins declare the tortoise app '{models.app}'")
        found[models.app] = models
    return tuple(found.values())


@cache
def installed_models() -> tuple[Models, ...]:
    """The tables of the installed plugins, for callers that have no plugin manager at hand."""
    from ..plugins import make_plugin_manager

    return plugin_models(make_plugin_manager())


def database_url_of(config: Any) -> str:
    """The URL ``config`` names, without creating anything (``database_url`` makes the dir)."""
    if config.database_url:
        return config.database_url
    return f"sqlite://{config.data_dir / 'govflow.sqlite3'}"


def database_url(url: str | None, data_dir: Path) -> str:
    """The configured URL, else a SQLite file under the data directory (created on start)."""
    if url:
        return url
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite://{data_dir / 'govflow.sqlite3'}"


class DatabaseUnavailable(Exception):
    """The database cannot be used: its SQLite directory or file is gone, or it is read-only.

    Said at once and plainly (``serve``/``migrate`` exit non-zero, a request answers 503
    problem+json, ``/healthz`` 503) rather than hanging or writing into a deleted file."""


def sqlite_path(url: str) -> Path | None:
    """The SQLite file of ``url`` (``None`` for other databases and ``:memory:``)."""
    if not is_sqlite(url):
        return None
    raw = url.removeprefix("sqlite://").split("?", 1)[0]
    return None if raw in ("", ":memory:") else Path(raw)


def check_sqlite_dir(url: str) -> None:
    """A SQLite URL whose directory does not exist would make tortoise wait forever."""
    path = sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseUnavailable(f"the SQLite database's directory {path.parent} does not exist")


def sqlite_file_gone(url: str) -> bool:
    """The file was deleted (or its directory) under a running server: writes would succeed
    into a file no one will ever read again."""
    path = sqlite_path(url)
    return path is not None and not path.exists()


def masked(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def tortoise_config(url: str, models: Sequence[Models] | None = None) -> dict[str, Any]:
    """The kernel's app ``govflow`` and one app per plugin that keeps tables of its own.

    ``models``: the plugins' (``plugin_models(pm)``); ``None``: the installed plugins'.
    """
    apps = {
        "govflow": {"models": [MODELS], "default_connection": "default", "migrations": MIGRATIONS}
    }
    for m in installed_models() if models is None else models:
        apps[m.app] = {
            "models": [m.models],
            "default_connection": "default",
            "migrations": m.migrations,
        }
    check_sqlite_dir(url)
    if is_sqlite(url) and "secure_delete" not in url:
        # Freed pages are zeroed: a verification code blanked after delivery, a deleted
        # draft's data, must not linger in the file (#12: no secret at rest).
        url += ("&" if "?" in url else "?") + "secure_delete=ON"
    return {
        "connections": {"default": url},
        "apps": apps,
        "use_tz": True,
        "timezone": "Asia/Shanghai",
    }


async def connect(url: str, models: Sequence[Models] | None = None) -> TortoiseContext:
    """Open the ORM; close it through the returned context, whichever task ends up closing."""
    return await Tortoise.init(config=tortoise_config(url, models))


async def migrate(url: str, models: Sequence[Models] | None = None) -> None:
    """Bring the kernel's and the plugins' tables up to date, keeping the data (tortoise's
    migration executor; a plugin's migrations may depend on the kernel's)."""
    from tortoise.migrations.api.migrate import migrate as run_migrations

    await run_migrations(config=tortoise_config(url, models))


async def close(context: TortoiseContext | None = None) -> None:
    """Close ``context``'s connections, or those of the current one.

    aiohttp may run an app's cleanup in another task than its start-up (pytest fixtures do), where
    the current context is not the one that opened the connections: pass it explicitly there.
    """
    if context is None:
        await Tortoise.close_connections()
    else:
        await context.close_connections()


async def upgrade(url: str, models: Sequence[Models] | None = None) -> None:
    """Bring the schema up to date and let go: for steps that need only the tables."""
    await migrate(url, models)
    await close()


@contextlib.asynccontextmanager
async def connected(
    url: str, models: Sequence[Models] | None = None
) -> AsyncIterator[TortoiseContext]:
    """The ORM open on ``url`` for the block (commands and tests; the app keeps its own)."""
    context = await connect(url, models)
    try:
        yield context
    finally:
        await close(context)
