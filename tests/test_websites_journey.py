"""websites through HTTP only, every fact built by the server (WS-01 … WS-07).

A unit registers behind a captcha, logs in with account, password and captcha, applies with
its handler's mobile confirmed by an SMS code the server checks; DNS answers from a real DNS
server on loopback, the site is served on loopback and fetched for its title and crawled for
the identification code; the establishment authority reviews, records the papers, approves;
the public listing shows the mounted site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text

from kernel.app import create_app
from kernel.db.models import Account, Application, AuditRecord, JobRun, OutboxMessage
from kernel.jobs import JobRunner, jobs_of
from kernel.keys import KERNEL

from .factories import login, make_account
from .websites_servers import DnsServer, Sites, page

ANSWER = "AB23"
PASSWORD = "Wzsq2026abc"
#: The password of the demo account SCOPSR0001 of the online-name system (namesystem.yaml).
NAME_SYSTEM_PASSWORD = "Demo2026pass"
REGISTRATION = {
    "region": {"area": "北京市", "level": "provincial"},
    "unit_name": "北京市公安局",
    "system_category": "government",
    "superior_unit": "北京市人民政府",
    "mailing_address": "北京市东城区前门东大街9号",
    "function_intro": "负责全市公安工作，维护社会治安秩序。",
    "postal_code": "100740",
    "head": "李四",
    "handler": "王五",
    "handler_landline": "01052035000",
    "handler_landline_ext": "123",
    "handler_mobile": "13901234567",
    "handler_email": "wangwu@gaj.beijing.gov.cn",
    "agreement_accepted": True,
}
HOST = "gaj.beijing.gov.cn"
APPLICATION = {
    "application_type": "new",
    "function_intro": "负责全市公安工作，维护社会治安秩序。",
    "handler_phone": "010-52035000",
    "handler_mobile": "13901234567",
    "handler_email": "wangwu@gaj.beijing.gov.cn",
    "manager_name": "赵六",
    "manager_phone": "010-52035001",
    "manager_mobile": "13912345678",
    "manager_email": "web@gaj.beijing.gov.cn",
    "website_name": "北京市公安局网",
    "chinese_domain": "北京市公安局.政务",
    "english_domain": HOST,
    "ipv4": "127.0.0.1",
    "website_intro": "发布北京市公安局政务信息，提供办事服务。",
}


@pytest.fixture
async def dns_server():
    server = DnsServer()
    await server.start()
    server.set(HOST, ["127.0.0.1"])
    server.set("北京市公安局.政务", ["127.0.0.1"])
    yield server
    server.close()


@pytest.fixture
async def sites():
    served = Sites()
    await served.start()
    served.pages[HOST] = {
        "/": page("北京市公安局网 - 首页", "<p>欢迎</p>", links=("/news.html", "/about.html")),
        "/news.html": page("新闻", "<p>新闻</p>", links=("/",)),
        "/about.html": page("关于", "<p>关于</p>"),
    }
    yield served
    await served.close()


@pytest.fixture
def crawl_seconds() -> float | None:
    """The crawl's time bound the service is configured with; ``None``: its default. A test
    sets its own with ``@pytest.mark.parametrize("crawl_seconds", [...])``."""
    return None


@pytest.fixture
async def client(aiohttp_client, config, dns_server, sites, monkeypatch, crawl_seconds):
    monkeypatch.setenv("GOVFLOW_WEBSITES_NAMESERVER", f"127.0.0.1:{dns_server.port}")
    monkeypatch.setenv("GOVFLOW_WEBSITES_SITE_PORT", str(sites.port))
    if crawl_seconds is not None:
        monkeypatch.setenv("GOVFLOW_WEBSITES_CRAWL_SECONDS", str(crawl_seconds))
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, jobs=False)
    client = await aiohttp_client(create_app(config))
    await make_account(
        "establishment-bj",
        "reviewer",
        ["reviewer"],
        scopes=[{"process": "websites", "region": "110000"}],
    )
    return client


# -- what a unit and a reviewer do, through HTTP --------------------------------------------------


async def captcha(client) -> dict:
    issued = await (await client.post("/api/captchas")).json()
    return {"id": issued["id"], "answer": ANSWER}


async def start_registration(client, data: dict) -> tuple[dict, dict]:
    body = {
        "process": "websites",
        "workflow": "registration",
        "data": data,
        "captcha": await captcha(client),
    }
    created = await client.post("/api/applications", json=body)
    assert created.status == 201, await created.text()
    subject = await created.json()
    return subject, {"Authorization": f"Bearer {subject['access_token']}"}


async def register(
    client, data: dict, password=PASSWORD, confirm=None, *, responses=None, confirm_mobile=True
):
    """填报注册信息, 注册: the answer of the register step (and every answer in ``responses``)."""
    created = await client.post(
        "/api/applications",
        json={
            "process": "websites",
            "workflow": "registration",
            "data": data,
            "captcha": await captcha(client),
        },
    )
    if created.status == 422:  # a field of the wrong format is refused at the door
        return created.status, await created.json()
    assert created.status == 201, await created.text()
    subject = await created.json()
    visitor = {"Authorization": f"Bearer {subject['access_token']}"}
    if confirm_mobile:
        confirmed = await confirm_registration_mobile(client, visitor, subject)
        assert confirmed.status == 200, await confirmed.text()
    response = await client.post(
        f"/api/applications/{subject['id']}/transitions/register",
        json={"input": {"password": password, "password_confirm": confirm or password}},
        headers={**visitor, "If-Match": '"1"'},
    )
    text = await response.text()
    if responses is not None:
        responses += [
            text,
            await (await client.get(f"/api/applications/{subject['id']}", headers=visitor)).text(),
        ]
    return response.status, await response.json()


def rules_of(problem: dict) -> set[str]:
    return {v["rule"] for v in problem.get("violations", ())}


def fields_of(problem: dict) -> set[str]:
    return {f for v in problem.get("violations", ()) for f in v["fields"]}


async def unit_login(client, username: str, password: str = PASSWORD):
    body = {"username": username, "password": password, "captcha": await captcha(client)}
    return await client.post("/api/websites/login", json=body)


async def registered_unit(client, data: dict | None = None) -> dict:
    status, answer = await register(client, data or REGISTRATION)
    assert status == 200, answer
    username = answer["effects"]["account"]["username"]
    session = await (await unit_login(client, username)).json()
    return {"Authorization": f"Bearer {session['token']}"}


async def new_application(client, unit, data=None, matter="new_site") -> dict:
    body = {"process": "websites", "matter": matter, "data": {**APPLICATION, **(data or {})}}
    created = await client.post("/api/applications", json=body, headers=unit)
    assert created.status == 201, await created.text()
    return await created.json()


async def sms_code(mobile: str) -> str:
    """The code as the handler's phone receives it: the SMS queued for that number."""
    message = await OutboxMessage.filter(recipient=mobile, channel="sms").order_by("-id").first()
    return re.search(r"\d{6}", message.body).group()


