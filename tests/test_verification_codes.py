"""Verification codes as a person gets them: by SMS, once, for 5 minutes, a few tries."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import replace

import pytest

from kernel import clock, verification
from kernel.app import create_app
from kernel.db.models import OutboxMessage, VerificationCode
from kernel.errors import ApiError
from kernel.notify.senders import build_senders
from kernel.notify.worker import deliver_due

from .notify_stubs import Gateway

MOBILE = "13800138000"


@pytest.fixture
async def client(aiohttp_client, config):
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def gateway(aiohttp_server):
    gateway = Gateway()
    gateway.server = await aiohttp_server(gateway.app())
    return gateway


@pytest.fixture
def senders(config, gateway):
    return build_senders(
        replace(config, senders="sms", sms_gateway_url=str(gateway.server.make_url("/send")))
    )


@pytest.fixture
def at(monkeypatch):
    """Move the service's clock: ``at(minutes=5)`` is five minutes from now."""
    start = clock.now()

    def move(**delta) -> dt.datetime:
        moved = start + dt.timedelta(**delta)
        monkeypatch.setattr(clock, "now", lambda: moved)
        return moved

    return move


async def request_code(client, target=MOBILE, purpose="foreignwork.password-reset", channel="sms"):
    return await client.post(
        "/api/verification-codes", json={"channel": channel, "target": target, "purpose": purpose}
    )


async def received_code(client, senders, gateway, **request) -> str:
    """Request a code anonymously, let the worker send it, read it off the phone."""
    response = await request_code(client, **request)
    assert response.status == 202, await response.text()
    assert await deliver_due(senders) == 1
    text = gateway.delivered[-1]["text"]
    assert gateway.delivered[-1]["mobile"] == MOBILE and "5分钟内有效" in text
    code = re.search(r"验证码为(\d{6})", text)[1]
    assert code not in await response.text()
    return code


def refusal(excinfo) -> tuple[int, str, tuple[str, ...]]:
    error: ApiError = excinfo.value
    return error.status, error.violations[0].rule, error.violations[0].fields


async def test_a_code_received_by_sms_verifies_once(client, senders, gateway):
    response = await request_code(client, target="+86 138-0013-8000")
    body = await response.json()
    assert response.status == 202
    assert body["target"] == "138****8000" and body["channel"] == "sms"
    assert await deliver_due(senders) == 1
    code = re.search(r"验证码为(\d{6})", gateway.delivered[0]["text"])[1]
    assert code not in str(body)
    stored = await VerificationCode.get(target=MOBILE)
    assert code not in stored.code_hash

    used = await verification.check(MOBILE, "foreignwork.password-reset", code)
    assert used.used_at is not None
    with pytest.raises(ApiError) as again:
        await verification.check(MOBILE, "foreignwork.password-reset", code)
    assert refusal(again) == (422, "code.used", ("/code",))


async def test_a_code_is_for_its_purpose_only(client, senders, gateway):
    code = await received_code(client, senders, gateway, purpose="websites.handler-mobile")
    with pytest.raises(ApiError) as other:
        await verification.check(MOBILE, "foreignwork.password-reset", code)
    assert refusal(other)[1] == "code.missing"
    assert (
        await verification.check(MOBILE, "websites.handler-mobile", code)
    ).purpose == "websites.handler-mobile"


async def test_five_wrong_codes_kill_it(client, senders, gateway):
    code = await received_code(client, senders, gateway)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(ApiError) as guess:
            await verification.check(MOBILE, "foreignwork.password-reset", wrong)
        assert refusal(guess) == (422, "code.wrong", ("/code",))
        assert f"还可尝试{left}次" in guess.value.violations[0].message.zh
    with pytest.raises(ApiError) as fifth:
        await verification.check(MOBILE, "foreignwork.password-reset", wrong)
    assert refusal(fifth) == (429, "code.attempts", ("/code",))
    with pytest.raises(ApiError) as right_too_late:
        await verification.check(MOBILE, "foreignwork.password-reset", code)
    assert refusal(right_too_late) == (429, "code.attempts", ("/code",))


