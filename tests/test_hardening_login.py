"""#12 point 2: the login lockout holds under concurrency, hashing stays off the event loop,
one client cannot lock another out, and an unknown user is answered like a known one.

The reproduction: 60 parallel logins (59 wrong, then the right one) answered 59 × 401 and
then 200 — 41 guesses were checked before a lock meant for 5.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections import Counter

import pytest

from kernel import auth
from kernel.app import create_app

from .factories import PASSWORD, make_account


@pytest.fixture
async def client(aiohttp_client, config):
    app = create_app(dataclasses.replace(config, trust_forwarded_for=True))
    client = await aiohttp_client(app)
    await make_account("clerk", "reviewer", ["registry_reviewer"])
    return client


async def _burst(client, username: str, client_ip: str) -> Counter:
    """59 wrong passwords and then the right one, all at once, from one client."""

    async def attempt(password: str) -> int:
        response = await client.post(
            "/api/auth/login",
            json={"username": username, "password": password},
            headers={"X-Forwarded-For": client_ip},
        )
        if response.status == 429:
            assert response.content_type == "application/problem+json"
        return response.status

    passwords = [f"wrong-{i}" for i in range(59)] + [PASSWORD]
    return Counter(await asyncio.gather(*(attempt(p) for p in passwords)))


async def test_sixty_parallel_logins_check_five_passwords_at_most(client):
    statuses = await _burst(client, "clerk", "192.0.2.10")
    assert statuses[429] == 55
    assert statuses[401] + statuses[200] == 5
    # Locked for this client, the right password included …
    again = await client.post(
        "/api/auth/login",
        json={"username": "clerk", "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.10"},
    )
    assert again.status == 429
    # … but the owner, elsewhere, is not locked out by the attacker.
    elsewhere = await client.post(
        "/api/auth/login",
        json={"username": "clerk", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert elsewhere.status == 200


async def test_an_unknown_user_is_answered_like_a_known_one(client):
    known = await _burst(client, "clerk", "192.0.2.20")
    unknown = await _burst(client, "nobody-here", "192.0.2.21")
    assert unknown[429] == known[429] == 55
    assert unknown[401] == known[401] + known[200]


async def test_a_correct_password_clears_the_guesses_of_its_client(client):
    for _ in range(4):
        wrong = await client.post("/api/auth/login", json={"username": "clerk", "password": "nope"})
        assert wrong.status == 401
    right = await client.post("/api/auth/login", json={"username": "clerk", "password": PASSWORD})
    assert right.status == 200
    for _ in range(4):
        wrong = await client.post("/api/auth/login", json={"username": "clerk", "password": "nope"})
        assert wrong.status == 401


async def test_one_client_cannot_spray_accounts(client, monkeypatch):
    monkeypatch.setattr(auth, "MAX_LOGINS_PER_CLIENT", 8)
    statuses = []
    for i in range(10):
        response = await client.post(
            "/api/auth/login",
            json={"username": f"user-{i}", "password": "guess"},
            headers={"X-Forwarded-For": "192.0.2.30"},
        )
        statuses.append(response.status)
    assert statuses == [401] * 8 + [429] * 2


async def test_passwords_are_hashed_off_the_event_loop(client, monkeypatch):
    threads = []
    checked = auth.password_matches

    def recording(stored, password):
        threads.append(threading.current_thread() is threading.main_thread())
        return checked(stored, password)

    monkeypatch.setattr(auth, "password_matches", recording)
    for username in ("clerk", "nobody"):
        await client.post("/api/auth/login", json={"username": username, "password": "x"})
    assert threads == [False, False]