async def _confirm(client, headers, subject, kind: str, purpose: str, code: str | None):
    """Ask for the SMS code to the subject's handler mobile, then type it (or ``code``)."""
    mobile = subject["data"]["handler_mobile"]
    asked = await client.post(
        "/api/verification-codes",
        json={"channel": "sms", "target": mobile, "purpose": purpose},
    )
    assert asked.status == 202, await asked.text()
    code = code or await sms_code(mobile)
    return await client.post(
        f"/api/websites/{kind}/{subject['id']}/handler-mobile",
        json={"code": code},
        headers=headers,
    )


async def confirm_mobile(client, unit, application, code: str | None = None):
    """WS-03: the handler's mobile on the application, confirmed by the code."""
    return await _confirm(
        client, unit, application, "applications", "websites.handler-mobile", code
    )


async def confirm_registration_mobile(client, visitor, registration, code: str | None = None):
    """The registering handler asks for the SMS code and types it (WS-01: 经办人手机, 验证码)."""
    return await _confirm(
        client, visitor, registration, "registrations", "websites.registration-mobile", code
    )


async def step(client, headers, application, name, status=200, **body) -> dict:
    response = await client.post(
        f"/api/applications/{application['id']}/transitions/{name}",
        json=body,
        headers={**headers, "If-Match": f'"{application["version"]}"'},
    )
    answer = await response.json()
    assert response.status == status, answer
    return answer if status != 200 else {**answer["application"], "_answer": answer}


