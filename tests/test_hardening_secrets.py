"""#12 point 3: no secret is stored except hashed, nor returned, logged, audited or exported.

Secrets here: the passwords people type (at login, registering, resetting), the bearer tokens
and visitor tokens handed out, the verification codes and the new passwords sent by SMS, the
login QR images and the secrets they carry. One journey per process that handles secrets runs
through HTTP; then every response (body and headers; an XLSX export unpacked), every log line
(the access log included), every row of every table (read back as text, on SQLite and
PostgreSQL alike), the SQLite file with its WAL and every file under the data directory are
searched for the plain values. A new process that handles secrets adds its journey to
``JOURNEYS``.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tortoise import connections

from kernel.app import create_app
from kernel.db.models import OutboxMessage
from kernel.notify.worker import deliver_due

from . import engineers_helpers as en
from . import fw_helpers as fw
from . import test_codeassign_journey as ca
from . import test_foreignwork_accounts as fwa
from . import test_websites_journey as ws
from .conftest import PG_URL
from .factories import CHANGE_DOCUMENT, PASSWORD, make_account

ANSWER = "AB23"  # every journey's captcha answer (the tests' fixed captcha text)


class Recorder:
    """The test client, keeping every answer as text so that the test can search them all.

    Stands in for the client in the journeys' own helpers: what it does not record it hands
    to the client (``client.server.app`` and the like).
    """

    def __init__(self, client) -> None:
        self.client, self.seen = client, []

    def __getattr__(self, name: str):
        return getattr(self.client, name)

    async def request(self, method: str, path: str, **kwargs):
        response = await self.client.request(method, path, **kwargs)
        body = _readable(await response.read())  # read once; .json() and .text() still work
        self.seen.append(f"{method} {path} {response.status}\n{dict(response.headers)}\n{body}")
        return response

    async def get(self, path: str, **kwargs):
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs):
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs):
        return await self.request("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs):
        return await self.request("DELETE", path, **kwargs)


def _readable(raw: bytes) -> str:
    """A body as text; a zip (an XLSX export) as the text of every file in it."""
    if raw.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return raw.decode("utf-8", "replace")


@dataclass
class Secrets:
    """What a journey learnt that nobody may read back."""

    #: Typed by a person or sent by SMS: no answer, log line, row or file holds it.
    never: set[str] = field(default_factory=set)
    #: Handed over by the one answer that issues it (a token, a login image): no other answer,
    #: no log line, no row, no file.
    once: set[str] = field(default_factory=set)
    #: Files handed over once (a login image): never kept in the database or the data folder.
    images: set[bytes] = field(default_factory=set)

    def token(self, answer: dict, key: str = "token") -> dict[str, str]:
        self.once.add(answer[key])
        return {"Authorization": f"Bearer {answer[key]}"}

    def image(self, png: bytes, payload: str) -> None:
        self.once.add(base64.b64encode(png).decode())
        self.images.add(png)
        self.never.add(payload.split(".")[-1])  # the secret the image carries


async def password_login(client, secrets: Secrets, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status == 200, await response.text()
    return secrets.token(await response.json())


async def sms_code(secrets: Secrets, mobile: str) -> str:
    """The last code sent to ``mobile``, as the phone shows it."""
    code = await ws.sms_code(mobile)
    secrets.never.add(code)
    return code


# -- the journeys ---------------------------------------------------------------------------------


async def codeassign_journey(client, secrets: Secrets) -> None:
    """A reviewer's password login, a unit's login QR image requested, delivered and used
    (CA-02), then a change from draft to acceptance."""
    await make_account(
        "registry-bj",
        "reviewer",
        ["registry_reviewer"],
        scopes=[{"process": "codeassign", "region": "110000"}],
    )
    wrong = await client.post(
        "/api/auth/login", json={"username": "registry-bj", "password": "Wrong-pass-1"}
    )
    assert wrong.status == 401
    secrets.never.add("Wrong-pass-1")
    reviewer = await password_login(client, secrets, "registry-bj")
    png = await ca.request_image(client, reviewer)
    secrets.image(png, ca.payload_of(png))
    opened = await ca.qr_login(client, png)
    assert opened.status == 200, await opened.text()
    unit = secrets.token(await opened.json())
    agreed = {"text_id": "codeassign.login", "version": "2024-01"}
    assert (await client.post("/api/auth/agreements", json=agreed, headers=unit)).status == 201
    certificate = f"/api/codeassign/units/{ca.REQUEST['uscc']}/certificate"
    recorded = await client.put(
        certificate, json={"certificate_validity": "long_term"}, headers=reviewer
    )
    assert recorded.status == 200, await recorded.text()
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT},
        headers=unit,
    )
    assert created.status == 201, await created.text()
    number = (await created.json())["id"]
    submit = f"/api/applications/{number}/transitions/submit"
    submitted = await client.post(submit, headers={**unit, "If-Match": "1"})
    assert submitted.status == 200, await submitted.text()
    await _reads(client, [unit, reviewer], number)
    accepted = await client.post(
        f"/api/applications/{number}/transitions/accept",
        json={"reply": "予以受理"},
        headers={**reviewer, "If-Match": "2"},
    )
    assert accepted.status == 200, await accepted.text()


async def websites_journey(client, secrets: Secrets) -> None:
    """WS-01/02/03: a registration whose password is typed twice (wrongly, then rightly),
    the unit's login, a name-system account's login, the handler's mobile confirmed by SMS,
    and the establishment authority reading it all."""
    await make_account(
        "establishment-bj",
        "reviewer",
        ["reviewer"],
        scopes=[{"process": "websites", "region": "110000"}],
    )
    subject, visitor = await ws.start_registration(client, ws.REGISTRATION)
    secrets.once.add(visitor["Authorization"][7:])
    confirmed = await ws.confirm_registration_mobile(client, visitor, subject)
    assert confirmed.status == 200, await confirmed.text()
    register = f"/api/applications/{subject['id']}/transitions/register"
    mismatch = {"password": ws.PASSWORD, "password_confirm": "Wzsq2026abd"}
    refused = await client.post(
        register, json={"input": mismatch}, headers={**visitor, "If-Match": '"1"'}
    )
    assert refused.status == 422, await refused.text()
    typed = {"password": ws.PASSWORD, "password_confirm": ws.PASSWORD}
    done = await client.post(
        register, json={"input": typed}, headers={**visitor, "If-Match": '"1"'}
    )
    assert done.status == 200, await done.text()
    secrets.never |= {ws.PASSWORD, "Wzsq2026abd", "Wrong2026pass", ws.NAME_SYSTEM_PASSWORD}
    username = (await done.json())["effects"]["account"]["username"]
    assert (await ws.unit_login(client, username, "Wrong2026pass")).status == 401
    opened = await ws.unit_login(client, username)
    assert opened.status == 200, await opened.text()
    unit = secrets.token(await opened.json())
    named = await ws.unit_login(client, "SCOPSR0001", ws.NAME_SYSTEM_PASSWORD)
    assert named.status == 200, await named.text()
    secrets.token(await named.json())

    application = await ws.new_application(client, unit)
    mobile = application["data"]["handler_mobile"]
    asked = await client.post(
        "/api/verification-codes",
        json={"channel": "sms", "target": mobile, "purpose": "websites.handler-mobile"},
    )
    assert asked.status == 202, await asked.text()
    confirmed = await client.post(
        f"/api/websites/applications/{application['id']}/handler-mobile",
        json={"code": await sms_code(secrets, mobile)},
        headers=unit,
    )
    assert confirmed.status == 200, await confirmed.text()
    reviewer = await password_login(client, secrets, "establishment-bj")
    await _reads(client, [unit, reviewer], application["id"])
    await _reads(client, [visitor, reviewer], subject["id"])


async def foreignwork_journey(client, secrets: Secrets) -> None:
    """FW-01 login and QR login, FW-03 a reset by login name with a code and a new password
    (typed wrongly once), FW-04 an appeal approved, its new password sent by SMS."""
    await make_account(
        "zrr",
        "natural_person",
        ["natural_person"],
        profile={"name": "郭子晨", "id_number": "110101194910010319", "mobile": "13800138000"},
    )
    await make_account(
        "staff", "reviewer", ["platform_reviewer"], scopes=[{"process": "foreignwork"}]
    )
    person = await fw.fw_login(client, "zrr", "natural_person")
    me = secrets.token(await person.json())
    issued = await client.post("/api/foreignwork/qr-image", headers=me)
    assert issued.status == 200, await issued.text()
    png = base64.b64decode((await issued.json())["content_base64"])
    secrets.image(png, ca.payload_of(png))
    opened = await fwa.qr_login(client, png)
    assert opened.status == 200, await opened.text()
    secrets.token(await opened.json())

    code = await fwa.send_code(
        client, login_name="zrr", method="mobile", reserved_mobile="13800138000"
    )
    secrets.never |= {code, fwa.NEW_PASSWORD, "Neu-Passwort-2027"}
    meter = await client.post(
        "/api/foreignwork/password-strength", json={"password": fwa.NEW_PASSWORD}
    )
    assert (await meter.json())["strength"] == "strong"
    mistyped = fwa.reset_form(verification_code=code, new_password_confirm="Neu-Passwort-2027")
    assert (await fwa.post_reset(client, mistyped)).status == 422
    reset = await fwa.post_reset(client, fwa.reset_form(verification_code=code))
    assert reset.status == 200, await reset.text()
    relogin = await fw.fw_login(client, "zrr", "natural_person", fwa.NEW_PASSWORD)
    assert relogin.status == 200, await relogin.text()
    secrets.token(await relogin.json())

    await _appeal(client, secrets)


async def _appeal(client, secrets: Secrets) -> None:
    data = {
        "name": "郭子晨",
        "identity_type": "mainland",
        "id_type": "resident_id",
        "id_number": "110101194910010319",
        "mobile": "13500135000",
    }
    appeal, visitor = await fwa.start(client, "appeal_natural", data)
    secrets.once.add(visitor["Authorization"][7:])
    aid = appeal["id"]
    asked = await client.post(f"/api/foreignwork/appeals/{aid}/code", headers=visitor)
    assert asked.status == 200, await asked.text()
    code = await sms_code(secrets, "13500135000")
    checked = await client.post(
        f"/api/foreignwork/appeals/{aid}/code-check", json={"code": code}, headers=visitor
    )
    assert checked.status == 200, await checked.text()
    for version, kind, content in ((1, "id_front", fw.png()), (2, "id_back", fw.jpeg())):
        uploaded = await fwa.upload(client, visitor, aid, version, kind, content)
        assert uploaded.status == 201, await uploaded.text()
    assert (await fw.step(client, visitor, aid, 3, "submit")).status == 200
    staff = await password_login(client, secrets, "staff")
    approved = await fw.step(client, staff, aid, 4, "approve")
    assert approved.status == 200, await approved.text()
    sent = (await fw.sms_to("13500135000"))[-1]
    password = re.search(r"新密码：(\S+?)。", sent.body).group(1)
    secrets.never.add(password)
    opened = await fw.fw_login(client, "zrr", "natural_person", password)
    assert opened.status == 200, await opened.text()
    secrets.token(await opened.json())
    await _reads(client, [visitor, staff], aid)


async def engineers_journey(client, secrets: Secrets) -> None:
    """Logins of an enterprise, an individual and the reviewers; a declaration; the
    registered persons read and exported (CSV, XLSX) by the enterprise and the province."""
    await en.enterprise("ent", en.QUALIFIED)
    await en.individual("person0", "工程师0", en.IDS[0])
    await en.reviewers()
    wrong = await client.post(
        "/api/auth/login", json={"username": "ent", "password": "Wrong-pass-2"}
    )
    assert wrong.status == 401
    secrets.never.add("Wrong-pass-2")
    enterprise = await password_login(client, secrets, "ent")
    individual = await password_login(client, secrets, "person0")
    province = await password_login(client, secrets, "province")
    declared = await en.declare(client, individual, en.QUALIFIED)
    await en.show_commitment(client, enterprise)
    for headers, query in ((enterprise, {}), (province, {"enterprise_uscc": en.QUALIFIED[0]})):
        for export in ("registrations", "registrations/export.csv", "registrations/export.xlsx"):
            response = await client.get(f"/api/engineers/{export}", params=query, headers=headers)
            assert response.status == 200, await response.text()
    await _reads(client, [individual, enterprise], declared["id"])


async def _reads(client, people: list[dict[str, str]], subject_id: int) -> None:
    """What each of ``people`` reads of a subject: lists, the subject, its history, itself."""
    for headers in people:
        await client.get("/api/applications", headers=headers)
        await client.get(f"/api/applications/{subject_id}", headers=headers)
        await client.get(f"/api/applications/{subject_id}/history", headers=headers)
        await client.get("/api/auth/me", headers=headers)


JOURNEYS = [codeassign_journey, websites_journey, foreignwork_journey, engineers_journey]


# -- the search -----------------------------------------------------------------------------------


class Delivered:
    """Every channel's sender: takes each message, as the phone or the mailbox would."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def send(self, row) -> None:
        self.bodies.append(row.body)


