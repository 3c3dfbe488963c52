"""What applicants receive after a transition: real e-mail, SMS through a gateway, retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from kernel import clock
from kernel.app import create_app
from kernel.db.models import OutboxMessage
from kernel.notify.senders import LogSender, build_senders
from kernel.notify.worker import MAX_ATTEMPTS, backoff, deliver_due
from kernel.plugins import make_plugin_manager

from .factories import (
    CHANGE_DOCUMENT as DOCUMENT,
)
from .factories import (
    LONG_TERM_UNIT,
    agree_commitment,
    create_draft,
    login,
    make_account,
    make_unit,
    qr_login,
)
from .notify_stubs import Gateway, Mailbox, free_port

EXAMPLE = Path(__file__).parent / "example_plugin"
REPLY = "材料齐全，予以受理"


@pytest.fixture
async def running(aiohttp_client, config):
    """The app started (database migrated and open), worker off: tests run deliver_due."""
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def client(running):
    client = running
    await make_unit("unit-a", "110108", profile=LONG_TERM_UNIT)
    await make_unit("unit-sms", "110108", profile={"mobile": "13800138000"})
    await make_account(
        "reviewer-bj",
        "reviewer",
        ["registry_reviewer"],
        scopes=[{"process": "codeassign", "region": "110000"}],
    )
    return client


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


async def submit(client, username: str) -> int:
    """A codeassign change application submitted by ``username``; its id."""
    unit = await qr_login(username)
    draft = await (await create_draft(client, unit, data=DOCUMENT)).json()
    await agree_commitment(client, unit)
    response = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"1"'}
    )
    assert response.status == 200, await response.text()
    return draft["id"]


class Recorder:
    """A sender that remembers what it sent, giving other tasks a chance to run meanwhile."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.sent, self.calls = error, [], 0

    async def send(self, message) -> None:
        self.calls += 1
        await asyncio.sleep(0)
        if self.error:
            raise self.error
        self.sent.append(message.id)


async def test_the_applicant_receives_the_reviewers_reply_by_real_email(client, config, mailbox):
    box, port = mailbox
    application = await submit(client, "unit-a")
    reviewer = await login(client, "reviewer-bj")
    accepted = await client.post(
        f"/api/applications/{application}/transitions/accept",
        json={"reply": REPLY},
        headers={**reviewer, "If-Match": '"2"'},
    )
    assert accepted.status == 200
    assert box.messages == []  # queued, not sent inside the request

    senders = build_senders(
        replace(config, senders="smtp", smtp_port=port, smtp_sender="noreply@zwfw.example.gov.cn")
    )
    assert await deliver_due(senders) == 2
    assert len(box.messages) == 2
    sender, recipients, message = box.messages[-1]
    assert sender == "noreply@zwfw.example.gov.cn" and recipients == ["office@example.gov.cn"]
    assert message["Subject"] == "机关赋码：待复核"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert f"编号{application}" in body and f"答复意见：{REPLY}" in body
    assert await OutboxMessage.filter(sent_at=None).count() == 0
    assert await deliver_due(senders) == 0 and len(box.messages) == 2  # sent once only


async def test_a_failing_sms_gateway_is_retried_after_the_backoff(client, config, aiohttp_server):
    gateway = Gateway(failures=1)
    server = await aiohttp_server(gateway.app())
    senders = build_senders(
        replace(config, senders="sms", sms_gateway_url=str(server.make_url("/send")))
    )
    application = await submit(client, "unit-sms")
    started = clock.now()

    assert await deliver_due(senders, now=started) == 0
    row = await OutboxMessage.get(application_id=application)
    assert (row.attempts, row.sent_at, row.failed_at) == (1, None, None)
    assert "500" in row.last_error
    assert row.next_attempt_at >= started + backoff(1)

    assert await deliver_due(senders, now=started + dt.timedelta(seconds=5)) == 0
    assert len(gateway.calls) == 1  # not due yet

    assert await deliver_due(senders, now=started + backoff(1)) == 1
    assert gateway.delivered == [{"mobile": "13800138000", "text": gateway.calls[1]["text"]}]
    assert f"编号{application}" in gateway.delivered[0]["text"]
    assert "待受理" in gateway.delivered[0]["text"]
    row = await OutboxMessage.get(id=row.id)
    assert row.sent_at is not None and row.attempts == 2


async def test_a_refused_transition_queues_nothing(client):
    unit = await qr_login("unit-a")
    bad = {k: v for k, v in DOCUMENT.items() if k != "handler_mobile"}  # incomplete
    draft = await (await create_draft(client, unit, data=bad)).json()
    await agree_commitment(client, unit)
    refused = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"1"'}
    )
    assert refused.status == 422
    assert await OutboxMessage.all().count() == 0

    fixed = await client.put(
        f"/api/applications/{draft['id']}",
        json={"data": DOCUMENT},
        headers={**unit, "If-Match": '"1"'},
    )
    assert fixed.status == 200
    submitted = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"2"'}
    )
    assert submitted.status == 200
    assert await OutboxMessage.filter(application_id=draft["id"]).count() == 1


def queue(count: int, channel: str = "email") -> list:
    now = clock.now()
    return [
        OutboxMessage(
            channel=channel,
            recipient=f"u{i}@example.gov.cn",
            subject="通知",
            body="正文",
            next_attempt_at=now,
        )
        for i in range(count)
    ]


