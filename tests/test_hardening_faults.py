"""#12 point 10: faults fail loudly and cleanly — a missing SQLite directory, a read-only
database, the data directory deleted under a running server."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from kernel.app import create_app
from kernel.cli import main

from .conftest import PG_URL
from .factories import qr_login

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="faults of the SQLite file")


def test_a_missing_sqlite_directory_is_a_clear_error_not_a_hang(
    tmp_path, monkeypatch, capsys, served_logging
):
    missing = tmp_path / "no" / "such" / "dir"
    monkeypatch.setenv("GOVFLOW_DATABASE_URL", f"sqlite://{missing}/govflow.sqlite3")
    for command in (["migrate"], ["serve", "--port", "1"]):
        assert main(command) == 4
        assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()


async def test_a_read_only_database_answers_503_problems(aiohttp_client, config):
    read_only = dataclasses.replace(
        config, database_url=config.database_url + "?query_only=ON", migrate_on_start=False
    )
    client = await aiohttp_client(create_app(read_only))
    health = await client.get("/healthz")
    assert health.status == 503 and (await health.json())["database"] == "unreachable"
    response = await client.post(
        "/api/auth/login", json={"username": "someone", "password": "whatever"}
    )
    assert response.status == 503
    assert response.content_type == "application/problem+json"


async def test_a_data_directory_deleted_under_the_server(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    from .factories import codeassign_people

    await codeassign_people()
    unit = await qr_login("unit-a")
    assert (await client.get("/healthz")).status == 200
    path = Path(config.database_url.removeprefix("sqlite://"))
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    shutil.rmtree(config.data_dir, ignore_errors=True)
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": {}},
        headers=unit,
    )
    assert created.status == 503
    assert created.content_type == "application/problem+json"
    assert (await client.get("/healthz")).status == 503