async def every_row_as_text() -> str:
    """Every row of every table, as a dump would have it (PostgreSQL: ``row::text``)."""
    conn = connections.get("default")
    if PG_URL:
        names = await conn.execute_query_dict(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        query = 'SELECT t::text AS row FROM "{}" t'
    else:
        names = await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        query = 'SELECT * FROM "{}"'
    rows = []
    for name in (n["name"] for n in names):
        rows += [json.dumps(r, default=repr, ensure_ascii=False)
                 for r in await conn.execute_query_dict(query.format(name))]  # fmt: skip
    assert rows, "the tables were read"
    return "\n".join(rows)


@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda j: j.__name__)
async def test_no_secret_in_any_response_log_row_or_file(aiohttp_client, config, caplog, journey):
    caplog.set_level(logging.INFO)  # the service logs at INFO; DEBUG of the ORM echoes SQL
    # A fixed captcha answer; jobs run by no one: the test delivers the outbox itself.
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, jobs=False)
    client = Recorder(await aiohttp_client(create_app(config)))
    secrets = Secrets()
    await journey(client, secrets)
    delivered = Delivered()
    await deliver_due({"sms": delivered, "email": delivered, "log": delivered}, batch=100)
    assert await OutboxMessage.filter(sent_at=None).count() == 0, "every message went out"
    assert delivered.bodies, "the journey sent messages"
    rows = await every_row_as_text()
    await client.client.close()  # the database checkpointed and closed: its files to search

    assert {s for s in secrets.never | secrets.once if len(s) < 6} == set(), "real values"
    for secret in secrets.never:
        for seen in client.seen:
            assert secret not in seen, f"an answer holds {secret[:3]}…: {seen[:300]}"
    for secret in secrets.once:
        holders = [seen[:120] for seen in client.seen if secret in seen]
        assert len(holders) == 1, f"{secret[:6]}… is answered by {holders}, not once"
    assert "govflow.access" in {r.name for r in caplog.records}, "the access log was captured"
    at_rest = {"a log line": caplog.text, "a row": rows}
    for secret in secrets.never | secrets.once:
        for where, text in at_rest.items():
            assert secret not in text, f"{where} holds {secret[:3]}…"
    files = [p for p in Path(config.data_dir).rglob("*") if p.is_file()]
    if not PG_URL:
        database = Path(config.database_url.removeprefix("sqlite://"))
        files += list(database.parent.glob(database.name + "*"))
        assert database in files
    for path in files:
        stored = path.read_bytes()
        for secret in secrets.never | secrets.once:
            assert secret.encode() not in stored, f"{path.name} holds {secret[:3]}…"
        for image in secrets.images:
            assert image not in stored, f"{path.name} holds a login image"
