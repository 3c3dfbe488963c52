"""#12 point 8: verification codes only for the purposes the processes declare, and limited
per target, per client and per hour (30 free-form purposes meant 30 SMS to one number)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kernel import clock
from kernel.app import create_app
from kernel.db.models import OutboxMessage

MOBILE = "13800138000"


@pytest.fixture
async def client(aiohttp_client, config):
    return await aiohttp_client(create_app(dataclasses.replace(config, trust_forwarded_for=True)))


@pytest.fixture
def at(monkeypatch):
    start = dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC)

    def move(**delta) -> None:
        monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(**delta))

    move()
    return move


async def _ask(client, purpose: str, target: str = MOBILE, ip: str = "192.0.2.1") -> int:
    response = await client.post(
        "/api/verification-codes",
        json={"channel": "sms", "target": target, "purpose": purpose},
        headers={"X-Forwarded-For": ip},
    )
    return response.status


async def test_thirty_purposes_send_no_thirty_codes(client, at):
    statuses = [await _ask(client, f"purpose-{i}") for i in range(30)]
    assert statuses == [400] * 30
    assert await OutboxMessage.all().count() == 0


async def test_the_declared_purposes_are_accepted(client, at):
    assert await _ask(client, "websites.handler-mobile") == 202
    assert await _ask(client, "foreignwork.password-reset") == 202
    assert await OutboxMessage.all().count() == 2


async def test_one_target_gets_at_most_five_codes_an_hour(client, at):
    statuses = []
    for minute in range(7):
        at(minutes=minute * 2)  # past the one-a-minute limit each time
        statuses.append(await _ask(client, "websites.handler-mobile", ip=f"192.0.2.{minute + 1}"))
    assert statuses == [202] * 5 + [429] * 2
    at(hours=1, minutes=1)
    assert await _ask(client, "websites.handler-mobile", ip="192.0.2.99") == 202


async def test_one_client_asks_for_at_most_twenty_codes_an_hour(client, at):
    targets = [f"1380013{i:04d}" for i in range(22)]
    statuses = [await _ask(client, "websites.handler-mobile", target=t) for t in targets]
    assert statuses == [202] * 20 + [429] * 2
    assert await OutboxMessage.all().count() == 20