async def test_a_code_lasts_five_minutes(client, senders, gateway, at):
    at()  # the clock stands still from here
    first = await received_code(client, senders, gateway, purpose="websites.handler-mobile")
    second = await received_code(client, senders, gateway, purpose="foreignwork.password-reset")
    at(minutes=4, seconds=59)
    assert await verification.check(MOBILE, "websites.handler-mobile", first)
    at(minutes=5)
    with pytest.raises(ApiError) as late:
        await verification.check(MOBILE, "foreignwork.password-reset", second)
    assert refusal(late) == (422, "code.expired", ("/code",))


async def test_a_new_code_only_after_a_minute_and_then_the_new_one_counts(
    client, senders, gateway, at, monkeypatch
):
    codes, randbelow = iter(range(123456, 10**6, 111111)), verification.secrets.randbelow

    def two_different_codes(n: int) -> int:  # so that the first must stop counting
        return next(codes) if n == 10**6 else randbelow(n)

    monkeypatch.setattr(verification.secrets, "randbelow", two_different_codes)
    at()
    first = await received_code(client, senders, gateway)
    at(seconds=30)
    too_soon = await request_code(client)
    problem = await too_soon.json()
    assert too_soon.status == 429
    assert problem["retry_after"] == 30 and problem["violations"][0]["rule"] == "code.too-soon"
    assert await OutboxMessage.all().count() == 1  # nothing more was sent
    at(seconds=61)
    second = await received_code(client, senders, gateway)
    assert first != second
    with pytest.raises(ApiError) as replaced:
        await verification.check(MOBILE, "foreignwork.password-reset", first)
    assert refusal(replaced)[1] == "code.wrong"
    assert await verification.check(MOBILE, "foreignwork.password-reset", second)


async def test_targets_are_validated_and_anonymous_callers_get_202(client):
    bad_mobile = await request_code(client, target="12345")
    assert bad_mobile.status == 400
    assert (await bad_mobile.json())["violations"][0]["fields"] == ["/target"]
    bad_channel = await request_code(client, channel="fax")
    assert (await bad_channel.json())["violations"][0]["fields"] == ["/channel"]
    mail = await request_code(client, target="Office@Example.gov.cn", channel="email")
    assert mail.status == 202 and (await mail.json())["target"] == "O****@example.gov.cn"
    row = await OutboxMessage.get(channel="email")
    assert (row.recipient, row.subject) == ("Office@example.gov.cn", "政务服务验证码")


async def test_no_code_ever_reaches_the_log(client, senders, gateway, config, caplog):
    # The service logs at INFO (kernel.logs); the kernel's own loggers are checked at DEBUG.
    # tortoise and aiosqlite echo SQL parameters at DEBUG, outbox bodies included.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="kernel")
    gateway.failures = 1  # the failed attempt is logged too
    response = await request_code(client)
    assert response.status == 202
    assert await deliver_due(senders) == 0
    assert await deliver_due(senders, now=clock.now() + dt.timedelta(minutes=1)) == 1
    sms_code = re.search(r"验证码为(\d{6})", gateway.delivered[0]["text"])[1]
    with pytest.raises(ApiError):
        await verification.check(
            MOBILE, "foreignwork.password-reset", f"{(int(sms_code) + 1) % 10**6:06d}"
        )
    await verification.check(MOBILE, "foreignwork.password-reset", sms_code)

    mailed = await request_code(client, target="office@example.gov.cn", channel="email")
    assert mailed.status == 202
    row = await OutboxMessage.get(channel="email")  # read before it is sent: then blanked
    mail_code = re.search(r"验证码为(\d{6})", row.body)[1]
    assert await deliver_due(build_senders(config)) == 1  # the default: the log sender
    assert mail_code not in (await OutboxMessage.get(channel="email")).body

    assert "o****@example.gov.cn" in caplog.text and "138****8000" in caplog.text
    assert sms_code not in caplog.text and mail_code not in caplog.text


async def test_two_requests_at_once_send_one_code(client):
    first, second = await asyncio.gather(request_code(client), request_code(client))
    assert sorted([first.status, second.status]) == [202, 429]
    assert await OutboxMessage.all().count() == 1
