"""Building accounts and sessions for API tests, the way the demo data does."""

from __future__ import annotations

from typing import Any

from kernel.auth import hash_password
from kernel.db.models import Account

PASSWORD = "Gov-flow-2026"


async def make_account(
    username: str,
    kind: str,
    roles: list[str],
    *,
    scopes: list[dict[str, Any]] | None = None,
    region: str | None = None,
    profile: dict[str, Any] | None = None,
    password: str = PASSWORD,
) -> Account:
    return await Account.create(
        username=username,
        kind=kind,
        display_name=username,
        password_hash=hash_password(password),
        roles=roles,
        scopes=scopes or [],
        region=region,
        profile=profile or {},
    )


async def login(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for ``username``."""
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": password}
    )
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def qr_login(username: str) -> dict[str, str]:
    """A session opened with the unit's login QR image (CA-02), as its login route issues."""
    from kernel.auth import issue_token

    account = await Account.get(username=username)
    token, _ = await issue_token(account, 60, "qr_image")
    return {"Authorization": f"Bearer {token}"}
