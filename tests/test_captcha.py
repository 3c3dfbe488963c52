"""Image captchas as a visitor meets them: a small PNG, one try, five minutes, this client only."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import json
import re
import struct
import threading
from dataclasses import replace
from pathlib import Path

import pytest

import kernel.api.captcha
from kernel import captcha, clock
from kernel.app import create_app
from kernel.db import database
from kernel.db.models import Captcha
from kernel.errors import ApiError

#: Letters that cannot turn up in a lower-case hex hash, so a search for them means something.
ANSWER = "WXKP"
HERE = "127.0.0.1"  # the test client's address
START = dt.datetime(2026, 12, 2, 10, 0, 20, tzinfo=clock.CHINA)


@pytest.fixture
def config(config):
    return replace(
        config, captcha_text=lambda: ANSWER, captcha_per_minute=3, jobs=False, watch_rules=False
    )


@pytest.fixture
def at(stopped_clock):
    """Stop the service's clock: ``at(minutes=5)`` is five minutes after ``START``."""
    return stopped_clock(START)


@pytest.fixture
async def client(aiohttp_client, config):
    app = create_app(config)
    if not any(r.canonical == "/api/captchas" for r in app.router.resources()):
        app.router.add_routes(kernel.api.captcha.routes)  # until kernel.api lists it
    return await aiohttp_client(app)


def png_of(issued: dict) -> bytes:
    head, data = issued["image"].split(",", 1)
    assert head == "data:image/png;base64"
    return base64.b64decode(data, validate=True)


def refusal(excinfo) -> tuple[int, str, tuple[str, ...]]:
    error: ApiError = excinfo.value
    return error.status, error.violations[0].rule, error.violations[0].fields


async def refused(captcha_id, answer, client=HERE) -> tuple[int, str, tuple[str, ...]]:
    with pytest.raises(ApiError) as excinfo:
        await captcha.check(captcha_id, answer, client)
    return refusal(excinfo)


WRONG = (400, "captcha.wrong", ("/captcha",))


async def test_a_captcha_is_a_small_png_and_the_answer_is_not_in_the_response(client, at):
    response = await client.post("/api/captchas")
    assert response.status == 201, await response.text()
    assert response.headers["Cache-Control"] == "no-store"
    issued = await response.json()
    assert set(issued) == {"id", "image", "expires_at"}
    assert re.fullmatch(r"[0-9a-f]{32}", issued["id"])
    assert dt.datetime.fromisoformat(issued["expires_at"]) == START + dt.timedelta(minutes=5)
    # Not in the text, the image aside: its base64 holds any four letters now and then (1 %).
    assert ANSWER not in json.dumps({k: v for k, v in issued.items() if k != "image"}).upper()
    png = png_of(issued)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (200, 70)
    assert len(png) < 20_000
    try:
        from PIL import Image
    except ImportError:  # the IHDR above already says PNG, 200×70
        return
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
        assert image.format == "PNG" and image.size == (200, 70)


async def test_only_a_hash_of_the_answer_is_stored(client, config):
    issued = await (await client.post("/api/captchas")).json()
    row = await Captcha.get(id=issued["id"])
    assert row.answer_hash == hashlib.sha256((issued["id"] + ANSWER).encode()).hexdigest()
    assert row.client == HERE and row.used_at is None
    if database.is_sqlite(config.database_url):
        path = Path(config.database_url.removeprefix("sqlite://"))
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    else:
        conn = Captcha._meta.db
        rows = await conn.execute_query_dict("SELECT row_to_json(c)::text AS r FROM captcha c")
        stored = "".join(r["r"] for r in rows).encode()
    assert issued["id"].encode() in stored  # the search does look at the row
    assert ANSWER.encode() not in stored.upper()


async def test_the_right_answer_passes_once_in_any_case(client):
    issued = await (await client.post("/api/captchas")).json()
    assert await captcha.check(issued["id"], ANSWER.lower(), HERE) is None
    assert (await Captcha.get(id=issued["id"])).used_at is not None
    assert await refused(issued["id"], ANSWER) == WRONG  # used


async def test_check_without_the_app(database_url, config, at):
    """The checks as a route will make them, with only the database connected."""
    config = replace(config, captcha_per_minute=10)
    async with database.connected(database_url):
        right = await captcha.issue(HERE, config)
        await captcha.check(right["id"], " wxKp ", HERE)  # spaces and case do not matter

        wrong = await captcha.issue(HERE, config)
        assert await refused(wrong["id"], "WXKQ") == WRONG
        assert await refused(wrong["id"], ANSWER) == WRONG  # used up by the wrong try

        full_width = await captcha.issue(HERE, config)
        await captcha.check(full_width["id"], "ｗｘｋｐ", HERE)  # a Chinese input method's

        elsewhere = await captcha.issue(HERE, config)
        assert await refused(elsewhere["id"], ANSWER, client="198.51.100.4") == WRONG
        assert await refused(elsewhere["id"], ANSWER) == WRONG  # that try used it up too

        unknown = await refused("0" * 32, ANSWER)
        malformed = await refused("../../etc", ANSWER)
        assert unknown == malformed == WRONG


