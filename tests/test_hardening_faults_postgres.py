"""#12 point 10 on PostgreSQL: the database gone or refusing connections under a running
server, or its server unreachable at start, fails loudly and cleanly — ``/healthz`` 503, every
endpoint that needs the database a problem+json 503 (never a plain 500), ``serve``/``migrate``
a clear error and a non-zero exit. ``test_hardening_faults.py`` does the same for SQLite."""

from __future__ import annotations

import re

from kernel.app import create_app
from kernel.cli import main

from .conftest import _pg_admin, requires_postgres
from .factories import codeassign_people, qr_login

#: Nothing listens on port 1: a PostgreSQL server that cannot be reached.
UNREACHABLE = "postgres://postgres@127.0.0.1:1/govflow"


def test_an_unreachable_postgresql_server_is_a_clear_error_at_start(
    monkeypatch, capsys, served_logging
):
    monkeypatch.setenv("GOVFLOW_DATABASE_URL", UNREACHABLE)
    for command in (["migrate"], ["serve", "--port", "1"]):
        assert main(command) == 4
        error = capsys.readouterr().err
        assert "database" in error and "127.0.0.1:1" in error and "Traceback" not in error


def _database_of(config) -> str:
    return config.database_url.rsplit("/", 1)[1]


async def _every_endpoint(client, headers) -> list[tuple[str, str, int, str]]:
    """Each route of the app, called with an applicant's token: (method, path, status, type)."""
    answers = []
    for route in client.app.router.routes():
        method = route.method
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if method in ("*", "HEAD", "OPTIONS") or not path:
            continue
        path = re.sub(r"\{[^}]+\}", "1", path)
        response = await client.request(method, path, headers=headers, json={})
        await response.read()
        answers.append((method, path, response.status, response.content_type))
    return answers


async def _assert_unavailable(client, unit) -> None:
    health = await client.get("/healthz")
    assert health.status == 503 and (await health.json())["database"] == "unreachable"
    login = await client.post("/api/auth/login", json={"username": "unit-a", "password": "x"})
    assert login.status == 503 and login.content_type == "application/problem+json"
    body = await login.json()
    assert body["title_zh"] and body["title"]  # both languages
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": {}},
        headers=unit,
    )
    assert created.status == 503 and created.content_type == "application/problem+json"
    answers = await _every_endpoint(client, unit)
    assert len(answers) > 30
    broken = [
        a for a in answers if a[2] >= 500 and (a[2], a[3]) != (503, "application/problem+json")
    ]
    assert broken == [], "every failure is a problem+json 503"
    assert sum(a[2] == 503 for a in answers) > 10


@requires_postgres
async def test_the_database_dropped_under_a_running_server(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    unit = await qr_login("unit-a")
    assert (await client.get("/healthz")).status == 200
    await _pg_admin([f'DROP DATABASE "{_database_of(config)}" WITH (FORCE)'])
    await _assert_unavailable(client, unit)


@requires_postgres
async def test_connections_cut_and_refused_then_back(aiohttp_client, config):
    """The database's connections terminated and new ones refused (what a failover or an
    administrator's lock-out does); once it takes connections again, so does the service."""
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    unit = await qr_login("unit-a")
    name = _database_of(config)
    await _pg_admin(
        [
            f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        ]
    )
    await _assert_unavailable(client, unit)

    await _pg_admin([f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'])
    assert (await client.get("/healthz")).status == 200
    mine = await client.get("/api/applications", headers=unit)
    assert mine.status == 200
