"""Logging in and out, the current account, agreeing to texts (login commitment, ...)."""

from __future__ import annotations

from aiohttp import web

from .. import agreements, auth, captcha, clock
from ..db.models import Account, Agreement
from ..errors import field_error
from ..keys import CONFIG, KERNEL
from ..throttle import client_address
from .http import json_object, json_response

routes = web.RouteTableDef()

#: How the login page names its fields: a Chinese message never shows ``password``.
LOGIN_FIELDS = {"username": ("用户名", "The user name"), "password": ("密码", "The password")}


@routes.post("/api/auth/login")
async def login(request: web.Request) -> web.Response:
    body = await json_object(request)
    username, password = body.get("username"), body.get("password")
    for field, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            zh, en = LOGIN_FIELDS[field]
            raise field_error(f"/{field}", "request.required", f"请填写{zh}", f"{en} is required")
    config = request.app[CONFIG]
    token, record = await auth.login(
        username.strip(),
        password,
        config.token_ttl_minutes,
        client=client_address(request),
        vouch=lambda account: _captcha_if_required(request, account, body.get("captcha")),
    )
    await record.fetch_related("account")
    return json_response(
        {
            "token": token,
            "expires_at": record.expires_at.isoformat(),
            "account": auth.public_account(record.account),
        }
    )


async def _captcha_if_required(request: web.Request, account: Account, given: object) -> None:
    """A process whose login asks for a captcha (manifest ``login_captcha``, e.g. websites'
    WS-02: account, password and captcha) is not sidestepped here: an account holding one of
    those roles gets no token without the captcha. It is asked only once the password is right
    (guesses are bounded by the login lockout meanwhile), so that a wrong password gets the same
    401 whether the name is a unit's, another account's or no one's: the captcha question never
    tells which names exist. Other accounts log in as before."""
    roles = {r for p in request.app[KERNEL].processes.values() for r in p.login_captcha}
    if not set(account.roles) & roles:
        return
    answer = given if isinstance(given, dict) else {}
    await captcha.check(answer.get("id"), answer.get("answer"), client_address(request))


@routes.post("/api/auth/logout")
async def logout(request: web.Request) -> web.Response:
    auth.current_account(request)
    token = request[auth.TOKEN]
    token.revoked_at = clock.now()
    await token.save(update_fields=["revoked_at"])
    return web.Response(status=204)


@routes.get("/api/auth/me")
async def me(request: web.Request) -> web.Response:
    account = auth.current_account(request)
    agreements = await Agreement.filter(account=account).order_by("agreed_at")
    return json_response(
        {
            **auth.public_account(account),
            "profile": account.profile,
            "agreements": [
                {"text_id": a.text_id, "version": a.version, "agreed_at": a.agreed_at.isoformat()}
                for a in agreements
            ],
        }
    )


@routes.get("/api/agreements/{text_id}")
async def agreement_text(request: web.Request) -> web.Response:
    """The text in force and its version (CA-03 登录承诺), and whether the caller agreed to it."""
    current = agreements.text(request.app[KERNEL], request.match_info["text_id"])
    account = request.get(auth.ACCOUNT)
    agreed = account is not None and await Agreement.exists(
        account=account, text_id=current.text_id, version=current.version
    )
    return json_response(
        {
            "text_id": current.text_id,
            "title": current.title.as_dict(),
            "version": current.version,
            "text": current.text(),
            "agreed": agreed,
        }
    )


@routes.post("/api/auth/agreements")
async def agree(request: web.Request) -> web.Response:
    """Record that the account agreed to a text (CA-03 登录承诺): who, when, which version.

    Only the version in force of a text the server holds; agreeing again changes nothing.
    """
    account = auth.current_account(request)
    body = await json_object(request)
    text_id, version = body.get("text_id"), body.get("version")
    if not isinstance(text_id, str) or not text_id or not isinstance(version, str) or not version:
        raise field_error(
            "/text_id",
            "request.required",
            "请提供text_id和version",
            "text_id and version are required",
        )
    agreement = await agreements.agree(request.app[KERNEL], account, text_id, version)
    return json_response(
        {
            "text_id": agreement.text_id,
            "version": agreement.version,
            "agreed_at": agreement.agreed_at.isoformat(),
        },
        status=201,
    )
