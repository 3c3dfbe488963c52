"""Fixtures: a kernel per module, a fresh database and data folder per test, editable rules.

Set ``GOVFLOW_TEST_DATABASE_URL=postgres://user@host:port/postgres`` to run every database test
on PostgreSQL instead of SQLite: each test then gets its own database, cloned from a migrated
template (``.ci/run`` does this). Without it, PostgreSQL-only tests are skipped, saying why.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import logging
import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from kernel import clock
from kernel.config import PROJECT_ROOT, Config
from kernel.core import Kernel
from kernel.db import database

PG_URL = os.environ.get("GOVFLOW_TEST_DATABASE_URL", "")

requires_postgres = pytest.mark.skipif(
    not PG_URL,
    reason="PostgreSQL test: set GOVFLOW_TEST_DATABASE_URL=postgres://… to run it (.ci/run does)",
)


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def _pg_admin(statements: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


class _PostgresDatabases:
    """Test databases cloned from the migrated template, emptied between tests and reused.

    ``CREATE DATABASE … TEMPLATE`` costs about half a second on this server and ``DROP
    DATABASE`` another tenth; emptying every table with one ``TRUNCATE … RESTART IDENTITY``
    costs a few hundredths. A database comes back to the pool only if it still looks exactly
    like the template (same tables, same migrations applied); one a test dropped, locked,
    migrated further or otherwise changed is dropped instead, so every test still starts from
    a freshly migrated database.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self.free: list[str] = []
        self.made: list[str] = []
        self.tables, self.migrations = asyncio.run(self._shape(template))

    @staticmethod
    async def _shape(name: str) -> tuple[list[str], list[tuple]]:
        import asyncpg

        conn = await asyncpg.connect(
            _with_db(PG_URL, name).replace("postgres://", "postgresql://", 1)
        )
        try:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
            migrations = await conn.fetch(
                'SELECT app, name FROM "tortoise_migrations" ORDER BY 1, 2'
            )
        finally:
            await conn.close()
        return [row[0] for row in tables], [tuple(row) for row in migrations]

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"govflow_t_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg_admin([f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"']))
        self.made.append(name)
        return name

    def give_back(self, name: str) -> None:
        try:
            asyncio.run(self._empty(name))
        except Exception:  # dropped, renamed, closed to connections, …: not reusable
            self.drop(name)
        else:
            self.free.append(name)

    async def _empty(self, name: str) -> None:
        import asyncpg

        # A server a test killed may have left sessions behind, holding locks.
        await _pg_admin(
            [
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ]
        )
        if await self._shape(name) != (self.tables, self.migrations):
            raise LookupError(f"{name} no longer has the template's shape")
        data = [table for table in self.tables if table != "tortoise_migrations"]
        conn = await asyncpg.connect(
            _with_db(PG_URL, name).replace("postgres://", "postgresql://", 1)
        )
        try:
            await conn.execute("SET lock_timeout = '5s'")
            await conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in data) + " RESTART IDENTITY CASCADE"
            )
        finally:
            await conn.close()

    def drop(self, name: str) -> None:
        asyncio.run(_pg_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)']))
        self.made.remove(name)

    def close(self) -> None:
        for name in list(self.made):
            self.drop(name)


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database to copy: a SQLite file, or a PostgreSQL template database."""
    if PG_URL:
        name = f"govflow_tmpl_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin([f'CREATE DATABASE "{name}"']))
        url = _with_db(PG_URL, name)
    else:
        url = f"sqlite://{tmp_path_factory.mktemp('template') / 'template.sqlite3'}"

    asyncio.run(database.upgrade(url))
    yield url
    if PG_URL:
        asyncio.run(_pg_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)']))


@pytest.fixture(scope="session")
def pg_databases(db_template: str) -> _PostgresDatabases:
    pool = _PostgresDatabases(db_template.rsplit("/", 1)[1])
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def module_database(db_template: str) -> dict[str, str]:
    """For a module whose tests share one service: ``GOVFLOW_DATABASE_URL`` of a migrated
    PostgreSQL database of its own when the suite runs on PostgreSQL, else nothing (the
    service's default SQLite file in its data folder)."""
    if not PG_URL:
        yield {}
        return
    name = f"govflow_t_{uuid.uuid4().hex[:10]}"
    template = db_template.rsplit("/", 1)[1]
    asyncio.run(_pg_admin([f'CREATE DATABASE "{name}" TEMPLATE "{template}"']))
    yield {"GOVFLOW_DATABASE_URL": _with_db(PG_URL, name)}
    asyncio.run(_pg_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)']))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_template: str, tmp_path: Path) -> str:
    """A fresh, migrated database for one test."""
    if not PG_URL:
        target = tmp_path / "govflow.sqlite3"
        shutil.copy(db_template.removeprefix("sqlite://"), target)
        yield f"sqlite://{target}"
        return
    pool = request.getfixturevalue("pg_databases")
    name = pool.take()
    yield _with_db(PG_URL, name)
    pool.give_back(name)


@pytest.fixture(scope="module")
def kernel():
    kernel = Kernel.build(Config(watch_rules=False))
    yield kernel
    kernel.close()


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A copy of the repository's rules that a test may edit."""
    target = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", target)
    return target


@pytest.fixture
def config(rules_dir: Path, tmp_path: Path, database_url: str) -> Config:
    return Config(
        rules_dir=rules_dir,
        data_dir=tmp_path / "data",
        database_url=database_url,
        outbox_worker=False,
    )


@pytest.fixture
def stopped_clock(monkeypatch: pytest.MonkeyPatch):
    """The service's clock, stopped: ``at = stopped_clock(start)`` sets it to ``start``, and
    ``at(minutes=5)`` to five minutes after it (returning the moment)."""

    def stop(start: dt.datetime):
        def move(**delta: float) -> dt.datetime:
            moved = start + dt.timedelta(**delta)
            monkeypatch.setattr(clock, "now", lambda: moved)
            return moved

        move()
        return move

    return stop


# -- the third-party example plugin, installed the way pip leaves it -------------------------------

EXAMPLE = Path(__file__).parent / "example_plugin"


def install_dist(site: Path, name: str, entry_point: str) -> None:
    """What ``pip install`` leaves behind, as importlib.metadata reads it."""
    info = site / f"{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[govflow.plugins]\n{entry_point}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return site


@pytest.fixture
def with_example(site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    install_dist(site, "govflow_example", "parking = govflow_example")
    monkeypatch.syspath_prepend(str(EXAMPLE))
    yield site
    sys.modules.pop("govflow_example", None)


@pytest.fixture
def served_logging():
    """``serve`` (``logs.configure``) sets up the root logger for the process, writing to this
    test's captured stderr: put back the test run's own set-up afterwards (closing the handlers
    it added), or later lines hit a closed file."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    where = logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:], root.level = handlers, level
    logging._srcfile, logging.logThreads, logging.logProcesses = where[:3]
    logging.logMultiprocessing = where[3]