async def test_a_captcha_lasts_five_minutes(database_url, config, at):
    async with database.connected(database_url):
        early, late = await captcha.issue(HERE, config), await captcha.issue(HERE, config)
        at(minutes=4, seconds=59)
        await captcha.check(early["id"], ANSWER, HERE)
        at(minutes=5)
        with pytest.raises(ApiError) as expired:
            await captcha.check(late["id"], ANSWER, HERE)
        assert refusal(expired) == (400, "captcha.expired", ("/captcha",))
        message = expired.value.violations[0].message
        assert message.zh == "验证码已过期，请刷新" and "expired" in message.en
        assert await refused(late["id"], ANSWER) == WRONG  # and used


async def test_a_missing_captcha_or_answer_is_asked_for(database_url, config):
    async with database.connected(database_url):
        issued = await captcha.issue(HERE, config)
        for captcha_id, answer in ((None, ANSWER), (issued["id"], None), (issued["id"], " ")):
            with pytest.raises(ApiError) as missing:
                await captcha.check(captcha_id, answer, HERE)
            assert refusal(missing) == (400, "captcha.required", ("/captcha",))
            assert missing.value.violations[0].message.zh == "请输入验证码"
        await captcha.check(issued["id"], ANSWER, HERE)  # asking did not use it up


async def test_of_two_concurrent_right_answers_one_passes(database_url, config):
    async with database.connected(database_url):
        issued = await captcha.issue(HERE, config)
        results = await asyncio.gather(
            *(captcha.check(issued["id"], ANSWER, HERE) for _ in range(10)),
            return_exceptions=True,
        )
        assert results.count(None) == 1
        assert all(refusal_of(r) == WRONG for r in results if r is not None)


def refusal_of(error: BaseException) -> tuple[int, str, tuple[str, ...]]:
    assert isinstance(error, ApiError)
    return error.status, error.violations[0].rule, error.violations[0].fields


async def test_too_many_captchas_a_minute_answer_429(client, at):
    for _ in range(3):
        assert (await client.post("/api/captchas")).status == 201
    at(seconds=5)  # 10:00:25
    throttled = await client.post("/api/captchas")
    assert throttled.status == 429
    assert throttled.content_type == "application/problem+json"
    problem = await throttled.json()
    assert problem["status"] == 429 and problem["retry_after"] == 35
    assert throttled.headers["Retry-After"] == "35"
    assert problem["title_zh"] == "尝试次数过多，请稍后再试"
    assert await Captcha.all().count() == 3  # nothing drawn or stored for the refusal
    at(seconds=40)  # 10:01:00: a new minute
    assert (await client.post("/api/captchas")).status == 201


async def test_behind_a_trusted_proxy_each_visitor_has_a_limit(aiohttp_client, config, at):
    app = create_app(replace(config, trust_forwarded_for=True))
    if not any(r.canonical == "/api/captchas" for r in app.router.resources()):
        app.router.add_routes(kernel.api.captcha.routes)
    client = await aiohttp_client(app)
    first, second = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
    for _ in range(3):
        assert (await client.post("/api/captchas", headers=first)).status == 201
    assert (await client.post("/api/captchas", headers=first)).status == 429
    issued = await client.post("/api/captchas", headers=second)
    assert issued.status == 201
    captcha_id = (await issued.json())["id"]
    assert (await Captcha.get(id=captcha_id)).client == "203.0.113.2"
    assert await refused(captcha_id, ANSWER, client="203.0.113.1") == WRONG


async def test_drawing_runs_off_the_event_loop(database_url, config, monkeypatch):
    drawn_in: list[threading.Thread] = []
    draw = captcha._png

    def spy(text: str) -> bytes:
        drawn_in.append(threading.current_thread())
        return draw(text)

    monkeypatch.setattr(captcha, "_png", spy)
    async with database.connected(database_url):
        await captcha.issue(HERE, config)
    assert drawn_in and drawn_in[0] is not threading.main_thread()


def test_random_answers_have_no_look_alikes():
    answers = {captcha.random_text() for _ in range(200)}
    assert len(answers) > 190
    for answer in answers:
        assert len(answer) == captcha.LENGTH and 4 <= captcha.LENGTH <= 5
        assert set(answer) <= set(captcha.ALPHABET)
    assert not set("0O1IL") & set(captcha.ALPHABET)


async def test_the_route_is_described_in_the_openapi_document(client):
    document = await (await client.get("/api/openapi.json")).json()
    operation = document["paths"]["/api/captchas"]["post"]
    assert "201" in operation["responses"]
    assert "获取图形验证码" in str(operation) and "Get an image captcha" in str(operation)
