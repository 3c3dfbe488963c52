"""The operator's commands: migrate, demo, token, serve — as a newcomer and an operator use them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from tortoise import Tortoise

from kernel.cli import main
from kernel.db import database
from kernel.db.models import Account, Application, AuditRecord
from kernel.demo import PASSWORD

from .conftest import PG_URL, requires_postgres
from .service_process import free_port, until_up


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"GOVFLOW_DATA_DIR": str(tmp_path / "data"), "GOVFLOW_DATABASE_URL": database_url}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


async def _count(url: str) -> tuple[int, int, int]:
    async with database.connected(url):
        return (
            await Account.all().count(),
            await Application.all().count(),
            await AuditRecord.all().count(),
        )


def test_demo_loads_every_process_once_and_its_accounts_log_in(env, capsys):
    assert main(["demo"]) == 0
    assert PASSWORD in capsys.readouterr().out
    first = asyncio.run(_count(env["GOVFLOW_DATABASE_URL"]))
    assert main(["demo"]) == 0
    assert "0 new accounts, 0 new applications" in capsys.readouterr().out
    assert asyncio.run(_count(env["GOVFLOW_DATABASE_URL"])) == first
    accounts, applications, audit = first
    assert accounts >= 11 and applications >= 1
    assert audit >= applications  # a "create" each, and the steps the demo takes

    async def kinds() -> set[str]:
        async with database.connected(env["GOVFLOW_DATABASE_URL"]):
            return set(await Account.all().values_list("kind", flat=True))

    assert {"unit", "natural_person", "legal_person", "reviewer"} <= asyncio.run(kinds())


async def _me(token: str) -> tuple[int, dict]:
    """``GET /api/auth/me`` with ``token``, on a service over the environment's database."""
    from aiohttp.test_utils import TestClient, TestServer

    from kernel.app import create_app
    from kernel.config import Config

    config = Config.from_env()
    async with TestClient(TestServer(create_app(config))) as client:
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        return response.status, await response.json()


def test_token_issues_a_session_for_an_existing_account_only(env, capsys):
    main(["demo"])
    capsys.readouterr()
    assert main(["token", "registry-demo"]) == 0
    token = capsys.readouterr().out.strip()
    status, me = asyncio.run(_me(token))
    assert status == 200 and me["username"] == "registry-demo", me
    assert asyncio.run(_me(token[:-1] + ("A" if token[-1] != "A" else "B")))[0] == 401
    assert main(["token", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err


def test_migrate_twice_keeps_the_data(env, capsys):
    main(["demo"])
    before = asyncio.run(_count(env["GOVFLOW_DATABASE_URL"]))
    assert main(["migrate"]) == 0
    assert "database up to date" in capsys.readouterr().out
    assert asyncio.run(_count(env["GOVFLOW_DATABASE_URL"])) == before


def _pending_migrations(database_url: str, apps: set[str]) -> list:
    from tortoise.migrations.autodetector import MigrationAutodetector

    async def pending() -> list:
        config = database.tortoise_config(database_url)
        assert set(config["apps"]) == apps
        await Tortoise.init(config=config)
        try:
            detector = MigrationAutodetector(Tortoise.apps, config["apps"])
            return await detector.changes()
        finally:
            await database.close()

    return [w.name for w in asyncio.run(pending())]


def test_the_models_and_the_migrations_agree(database_url):
    """A model changed without its migration would fail here: run `tortoise makemigrations`.
    The kernel's tables and each installed plugin's (codeassign's unit register)."""
    apps = {"govflow", "codeassign", "websites", "engineers", "foreignwork"}
    assert _pending_migrations(database_url, apps) == []


def test_a_third_party_plugins_models_and_migrations_agree(database_url, with_example):
    database.installed_models.cache_clear()  # the installed plugins are read once a process
    try:
        apps = {"govflow", "codeassign", "websites", "engineers", "foreignwork", "parking"}
        assert _pending_migrations(database_url, apps) == []
    finally:
        database.installed_models.cache_clear()


def test_several_workers_need_postgresql(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GOVFLOW_DATABASE_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


@requires_postgres
def test_two_workers_on_postgresql_serve_one_port_and_race_safely(env, tmp_path, capsys):
    """Two processes behind one port: 16 racing transitions, one winner, a gapless trail."""
    assert PG_URL
    main(["demo"])
    capsys.readouterr()
    assert main(["token", "gov-demo"]) == 0  # a unit's login takes a captcha (WS-02)
    token = capsys.readouterr().out.strip()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kernel.cli", "serve", "--port", str(port), "--workers", "2"],
        env={**os.environ, **env, "GOVFLOW_WATCH_RULES": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        asyncio.run(until_up(f"http://127.0.0.1:{port}", server))
        asyncio.run(_race(f"http://127.0.0.1:{port}", token))
    finally:
        server.terminate()
        server.wait(timeout=20)


async def _race(base: str, token: str) -> None:
    async with aiohttp.ClientSession(base) as http:
        unit = {"Authorization": f"Bearer {token}"}
        body = {"process": "websites", "matter": "new_site", "data": {}}
        async with http.post("/api/applications", json=body, headers=unit) as response:
            draft = await response.json()

        async def save(n: int) -> int:
            headers = {**unit, "If-Match": '"1"'}
            url = f"/api/applications/{draft['id']}"
            data = {"website_intro": f"发布政务信息，提供办事服务（{n}）。"}  # a valid draft field
            async with http.put(url, json={"data": data}, headers=headers) as response:
                return response.status

        statuses = await asyncio.gather(*(save(n) for n in range(16)))
        assert sorted(statuses) == [200] + [409] * 15
        async with http.get(f"/api/applications/{draft['id']}/history", headers=unit) as response:
            history = await response.json()
        assert [h["seq"] for h in history["items"]] == [1, 2]


def test_a_served_worker_stopped_with_sigterm_writes_every_access_line(env, tmp_path):
    """The log lines are written by a thread of their own, up to 50 ms late: a stop must not
    lose the last ones (README, "Operating it")."""
    assert main(["migrate"]) == 0
    port, stderr = free_port(), tmp_path / "stderr.log"
    with open(stderr, "wb") as written:
        server = subprocess.Popen(
            [sys.executable, "-m", "kernel.cli", "serve", "--port", str(port)],
            env={**os.environ, **env, "GOVFLOW_WATCH_RULES": "0"},
            stdout=subprocess.DEVNULL,
            stderr=written,
        )
        try:
            asyncio.run(until_up(f"http://127.0.0.1:{port}", server))
            sent = asyncio.run(_dry_runs(f"http://127.0.0.1:{port}", 30))
        finally:
            server.terminate()  # SIGTERM at once, lines still queued
            assert server.wait(timeout=20) == 0
    lines = [json.loads(line) for line in stderr.read_text("utf-8").splitlines()]
    access = [line for line in lines if line.get("logger") == "govflow.access"]
    validated = [line for line in access if line["route"] == "/api/processes/{process}/validate"]
    assert len(validated) == sent == 30


async def _dry_runs(base: str, count: int) -> int:
    body = {"document": {"matter": "change", "uscc": "1110000000004JUR69"}}
    async with aiohttp.ClientSession(base) as http:
        for _ in range(count):
            async with http.post("/api/processes/codeassign/validate", json=body) as response:
                assert response.status == 200
    return count
