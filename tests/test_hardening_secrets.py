"""#12 point 3 (kernel side): no secret is stored except hashed, nor returned or logged.

Secrets here: the passwords typed at login, the bearer tokens handed out, the verification
code sent by SMS. A codeassign journey and the kernel's own endpoints run through HTTP; then
every response (body and headers), every log line and the database file are searched for the
plain values. Extend ``JOURNEYS`` with another process's journey to cover it too.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from kernel import verification
from kernel.app import create_app
from kernel.notify.worker import deliver_due

from .conftest import PG_URL
from .factories import CHANGE_DOCUMENT, PASSWORD, codeassign_people, qr_login


class Recorder:
    """Every response of the journey, as text, so the test can search them all."""

    def __init__(self, client) -> None:
        self.client, self.seen = client, []

    async def __call__(self, method: str, path: str, **kwargs):
        response = await self.client.request(method, path, **kwargs)
        body = await response.text()
        self.seen.append(f"{method} {path} {response.status}\n{dict(response.headers)}\n{body}")
        return response, body


class Sms:
    """The SMS gateway: remembers what it was asked to send."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def send(self, row) -> None:
        self.bodies.append(row.body)


async def codeassign_journey(call, secrets: set) -> None:
    """Login by password, a verification code, a change from draft to acceptance.

    Adds to ``secrets`` what it learns: plain values, or ``("token", value)`` for a bearer
    token (answered once by its login, never stored or logged)."""
    response, _body = await call(
        "POST", "/api/auth/login", json={"username": "reviewer-bj", "password": PASSWORD}
    )
    assert response.status == 200
    reviewer_token = (await response.json())["token"]
    secrets.add(("token", reviewer_token))
    reviewer = {"Authorization": f"Bearer {reviewer_token}"}
    unit = await qr_login("unit-a")
    secrets.add(("token", unit["Authorization"][7:]))
    await call("POST", "/api/auth/login", json={"username": "unit-a", "password": "Wrong-pass-1"})
    response, _ = await call(
        "POST",
        "/api/verification-codes",
        json={"channel": "sms", "target": "13800138000", "purpose": "websites.handler-mobile"},
    )
    assert response.status == 202
    created, _ = await call(
        "POST",
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT},
        headers=unit,
    )
    number = (await created.json())["id"]
    await call(
        "POST",
        "/api/auth/agreements",
        json={"text_id": "codeassign.login", "version": "2024-01"},
        headers=unit,
    )
    await call(
        "POST", f"/api/applications/{number}/transitions/submit", headers={**unit, "If-Match": "1"}
    )
    for headers in (unit, reviewer):
        await call("GET", "/api/applications", headers=headers)
        await call("GET", f"/api/applications/{number}", headers=headers)
        await call("GET", f"/api/applications/{number}/history", headers=headers)
        await call("GET", "/api/auth/me", headers=headers)
    await call(
        "POST",
        f"/api/applications/{number}/transitions/accept",
        json={"reply": "予以受理"},
        headers={**reviewer, "If-Match": "2"},
    )


JOURNEYS = [codeassign_journey]


@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda j: j.__name__)
async def test_no_secret_in_any_response_log_or_the_database(
    aiohttp_client, config, caplog, journey
):
    caplog.set_level(logging.INFO)  # the service logs at INFO; DEBUG of the ORM echoes SQL
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    call = Recorder(client)
    secrets = {PASSWORD, "Wrong-pass-1"}
    await journey(call, secrets)
    sms = Sms()
    assert await deliver_due({"sms": sms}) == 1
    code = re.search(r"[0-9]{6}", sms.bodies[0])[0]
    secrets.add(code)
    assert (
        await verification.check("13800138000", "websites.handler-mobile", code)
    ).used_at is not None
    await client.close()  # the database checkpointed and closed: one file to search

    # A token is answered once, by the login that issues it, and stored only as its hash.
    tokens = {s[1] for s in secrets if isinstance(s, tuple)}
    secrets -= {s for s in secrets if isinstance(s, tuple)}
    for secret in secrets:
        for seen in call.seen:
            assert secret not in seen, f"a response holds a secret: {seen[:200]}"
    secrets |= tokens
    for secret in secrets:
        assert secret not in caplog.text, "a log line holds a secret"
    if not PG_URL:
        path = Path(config.database_url.removeprefix("sqlite://"))
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for secret in secrets:
            assert secret.encode() not in stored, f"the database file holds {secret[:3]}…"