async def test_two_workers_at_once_never_send_a_row_twice(running):
    rows = queue(6)
    for row in rows:
        await row.save()
    recorder = Recorder()
    senders = {"email": recorder}
    first, second = await asyncio.gather(deliver_due(senders), deliver_due(senders))
    assert first + second == 6
    assert sorted(recorder.sent) == sorted(r.id for r in rows)
    assert await OutboxMessage.filter(sent_at=None).count() == 0


async def test_after_the_attempts_limit_the_row_is_marked_failed(running, caplog):
    (row,) = queue(1)
    await row.save()
    broken = Recorder(OSError("mailbox unavailable"))
    senders = {"email": broken}
    now = clock.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await deliver_due(senders, now=now) == 0
        await row.refresh_from_db()
        assert row.attempts == attempt
        assert (row.failed_at is None) == (attempt < MAX_ATTEMPTS)
        now += backoff(attempt)
    assert row.last_error == "OSError: mailbox unavailable"
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1 and "u****@example.gov.cn" in failures[0].getMessage()
    assert await deliver_due(senders, now=now + dt.timedelta(days=30)) == 0
    assert broken.calls == MAX_ATTEMPTS


async def test_a_channel_without_a_sender_is_a_failure_not_a_silent_drop(running):
    (row,) = queue(1, channel="wechat")
    await row.save()
    assert await deliver_due({"email": Recorder()}) == 0
    await row.refresh_from_db()
    assert row.attempts == 1 and "no sender for channel 'wechat'" in row.last_error


def test_senders_come_from_the_configuration(config):
    assert {type(s) for s in build_senders(config).values()} == {LogSender}
    chosen = build_senders(
        replace(config, senders="log, smtp,sms", sms_gateway_url="http://127.0.0.1:9/send")
    )
    assert [type(chosen[c]).__name__ for c in ("email", "sms", "log")] == [
        "SmtpSender",
        "SmsGatewaySender",
        "LogSender",
    ]
    with pytest.raises(ValueError, match="GOVFLOW_SMS_GATEWAY_URL"):
        build_senders(replace(config, senders="sms"))
    with pytest.raises(ValueError, match="unknown sender 'fax'"):
        build_senders(replace(config, senders="log,fax"))


@pytest.fixture
def example_pm(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import govflow_example

    yield make_plugin_manager(extra=[("parking", govflow_example)])
    sys.modules.pop("govflow_example", None)


async def test_a_plugin_decides_the_messages_and_delivers_its_own_channel(
    aiohttp_client, config, example_pm, caplog
):
    config = replace(config, captcha_text=lambda: "PK26")  # officers log in with a captcha
    client = await aiohttp_client(create_app(config, example_pm))
    await make_account(
        "resident", "natural_person", ["resident"], profile={"mobile": "13912345678"}
    )
    await make_account("officer", "reviewer", ["officer"], scopes=[{"process": "parking"}])
    resident, officer = await login(client, "resident"), await login(client, "officer")
    created = await client.post(
        "/api/applications",
        headers=resident,
        json={
            "process": "parking",
            "matter": "apply",
            "data": {"plate": "京A12345", "vehicle_type": "petrol"},
        },
    )
    permit = (await created.json())["id"]
    submitted = await client.post(
        f"/api/applications/{permit}/transitions/submit", headers={**resident, "If-Match": '"1"'}
    )
    assert submitted.status == 200
    assert await OutboxMessage.all().count() == 0  # the plugin tells nobody of a submission

    granted = await client.post(
        f"/api/applications/{permit}/transitions/grant", headers={**officer, "If-Match": '"2"'}
    )
    assert granted.status == 200
    caplog.set_level(logging.INFO, logger="kernel.notify")
    assert await deliver_due(build_senders(config, example_pm)) == 2
    board = (config.data_dir / "parking-board.txt").read_text("utf-8")
    assert board == f"停车许可公示\t居民停车许可（编号{permit}）已批准。\n"
    logged = [r.getMessage() for r in caplog.records if r.name == "kernel.notify.senders"]
    assert len(logged) == 1 and "channel=sms to=139****5678" in logged[0]
    assert "13912345678" not in caplog.text


async def test_the_apps_own_worker_delivers_and_stops_with_the_app(
    aiohttp_client, aiohttp_server, config, monkeypatch
):
    import kernel.app

    ended: list[str] = []
    run_worker = kernel.app.run_worker

    async def worker_that_says_how_it_ended(app, stop) -> None:
        try:
            await run_worker(app, stop)
        except asyncio.CancelledError:  # what the 5 s grace does to a worker deaf to ``stop``
            ended.append("cancelled")
            raise
        ended.append("returned")

    monkeypatch.setattr(kernel.app, "run_worker", worker_that_says_how_it_ended)
    gateway = Gateway()
    server = await aiohttp_server(gateway.app())
    client = await aiohttp_client(
        create_app(
            replace(
                config,
                outbox_worker=True,
                senders="sms",
                sms_gateway_url=str(server.make_url("/send")),
            )
        )
    )
    response = await client.post(
        "/api/verification-codes",
        json={"channel": "sms", "target": "13800138000", "purpose": "websites.handler-mobile"},
    )
    assert response.status == 202
    await asyncio.wait_for(gateway.arrived.wait(), 30)  # a guard only: woken by the request
    assert [m["mobile"] for m in gateway.delivered] == ["13800138000"]
    await client.close()
    assert ended == ["returned"]  # it heard the app stop and finished, nothing cut it short