async def save(client, headers, application, data) -> dict:
    response = await client.put(
        f"/api/applications/{application['id']}",
        json={"data": data},
        headers={**headers, "If-Match": f'"{application["version"]}"'},
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def submitted(client, unit, data=None) -> dict:
    application = await new_application(client, unit, data)
    assert (await confirm_mobile(client, unit, application)).status == 200
    return await step(client, unit, application, "submit")


async def passed(client, unit, reviewer, data=None) -> dict:
    application = await submitted(client, unit, data)
    return await step(client, reviewer, application, "pass_preliminary", reply="初审通过")


async def approved(client, unit, reviewer, data=None) -> dict:
    application = await passed(client, unit, reviewer, data)
    application = await step(client, reviewer, application, "receive_materials")
    papers = [
        {"type": "application_letter", "stamped": True},
        {"type": "application_form", "stamped": True},
        {"type": "handler_id_copy"},
    ]
    url = f"/api/websites/applications/{application['id']}/papers"
    assert (await client.put(url, json={"items": papers}, headers=reviewer)).status == 200
    return await step(client, reviewer, application, "approve", reply="审核通过")


async def paste_code(client, sites, unit, application) -> dict:
    """标识管理: the unit copies the snippet of the application's code and pastes it before
    ``</body>`` on every page of its site; the mark it copied."""
    marks = await (await client.get("/api/websites/identification", headers=unit)).json()
    mark = next(m for m in marks["items"] if m["application_id"] == application["id"])
    host = application["data"].get("english_domain") or HOST
    for path, html in sites.pages.setdefault(host, {}).items():
        sites.pages[host][path] = html.replace("</body>", mark["snippet"] + "</body>")
    return mark


# -- WS-01, WS-02 ---------------------------------------------------------------------------------


async def test_WS01_registration_refuses_bad_fields_and_non_organs_and_keeps_no_password(
    client, database_url
):
    responses: list[str] = []
    mobiles = (f"1390123{n:04d}" for n in range(100))

    def form(data: dict = REGISTRATION, **changes) -> dict:
        """Each registration its own handler's mobile: one SMS code a minute per number."""
        return {**data, "handler_mobile": next(mobiles), **changes}

    bad = {
        "/handler_landline": {**REGISTRATION, "handler_landline": "52035000"},  # no area code
        "/function_intro": {**REGISTRATION, "function_intro": "职" * 501},
    }
    for field, data in bad.items():
        status, problem = await register(client, form(data), responses=responses)
        assert status == 422, problem
        assert field in fields_of(problem), problem
    status, problem = await register(
        client, form(), "Abcdefgh123456789", responses=responses
    )  # 17 characters
    assert status == 422
    assert rules_of(problem) == {"websites.registration.password-policy"}
    assert "8-16位" in problem["violations"][0]["message"]["zh"]
    for password in ("abcdefgh", "12345678", "Abc 12345"):
        status, problem = await register(client, form(), password, responses=responses)
        assert rules_of(problem) == {"websites.registration.password-policy"}, password
    status, problem = await register(client, form(), PASSWORD, "Wzsq2026abd", responses=responses)
    assert rules_of(problem) == {"websites.registration.password-mismatch"}
    status, problem = await register(client, form(agreement_accepted=False), responses=responses)
    assert rules_of(problem) == {"websites.registration.agreement"}

    # 非党政机关请勿在此填报信息: the register of organs judges, not the name's ending.
    for name, rule in (
        ("北京某某信息技术有限公司", "websites.registration.not-organ"),
        ("北京市某某中学", "websites.registration.not-organ"),
        ("北京市某某区城市管理委员会", "websites.registration.name-not-in-register"),
        ("中央机构编制委员会办公室", "websites.registration.existing-account"),
    ):
        status, problem = await register(client, form(unit_name=name), responses=responses)
        assert status == 422 and rules_of(problem) == {rule}, (name, problem)

    status, answer = await register(client, form(), responses=responses)
    assert status == 200, answer
    account = answer["effects"]["account"]
    assert account["username"].startswith("WZ") and account["display_name"] == "北京市公安局"
    corps = {
        **REGISTRATION,
        "region": {"area": "新疆生产建设兵团", "level": "municipal", "locality": "第一师阿拉尔市"},
        "unit_name": "新疆生产建设兵团第一师阿拉尔市政协",
        "system_category": "cppcc",
    }
    subject, _ = await start_registration(client, corps)
    assert subject["region"] == "660000"  # the corps' own authority sees it
    for seven in ("party_committee", "people_congress", "court", "procuratorate", "other"):
        status, problem = await register(client, form(system_category=seven), responses=responses)
        assert status == 200, (seven, problem)  # every category registers (one unit each)

    # The password is hashed into the account and nowhere else: not the database (the
    # registration document, audit, outbox), not any answer of the whole journey.
    login = await unit_login(client, account["username"])
    assert login.status == 200
    responses.append(await login.text())
    for text in responses:
        assert PASSWORD not in text and "Abcdefgh123456789" not in text
    typed = (PASSWORD, "Abcdefgh123456789", "Wzsq2026abd")
    rows = [
        await model.all().values()
        for model in (Account, Application, AuditRecord, OutboxMessage, JobRun)
    ]
    dumped = json.dumps(rows, default=str, ensure_ascii=False)
    assert '"password"' not in dumped and "password_confirm" not in dumped
    assert all(password not in dumped for password in typed)
    if database_url.startswith("sqlite://"):
        path = Path(database_url.removeprefix("sqlite://"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert raw and all(password.encode() not in raw for password in typed)


async def test_WS02_login_takes_account_password_and_captcha(client):
    _, answer = await register(client, REGISTRATION)
    username = answer["effects"]["account"]["username"]
    assert (await unit_login(client, username)).status == 200
    wrong = await unit_login(client, username, "Wrong2026pass")
    assert wrong.status == 401
    no_captcha = await client.post(
        "/api/websites/login", json={"username": username, "password": PASSWORD}
    )
    assert no_captcha.status == 400
    bad_captcha = await client.post(
        "/api/websites/login",
        json={
            "username": username,
            "password": PASSWORD,
            "captcha": {"id": (await captcha(client))["id"], "answer": "ZZZZ"},
        },
    )
    assert bad_captcha.status == 400
    session = await (await unit_login(client, username)).json()
    me = await (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {session['token']}"})
    ).json()
    assert me["display_name"] == "北京市公安局"
    # Typed 01052035000: kept in the landline format's canonical form (#12 point 9).
    assert me["profile"]["handler_landline"] == "010-52035000"
    assert "password" not in me["profile"]


async def test_WS01_registration_needs_the_code_sent_to_the_handlers_mobile(client):
    """经办人手机, 验证码: the server checks the SMS code for the mobile the form gives; without
    it, with a wrong one, or with one for another purpose, nothing is registered."""
    subject, visitor = await start_registration(client, REGISTRATION)
    url = f"/api/applications/{subject['id']}/transitions/register"
    body = {"input": {"password": PASSWORD, "password_confirm": PASSWORD}}
    refused = await client.post(url, json=body, headers={**visitor, "If-Match": '"1"'})
    assert refused.status == 422
    problem = await refused.json()
    assert rules_of(problem) == {"websites.registration.sms-code"}
    assert fields_of(problem) == {"/handler_mobile"}
    assert "验证码" in problem["violations"][0]["message"]["zh"]

    mobile = REGISTRATION["handler_mobile"]
    other = await client.post(
        "/api/verification-codes",
        json={"channel": "sms", "target": mobile, "purpose": "websites.handler-mobile"},
    )
    assert other.status == 202  # a code for an application's handler, not a registration's
    wrong = await client.post(
        f"/api/websites/registrations/{subject['id']}/handler-mobile",
        json={"code": await sms_code(mobile)},
        headers=visitor,
    )
    assert wrong.status == 422 and fields_of(await wrong.json()) == {"/code"}
    assert (await client.post(url, json=body, headers={**visitor, "If-Match": '"1"'})).status == 422
    assert not await Account.filter(kind="unit").exists()

    confirmed = await confirm_registration_mobile(client, visitor, subject)
    assert confirmed.status == 200, await confirmed.text()
    registered = await client.post(url, json=body, headers={**visitor, "If-Match": '"1"'})
    assert registered.status == 200, await registered.text()
    assert (await registered.json())["application"]["state"] == "registered"


async def test_WS02_the_kernels_login_asks_a_unit_for_the_captcha_too(client):
    """No captcha-free way in: ``POST /api/auth/login`` gives a website unit (websites'
    ``login_captcha``) no token without the captcha. It is asked once the password is right, so
    a wrong password is answered exactly as for a name no one has: the question never tells
    which names are units'."""
    _, answer = await register(client, REGISTRATION)
    username = answer["effects"]["account"]["username"]
    url = "/api/auth/login"
    refused = await client.post(url, json={"username": username, "password": PASSWORD})
    assert refused.status == 400
    problem = await refused.json()
    assert rules_of(problem) == {"captcha.required"} and fields_of(problem) == {"/captcha"}
    assert problem["violations"][0]["message"]["zh"] == "请输入验证码"
    guesses = [
        await client.post(url, json={"username": name, "password": "Wrong2026pass"})
        for name in (username, "no-such-unit")
    ]
    assert [g.status for g in guesses] == [401, 401]
    bodies = [await g.json() for g in guesses]
    assert [{k: v for k, v in b.items() if k != "instance"} for b in bodies].count(
        {k: v for k, v in bodies[1].items() if k != "instance"}
    ) == 2, bodies
    wrong = {"id": (await captcha(client))["id"], "answer": "ZZZZ"}
    body = {"username": username, "password": PASSWORD, "captcha": wrong}
    assert rules_of(await (await client.post(url, json=body)).json()) == {"captcha.wrong"}
    body["captcha"] = await captcha(client)
    session = await client.post(url, json=body)
    assert session.status == 200, await session.text()
    assert (await session.json())["account"]["display_name"] == "北京市公安局"
    # A reviewer of the same process is not one of those roles: account and password only.
    assert (await login(client, "establishment-bj"))["Authorization"].startswith("Bearer ")


async def test_WS01_a_missing_landline_and_a_bad_password_are_told_at_once(client):
    """一次性告知: the password rule judges only the step's input, so the document's schema
    errors (here a required landline left out) do not hide it; one 422 names both, and
    nothing is registered."""
    incomplete = {k: v for k, v in REGISTRATION.items() if k != "handler_landline"}
    status, problem = await register(client, incomplete, "Abcdefgh123456789")
    assert status == 422
    assert {"/handler_landline", "/input/password"} <= fields_of(problem), problem
    assert "websites.registration.password-policy" in rules_of(problem)
    # Rules about the document wait for a document that passes its schema.
    assert "websites.registration.agreement" not in rules_of(problem)
    assert not await Account.filter(kind="unit").exists()


async def test_WS01_a_unit_with_a_name_system_account_logs_in_with_it(client):
    """已有“网上名称注册管理系统”账号的单位可用原账户直接登录: registering is refused and names
    the way; the account logs in with the name system's password (checked by the name-system
    adapter at every login), becomes one local account with no password of its own, and its
    applications are prefilled with what the name system knows of the unit."""
    central = {
        **REGISTRATION,
        "region": {"area": "中央和国家机关"},
        "unit_name": "中央机构编制委员会办公室",
    }
    status, problem = await register(client, central)
    assert status == 422 and rules_of(problem) == {"websites.registration.existing-account"}
    assert "原账号直接登录" in problem["violations"][0]["message"]["zh"]

    assert (await unit_login(client, "SCOPSR0001", "Wrong2026pass")).status == 401
    first = await unit_login(client, "SCOPSR0001", NAME_SYSTEM_PASSWORD)
    assert first.status == 200, await first.text()
    session = await first.json()
    again = await (await unit_login(client, "SCOPSR0001", NAME_SYSTEM_PASSWORD)).json()
    assert again["account"]["id"] == session["account"]["id"]  # one local account, reused
    unit = {"Authorization": f"Bearer {session['token']}"}
    me = await (await client.get("/api/auth/me", headers=unit)).json()
    assert me["display_name"] == "中央机构编制委员会办公室" and me["region"] == "100000"
    assert me["profile"]["handler_landline"] == "01066026000"

    # The name system keeps the password: the local account has none the kernel's login opens.
    kernel_login = await client.post(
        "/api/auth/login",
        json={
            "username": me["username"],
            "password": NAME_SYSTEM_PASSWORD,
            "captcha": await captcha(client),
        },
    )
    assert kernel_login.status == 401
    stored = json.dumps(await Account.all().values(), default=str)
    assert NAME_SYSTEM_PASSWORD not in stored and "$argon2" not in str(
        (await Account.get(id=me["id"])).password_hash
    )

    application = await new_application(
        client, unit, {"website_name": "中国机构编制网", "chinese_domain": "中国机构编制网.政务"}
    )
    assert application["data"]["unit_name"] == "中央机构编制委员会办公室"
    assert application["data"]["system_category"] == "party_committee"


# -- WS-03 ----------------------------------------------------------------------------------------


async def test_WS03_unit_data_prefilled_and_the_sms_code_checked_by_the_server(client):
    unit = await registered_unit(client)
    application = await new_application(
        client, unit, {"unit_name": "别的单位", "mailing_address": "别处"}
    )
    assert application["data"]["unit_name"] == "北京市公安局"  # the registration's
    assert application["data"]["mailing_address"] == REGISTRATION["mailing_address"]
    assert application["data"]["system_category"] == "government"
    refused = await step(client, unit, application, "submit", status=422)
    assert rules_of(refused) == {"websites.application.sms-code"}  # no code confirmed yet
    wrong = await confirm_mobile(client, unit, application, code="000000")
    assert wrong.status == 422
    assert rules_of(await wrong.json()) == {"code.wrong"}
    still = await step(client, unit, application, "submit", status=422)
    assert rules_of(still) == {"websites.application.sms-code"}


async def test_WS03_apply_refused_without_zhengwu_and_when_dns_answers_another_address(
    client, dns_server
):
    unit = await registered_unit(client)
    application = await new_application(client, unit)
    assert (await confirm_mobile(client, unit, application)).status == 200
    data = dict(application["data"])
    del data["chinese_domain"]
    application = await save(client, unit, application, data)
    refused = await step(client, unit, application, "submit", status=422)
    assert rules_of(refused) == {"websites.domain.chinese-missing"}
    [violation] = refused["violations"]
    assert "域名申请" in violation["message"]["zh"] and violation["kind"] == "requirement"

    data["chinese_domain"] = "北京市公安局.政务"
    application = await save(client, unit, application, data)
    dns_server.set(HOST, ["127.0.0.2"])  # DNS answers another address than the one given
    refused = await step(client, unit, application, "submit", status=422)
    assert rules_of(refused) == {"websites.ip.ipv4-mismatch"}
    assert fields_of(refused) == {"/ipv4"}

    dns_server.set(HOST, ["127.0.0.1"])  # a private address, judged by DNS like any other
    moved = await step(client, unit, application, "submit")
    assert moved["state"] == "preliminary_review"


async def test_WS03_domains_the_unit_does_not_hold_and_gov_cn_unless_micro_site(client):
    unit = await registered_unit(client)
    application = await new_application(client, unit, {"chinese_domain": "别人的网站.政务"})
    assert (await confirm_mobile(client, unit, application)).status == 200
    refused = await step(client, unit, application, "submit", status=422)
    assert "websites.domain.chinese-not-held" in rules_of(refused)
    data = {**application["data"], "chinese_domain": "北京市公安局.政务"}
    # Not a .gov.cn domain: refused at the door, the draft is not changed.
    response = await client.put(
        f"/api/applications/{application['id']}",
        json={"data": {**data, "english_domain": "gaj.beijing.com"}},
        headers={**unit, "If-Match": f'"{application["version"]}"'},
    )
    assert response.status == 422
    assert "/english_domain" in fields_of(await response.json())
    del data["english_domain"]
    application = await save(client, unit, application, data)
    refused = await step(client, unit, application, "submit", status=422)
    assert "/english_domain" in str(refused)  # required unless 网络红页
    application = await save(client, unit, application, {**data, "micro_site": True})
    moved = await step(client, unit, application, "submit")  # the .政务 domain resolves
    assert moved["state"] == "preliminary_review"


async def test_WS03_a_recheck_fetches_the_home_page_title(client, sites):
    unit = await registered_unit(client)
    recheck = {"application_type": "recheck", "website_name": "北京市公安局门户"}
    application = await new_application(client, unit, recheck, matter="recheck")
    assert (await confirm_mobile(client, unit, application)).status == 200
    refused = await step(client, unit, application, "submit", status=422)
    assert rules_of(refused) == {"websites.name.not-in-title"}
    application = await save(
        client, unit, application, {**application["data"], "website_name": "北京市公安局网"}
    )
    sites.pages.pop(HOST)  # unreachable: a notice, not a crash, and not a refusal
    moved = await step(client, unit, application, "submit")
    notices = [o["rule"] for o in moved["_answer"]["decision"]["outcomes"]]
    assert notices == ["websites.site.unreachable"]


# -- WS-04 ----------------------------------------------------------------------------------------


async def test_WS04_fail_modify_resubmit_pass_told_by_sms_and_email_and_query(client):
    unit = await registered_unit(client)
    reviewer = await login(client, "establishment-bj")
    application = await submitted(client, unit)
    await step(client, reviewer, application, "fail_preliminary", status=422)  # needs a reason
    failed = await step(client, reviewer, application, "fail_preliminary", reply="网站简介过于简单")
    assert failed["state"] == "preliminary_failed"
    query = await (
        await client.get("/api/websites/applications", headers=unit)
    ).json()  # 查看审核结果
    assert query["items"][0]["result"] == "网站简介过于简单"
    modified = await save(
        client, unit, failed, {**failed["data"], "website_intro": "发布公安政务信息和办事服务。"}
    )
    again = await step(client, unit, modified, "submit")
    assert again["state"] == "preliminary_review"
    passed_ = await step(client, reviewer, again, "pass_preliminary", reply="初审通过")
    assert passed_["state"] == "awaiting_materials"
    told = await OutboxMessage.filter(application_id=application["id"]).order_by("id")
    passing = [m for m in told if m.subject == "网站开办审核申请初审通过"]
    assert {(m.channel, m.recipient) for m in passing} == {
        ("sms", "13901234567"),
        ("email", "wangwu@gaj.beijing.gov.cn"),
    }
    assert any("网站简介过于简单" in m.body for m in told)

    for params, expected in (
        ({"website_name": "公安局"}, [application["id"]]),
        ({"website_name": "教育"}, []),
        ({"id": str(application["id"])}, [application["id"]]),
        ({"from": "2000-01-01", "to": "2000-12-31"}, []),
        ({"from": "2000-01-01"}, [application["id"]]),
    ):
        found = await (
            await client.get("/api/websites/applications", params=params, headers=unit)
        ).json()
        assert [i["id"] for i in found["items"]] == expected, params
    bad = await client.get("/api/websites/applications", params={"from": "昨天"}, headers=unit)
    assert bad.status == 400


# -- WS-05 ----------------------------------------------------------------------------------------


async def test_WS05_papers_print_after_passing_and_approval_needs_every_paper(client):
    unit = await registered_unit(client)
    reviewer = await login(client, "establishment-bj")
    application = await submitted(client, unit)
    url = f"/api/applications/{application['id']}/forms"
    assert (await (await client.get(url, headers=unit)).json())["items"] == []
    early = await client.get(f"{url}/letter.pdf", headers=unit)
    assert early.status == 409
    application = await step(client, reviewer, application, "pass_preliminary")
    names = [f["name"] for f in (await (await client.get(url, headers=unit)).json())["items"]]
    assert names == ["letter", "application-form"]
    for name, words in (
        ("letter", "关于申请对网站开办审核"),
        ("application-form", "北京市公安局网"),
    ):
        pdf = await client.get(f"{url}/{name}.pdf", headers=unit)
        assert pdf.status == 200 and pdf.content_type == "application/pdf"
        assert words in extract_text(io.BytesIO(await pdf.read()))

    application = await step(client, reviewer, application, "receive_materials")
    papers = f"/api/websites/applications/{application['id']}/papers"
    assert (await client.put(papers, json={"items": []}, headers=unit)).status == 403
    refused = await step(client, reviewer, application, "approve", status=422)
    assert rules_of(refused) == {
        "websites.materials.letter",
        "websites.materials.form",
        "websites.materials.handler-id",
    }
    some = [
        {"type": "application_letter", "stamped": True},
        {"type": "application_form", "stamped": False},
    ]
    recorded = await (await client.put(papers, json={"items": some}, headers=reviewer)).json()
    assert recorded["missing"] == ["handler_id_copy"]
    refused = await step(client, reviewer, application, "approve", status=422)
    assert rules_of(refused) == {"websites.materials.handler-id", "websites.materials.unstamped"}
    every = [*some[:1], {"type": "application_form", "stamped": True}, {"type": "handler_id_copy"}]
    assert (await client.put(papers, json={"items": every}, headers=reviewer)).status == 200
    approved_ = await step(client, reviewer, application, "approve")
    assert approved_["state"] == "awaiting_mount"


# -- WS-06 ----------------------------------------------------------------------------------------


async def test_WS06_code_issued_then_the_crawl_names_the_page_without_it_then_mounted(
    client, sites
):
    unit = await registered_unit(client)
    reviewer = await login(client, "establishment-bj")
    application = await approved(client, unit, reviewer)
    code = application["_answer"]["effects"]["identification_code"]
    assert re.fullmatch(r"110000\d{4}", code)
    told = await OutboxMessage.filter(
        application_id=application["id"], subject="网站标识代码已下发"
    )
    assert {m.channel for m in told} == {"sms", "email"}

    marks = await (await client.get("/api/websites/identification", headers=unit)).json()
    [mark] = marks["items"]
    assert mark["identification_code"] == code and code in mark["snippet"]
    snippet = mark["snippet"]

    check_url = f"/api/websites/applications/{application['id']}/mount-check"
    refused = await step(client, unit, application, "confirm_mount", status=422)
    assert rules_of(refused) == {"websites.mount.not-checked"}

    pages = sites.pages[HOST]
    pages["/"] = page("北京市公安局网 - 首页", snippet, links=("/news.html", "/about.html"))
    pages["/news.html"] = page("新闻", snippet, links=("/",))
    pages["/about.html"] = page("关于", "<p>关于</p>", after_body=snippet)  # after </body>
    sites.pages[HOST]["/private/"] = page("内部", "<p>内部</p>")
    pages["/about.html"] = pages["/about.html"].replace("</nav>", '</nav><a href="/private/">x</a>')
    sites.robots[HOST] = "User-agent: *\nDisallow: /private/\n"
    result = await (await client.post(check_url, headers=unit)).json()
    base = f"http://{HOST}:{sites.port}"
    assert result["mounted"] is False
    assert result["pages_missing_code"] == []
    assert result["pages_code_after_body_end"] == [f"{base}/about.html"]
    assert f"{base}/private/" not in [p["url"] for p in result["pages"]]  # robots.txt

    pages["/about.html"] = page("关于", "<p>关于</p>")
    result = await (await client.post(check_url, headers=unit)).json()
    assert result["pages_missing_code"] == [f"{base}/about.html"]  # the one page, named
    refused = await step(client, unit, application, "confirm_mount", status=422)
    assert rules_of(refused) == {"websites.mount.missing"}

    pages["/about.html"] = page("关于", snippet)
    result = await (await client.post(check_url, headers=unit)).json()
    assert result["mounted"] is True and result["pages_checked"] == 3
    listed = await step(client, unit, application, "confirm_mount")
    assert listed["state"] == "listed"


@pytest.mark.parametrize("crawl_seconds", [1.0])
async def test_WS06_a_crawl_out_of_time_ends_and_names_the_pages_it_did_not_reach(client, sites):
    """A site that stops answering midway: the check ends at the configured time bound, says
    which pages it could not reach, and does not call the site mounted; once the site answers,
    the same check finds every page."""
    unit = await registered_unit(client)
    reviewer = await login(client, "establishment-bj")
    application = await approved(client, unit, reviewer)
    await paste_code(client, sites, unit, application)
    sites.stalled.add((HOST, "/news.html"))

    check_url = f"/api/websites/applications/{application['id']}/mount-check"
    result = await (await client.post(check_url, headers=unit)).json()
    base = f"http://{HOST}:{sites.port}"
    assert result["reachable"] is True and result["mounted"] is False
    assert [p["url"] for p in result["pages"]] == [f"{base}/"]
    assert result["pages_not_reached"] == [f"{base}/news.html", f"{base}/about.html"]
    assert result["pages_missing_code"] == []
    refused = await step(client, unit, application, "confirm_mount", status=422)
    assert rules_of(refused) == {"websites.mount.not-reached"}

    sites.release()
    result = await (await client.post(check_url, headers=unit)).json()
    assert result["mounted"] is True and result["pages_not_reached"] == []
    assert result["pages_checked"] == 3
    listed = await step(client, unit, application, "confirm_mount")
    assert listed["state"] == "listed"


async def test_WS06_the_scheduled_recheck_lists_and_unlists_as_the_system(client, sites):
    unit = await registered_unit(client)
    reviewer = await login(client, "establishment-bj")
    application = await approved(client, unit, reviewer)
    await paste_code(client, sites, unit, application)
    kernel = client.app[KERNEL]
    runner = JobRunner(kernel, jobs_of(kernel.pm), kernel.adapters, worker_id="test")
    await runner.run_once()
    url = f"/api/applications/{application['id']}"
    assert (await (await client.get(url, headers=unit)).json())["state"] == "listed"
    sites.pages[HOST]["/news.html"] = page("新闻", "<p>改版</p>", links=("/",))
    await JobRun.all().delete()  # the next day's slot
    runner = JobRunner(kernel, jobs_of(kernel.pm), kernel.adapters, worker_id="test-2")
    await runner.run_once()
    again = await (await client.get(url, headers=unit)).json()
    assert again["state"] == "awaiting_mount"
    history = await (await client.get(f"{url}/history", headers=unit)).json()
    assert "news.html" in history["items"][-1]["reply"]


# -- WS-07 ----------------------------------------------------------------------------------------


async def listed_site(client, sites, unit, reviewer, data=None) -> tuple[dict, str]:
    application = await approved(client, unit, reviewer, data)
    mark = await paste_code(client, sites, unit, application)
    check = f"/api/websites/applications/{application['id']}/mount-check"
    assert (await (await client.post(check, headers=unit)).json())["mounted"]
    application = await step(client, unit, application, "confirm_mount")
    return application, mark["identification_code"]


EDUCATION_HOST = "jw.beijing.gov.cn"


async def second_site(client, dns_server, sites, reviewer) -> str:
    """北京市教育委员会 registers, applies and is listed too: its code."""
    unit = await registered_unit(
        client,
        {
            **REGISTRATION,
            "unit_name": "北京市教育委员会",
            "handler_mobile": "13911112222",
            "handler_email": "web@jw.beijing.gov.cn",
        },
    )
    dns_server.set(EDUCATION_HOST, ["127.0.0.1"])
    dns_server.set("北京市教育委员会.政务", ["127.0.0.1"])
    sites.pages[EDUCATION_HOST] = {"/": page("北京市教育委员会网", "<p>教育</p>")}
    data = {
        "handler_mobile": "13911112222",
        "handler_email": "web@jw.beijing.gov.cn",
        "website_name": "北京市教育委员会网",
        "chinese_domain": "北京市教育委员会.政务",
        "english_domain": EDUCATION_HOST,
    }
    _, code = await listed_site(client, sites, unit, reviewer, data)
    return code


async def test_WS07_public_listing_by_region_newest_first_with_verification(
    client, dns_server, sites, stopped_clock
):
    at = stopped_clock(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    reviewer = await login(client, "establishment-bj")
    unit = await registered_unit(client)
    _, code = await listed_site(client, sites, unit, reviewer)
    at(hours=2)  # approved two hours later
    newer = await second_site(client, dns_server, sites, reviewer)
    listing = await (
        await client.get("/api/websites/public/sites", params={"region": "110000"})
    ).json()
    assert [s["identification_code"] for s in listing["items"]] == [newer, code]
    paged = await (
        await client.get("/api/websites/public/sites", params={"per_page": "1", "page": "2"})
    ).json()
    assert [s["identification_code"] for s in paged["items"]] == [code]
    assert paged["pages"] == 2 and paged["total"] == 2
    site = listing["items"][1]
    assert site["website_name"] == "北京市公安局网" and site["unit_name"] == "北京市公安局"
    assert site["url"] == f"http://{HOST}/"
    elsewhere = await (
        await client.get("/api/websites/public/sites", params={"region": "310000"})
    ).json()
    assert elsewhere["items"] == []
    search = await (await client.get("/api/websites/public/sites", params={"q": "教育"})).json()
    assert [s["identification_code"] for s in search["items"]] == [newer]
    verified = await (await client.get(f"/api/websites/public/verify/{code}.json")).json()
    assert verified["website_name"] == "北京市公安局网"
    html = await (await client.get(f"/api/websites/public/verify/{code}")).text()
    assert "北京市公安局网" in html and code in html
    badge = await client.get(f"/api/websites/public/badge/{code}.svg")
    assert badge.status == 200 and badge.content_type == "image/svg+xml"
    assert (await client.get("/api/websites/public/verify/9999999999")).status == 404
    page_html = await (
        await client.get("/api/websites/public/sites.html", params={"region": "110000"})
    ).text()
    assert "北京市公安局网" in page_html and f"/api/websites/public/verify/{code}" in page_html


async def test_the_fetcher_adapter_stays_on_its_host_and_within_its_bounds(sites):
    """An adapter unit test, not a requirement test (no HTTP client: WS-06's mount checks
    through the API are the tests above). The fetcher on its own, against a site on loopback:
    a chain of twelve pages, a link to another host; it follows only its host, at most
    ``pages`` pages, ``depth`` deep."""
    from plugins.websites.adapters import SiteFetcher
    from plugins.websites.crawl import Limits

    chain = {
        f"/p{n}.html": page(f"第{n}页", "CODE", links=(f"/p{n + 1}.html", "http://other.gov.cn/"))
        for n in range(12)
    }
    sites.pages["chain.gov.cn"] = {"/": page("首页", "CODE", links=("/p0.html",)), **chain}
    sites.pages["other.gov.cn"] = {"/": page("别处", "")}
    deep = await SiteFetcher(sites.port, Limits(pages=30, depth=3)).crawl(
        "chain.gov.cn", "127.0.0.1", "CODE"
    )
    base = f"http://chain.gov.cn:{sites.port}"
    assert [p["url"] for p in deep["pages"]] == [
        f"{base}/",
        f"{base}/p0.html",
        f"{base}/p1.html",
        f"{base}/p2.html",
    ]
    few = await SiteFetcher(sites.port, Limits(pages=2, depth=10)).crawl(
        "chain.gov.cn", "127.0.0.1", "CODE"
    )
    assert len(few["pages"]) == 2 and all(p["found"] for p in few["pages"])
    gone = await SiteFetcher(sites.port).crawl("nowhere.gov.cn", "127.0.0.1", "CODE")
    assert gone == {"reachable": False, "pages": [], "robots_disallowed": [], "not_reached": []}
