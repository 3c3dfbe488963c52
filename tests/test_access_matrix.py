"""Who may read and act on what: a role × operation matrix over the real demo (#12, kept as tests).

The demo is loaded by the ``govflow demo`` command itself into this module's data folder, and
one server runs over it for the whole module. Every demo role of every process logs in through
the HTTP API (the codeassign bureau with the login image the demo handed it; a visitor through
a public entry workflow), and so do an admin and, for each regional reviewer role, a reviewer
of a neighbouring region (a sibling district, a neighbouring province), created as an operator
creates staff accounts. Each row of ``ROWS`` is one operation of the OpenAPI document
called on one real demo object (another unit's application, an in-region and an out-of-region
submitted one, drafts, attachments, PDFs, exports...), and the status class every role must
get is written out by hand: ``OK`` (2xx), 401, 403, 404, or the business answer (409, 422...)
that shows the caller got past the access checks. A route that appears in the document and
not in the table fails ``test_every_operation_is_in_the_matrix``.

Rows are read-only or leave the demo as they found it (writes name a stale version, or are
refused after the access check) except the last ones, which add to it (an agreement, an
anomaly, a QR request, a draft) and log out; rows run in table order, reads first, and within
a row the roles that must be refused go first. The whole module takes about 20 s.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from kernel import openapi
from kernel.app import create_app
from kernel.config import Config
from kernel.db.models import Account, Application, Attachment
from kernel.demo import PASSWORD
from plugins.engineers.models import Message
from plugins.websites.models import IdentificationCode

from .factories import make_account
from .service_process import govflow, service_env

#: Every async test shares the module's loop, where the one server runs.
on_the_server = pytest.mark.asyncio(loop_scope="module")

ANSWER = "MTRX"
#: A one-pixel PNG: a file any upload route takes by its content.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
OK = "2xx"

#: Every role the matrix logs in as: name → how (``None``: no session at all).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "ca_unit": "qr-image",  # 北京市某某区机关事务管理局, codeassign (110108)
    "ca_registry": "registry-demo",  # Beijing registry authority (110000)
    "ca_registry_nb": "registry-cy",  # a sibling district's (朝阳区 110105): not 海淀区
    "fw_person": "person-demo",
    "fw_legal": "legal-demo",
    "fw_platform": "platform-demo",  # the science ministry platform's reviewer (no region)
    "en_enterprise": "enterprise-demo",
    "en_individual": "engineer-02-demo",  # declared to enterprise-demo
    "en_province": "province-demo",  # Beijing (110000)
    "en_province_nb": "province-hb",  # the neighbouring province's (河北 130000)
    "en_ministry": "ministry-demo",
    "ws_unit": "gov-demo",  # 北京市公安局 (110000), its site listed
    "visitor": "public-entry",  # asked for a login image without an account (its own draft)
    "ws_reviewer": "establishment-demo",  # Beijing (110000)
    "ws_reviewer_nb": "establishment-tj",  # the neighbouring 天津 (120000)
    "admin": "admin-matrix",
}

#: Accounts the demo does not have, created as an operator creates staff.
STAFF = [
    (
        "registry-cy",
        "reviewer",
        ["registry_reviewer"],
        {"process": "codeassign", "region": "110105"},
    ),
    (
        "province-hb",
        "reviewer",
        ["province_reviewer"],
        {"process": "engineers", "region": "130000"},
    ),
    ("establishment-tj", "reviewer", ["reviewer"], {"process": "websites", "region": "120000"}),
    ("admin-matrix", "admin", [], None),
]


@dataclass
class World:
    client: TestClient
    headers: dict[str, dict[str, str]]
    #: Demo objects by name: application ids, attachment ids, logins, USCCs.
    ids: dict[str, Any]
    #: Each application's current version, for writes that name it.
    versions: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory, module_database) -> Path:
    """A data folder with the demo loaded by the ``govflow demo`` command, on the suite's
    database (PostgreSQL when the run is pointed at one)."""
    data = tmp_path_factory.mktemp("matrix") / "data"
    done = govflow("demo", env=service_env(data, **module_database))
    assert done.returncode == 0, done.stderr
    return data


async def _application(owner: str, **filters: Any) -> Application:
    account = await Account.get(username=owner)
    return await Application.get(owner_id=account.id, deleted_at=None, **filters)


async def _objects() -> dict[str, Any]:
    """The demo objects the rows act on, found as the demo left them."""
    qr = await Application.get(process="codeassign", workflow="qr_request", state="delivered")
    found = {
        "ca_qr": qr,
        "ca_draft": await _application("11110108000123457Q", workflow="application"),
        "fw_person": await _application("person-demo", workflow="person_profile"),
        "fw_new": await _application("person-new", workflow="person_profile"),
        "fw_pending": await _application("person-pending", workflow="person_profile"),
        "fw_legal": await _application("legal-demo", workflow="legal_profile"),
        "en_info": await _application("enterprise-demo", workflow="enterprise_info"),
        "en_draft": await _application("engineer-01-demo", workflow="declaration"),
        "en_declared": await _application("engineer-02-demo", workflow="declaration"),
        "en_at_province": await _application("engineer-07-demo", workflow="declaration"),
        "en_pre_declared": await _application("engineer-15-demo", workflow="declaration"),
        "en_rename": await _application("enterprise-rename-demo", workflow="name_change"),
        "ws_listed": await _application("gov-demo", matter="new_site"),
        "ws_sh": await _application("pdfy-demo", matter="new_site"),
        "ws_draft": await _application("shbgt-demo", matter="new_site"),
        "ws_gd": await _application("gdrd-demo", matter="new_site"),
        "ws_waiting": await _application("jw-demo", matter="new_site"),
        "ws_bj_draft": await _application("hdq-demo", matter="new_site"),
        "ws_bj_recheck": await _application("hdq-demo", matter="recheck"),
        "visitor_draft": await Application.get(
            process="codeassign", workflow="qr_request", state="draft", owner__kind="visitor"
        ),
    }
    ids: dict[str, Any] = {name: a.id for name, a in found.items()}
    for name in ("ca_qr", "fw_pending", "en_rename"):
        attachment = await Attachment.filter(application_id=found[name].id).first()
        ids[f"{name}_file"] = attachment.id
    ids["ca_uscc"] = "11110108000123457Q"
    message = await Message.filter(enterprise_uscc="91110108MA03TKT23K").first()
    ids["en_pre_message"] = message.id if message else 999_999
    message = await Message.filter(enterprise_uscc=ENTERPRISE_USCC).first()
    ids["en_message"] = message.id if message else 999_999
    return ids


async def _log_in(client: TestClient, how: str, image: bytes) -> dict[str, str]:
    if how == "public-entry":  # CA-02's public entry: a draft request, its secret handed back
        captcha = await (await client.post("/api/captchas")).json()
        body = {
            "process": "codeassign",
            "workflow": "qr_request",
            "data": {"unit_name": "北京市某某区市场监督管理局"},
            "captcha": {"id": captcha["id"], "answer": ANSWER},
        }
        response = await client.post("/api/applications", json=body)
        assert response.status == 201, await response.text()
        created = await response.json()
        return {"Authorization": f"Bearer {created['access_token']}"}
    if how == "qr-image":  # CA-02: the bureau logs in with the image the demo delivered
        captcha = await (await client.post("/api/captchas")).json()
        form = aiohttp.FormData()
        form.add_field("captcha_id", captcha["id"])
        form.add_field("captcha_answer", ANSWER)
        form.add_field("image", io.BytesIO(image), filename="login.png")
        response = await client.post("/api/codeassign/qr-login", data=form)
    else:  # with a captcha: website units give one (login_captcha), others' is not asked
        captcha = await (await client.post("/api/captchas")).json()
        body = {"username": how, "password": PASSWORD}
        body["captcha"] = {"id": captcha["id"], "answer": ANSWER}
        response = await client.post("/api/auth/login", json=body)
    assert response.status == 200, (how, await response.text())
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(demo_folder: Path, module_database):
    env = service_env(demo_folder, **module_database)
    config = dataclasses.replace(
        Config.from_env(env), captcha_text=lambda: ANSWER, trust_forwarded_for=True
    )
    client = TestClient(TestServer(create_app(config)))
    await client.start_server()
    try:
        for username, kind, roles, scope in STAFF:
            await make_account(
                username, kind, roles, scopes=[scope] if scope else [], password=PASSWORD
            )
        image = next((demo_folder / "demo").glob("*.png")).read_bytes()
        headers = {"anonymous": {}}
        for role, how in ROLES.items():
            if how is not None:
                headers[role] = await _log_in(client, how, image)
        yield World(client, headers, await _objects())
    finally:
        await client.close()


# -- the expected table, by hand -----------------------------------------------------------------

APPLICANTS = [
    *("ca_unit", "fw_person", "fw_legal", "en_enterprise", "en_individual", "ws_unit"),
    "visitor",
]
REVIEWERS = [
    *("ca_registry", "ca_registry_nb", "fw_platform", "en_province", "en_province_nb"),
    *("en_ministry", "ws_reviewer", "ws_reviewer_nb"),
]
STAFF_ROLES = [*REVIEWERS, "admin"]
SIGNED_IN = [*APPLICANTS, *STAFF_ROLES]
EVERYONE = ["anonymous", *SIGNED_IN]


def expect(default: Any, anonymous: Any = 401, **cells: Any) -> dict[str, Any]:
    """Every role's answer: ``default`` unless named; ``ok="a b"`` lists the roles let through;
    a role's own keyword overrides both."""
    allowed = cells.pop("ok", "").split()
    table = {role: default for role in SIGNED_IN} | {"anonymous": anonymous}
    table |= dict.fromkeys(allowed, OK)
    unknown = set(cells) - set(EVERYONE)
    assert not unknown, f"no such roles: {unknown}"
    return table | cells


def public(answer: Any = OK) -> dict[str, Any]:
    return dict.fromkeys(EVERYONE, answer)


#: An application's readers (``ok``: its applicant, a party to it, reviewers in scope once it
#: is submitted); everyone else gets 404, not 403, so the id tells them nothing; an admin
#: reads everything.
def owners(ok: str, admin: Any = OK, **cells: Any) -> dict[str, Any]:
    return expect(404, ok=ok, admin=admin, **cells)


STALE = {"If-Match": '"999"'}
ENTERPRISE_USCC = "91110105MA01ABC09E"  # enterprise-demo, 北京市朝阳区


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    #: Path parameters: a key of ``World.ids``, else the literal value.
    params: dict[str, Any]
    expected: dict[str, Any]
    body: Any = None
    form: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""
    #: A batch route: the status is the single item's.
    item: bool = False
    #: What a row adds to the demo, if anything (the rest leave it as it was).
    note: str = ""

    @property
    def id(self) -> str:
        target = "-".join(str(v) for v in self.params.values())
        return f"{self.method} {self.path}" + (f" [{target}]" if target else "") + self.note


def R(method_path: str, expected: dict[str, Any], **kw: Any) -> Row:
    method, path = method_path.split(" ", 1)
    params = kw.pop("on", {})
    return Row(method, path, params, expected, **kw)


APP = "/api/applications/{id}"
EN = "/api/engineers"
FW = "/api/foreignwork"
WS = "/api/websites"

ROWS: list[Row] = [
    # -- public and meta --------------------------------------------------------------------------
    R("GET /healthz", public()),
    R("GET /api/openapi.json", public()),
    R("GET /api/docs", public()),
    R("GET /api/processes", public()),
    R("GET /api/processes/{process}", public(), on={"process": "websites"}),
    R("GET /api/agreements/{text_id}", public(), on={"text_id": "codeassign.login"}),
    R("GET /metrics", expect(403, ok=" ".join(STAFF_ROLES))),
    R("GET /api/rules", expect(403, ok=" ".join(STAFF_ROLES))),
    R("GET /api/auth/me", expect(OK)),
    R("GET /api/applications", expect(OK)),
    # -- one application: the owner's side, reviewers in scope once it is submitted, admin -------
    R(f"GET {APP}", owners("ca_unit"), on={"id": "ca_draft"}),
    R(f"GET {APP}", owners("ca_registry"), on={"id": "ca_qr"}),
    R(f"GET {APP}", owners("ws_unit ws_reviewer"), on={"id": "ws_listed"}),
    R(f"GET {APP}", owners(""), on={"id": "ws_sh"}),
    R(f"GET {APP}", owners(""), on={"id": "ws_draft"}),
    # person-demo's profile was saved and routed to verification: before the platform now.
    R(f"GET {APP}", owners("fw_person fw_platform"), on={"id": "fw_person"}),
    R(f"GET {APP}", owners(""), on={"id": "fw_new"}),
    R(f"GET {APP}", owners("fw_platform"), on={"id": "fw_pending"}),
    R(f"GET {APP}", owners("fw_legal fw_platform"), on={"id": "fw_legal"}),
    R(f"GET {APP}", owners("en_enterprise en_province en_ministry"), on={"id": "en_info"}),
    R(f"GET {APP}", owners(""), on={"id": "en_draft"}),
    R(f"GET {APP}", owners("visitor"), on={"id": "visitor_draft"}),
    # A draft in the Beijing reviewer's own region is still the unit's alone.
    R(f"GET {APP}", owners(""), on={"id": "ws_bj_draft"}),
    R(f"GET {APP}", owners("ws_reviewer"), on={"id": "ws_bj_recheck"}),
    # 未上报: declared to the enterprise, not yet reported: no reviewer sees it (before_review).
    R(f"GET {APP}", owners(""), on={"id": "en_pre_declared"}),
    R(f"GET {APP}", owners("en_individual en_enterprise"), on={"id": "en_declared"}),
    R(
        f"GET {APP}",
        owners("en_enterprise en_province en_ministry"),
        on={"id": "en_at_province"},
    ),
    R(f"GET {APP}/history", owners("ws_unit ws_reviewer"), on={"id": "ws_listed"}),
    R(f"GET {APP}/history", owners(""), on={"id": "ws_sh"}),
    R(f"GET {APP}/history", owners("ca_unit"), on={"id": "ca_draft"}),
    R(f"GET {APP}/history", owners(""), on={"id": "ws_bj_draft"}),
    R(f"GET {APP}/attachments", owners(""), on={"id": "ws_bj_draft"}),
    R(f"GET {APP}/attachments", owners("ca_registry"), on={"id": "ca_qr"}),
    R(f"GET {APP}/attachments", owners("fw_platform"), on={"id": "fw_pending"}),
    R("GET /api/attachments/{id}", owners("ca_registry"), on={"id": "ca_qr_file"}),
    R("GET /api/attachments/{id}", owners("fw_platform"), on={"id": "fw_pending_file"}),
    R("GET /api/attachments/{id}", owners(""), on={"id": "en_rename_file"}),
    R(f"GET {APP}/forms", owners("ws_unit ws_reviewer"), on={"id": "ws_listed"}),
    R(f"GET {APP}/forms", owners(""), on={"id": "ws_sh"}),
    R(f"GET {APP}/forms", owners(""), on={"id": "ws_bj_draft"}),
    R(
        f"GET {APP}/forms/{{name}}.pdf",
        owners("ws_unit ws_reviewer"),
        on={"id": "ws_listed", "name": "application-form"},
    ),
    R(f"GET {APP}/forms/{{name}}.pdf", owners(""), on={"id": "ws_sh", "name": "application-form"}),
    R(
        f"GET {APP}/correction-notice.pdf",
        owners("ca_unit"),
        on={"id": "ca_draft"},
        query="?transition=submit",
    ),
    R(
        f"GET {APP}/correction-notice.pdf",
        owners(""),
        on={"id": "ws_bj_draft"},
        query="?transition=submit",
    ),
    R(f"POST {APP}/validate", owners("ca_unit"), on={"id": "ca_draft"}),
    R(f"POST {APP}/validate", owners(""), on={"id": "ws_bj_draft"}),
    # -- plugin pages and lists -------------------------------------------------------------------
    R(
        "GET /api/codeassign/applications/{id}/page",
        expect(403, ok="ca_unit"),
        on={"id": "ca_draft"},
    ),
    R(
        "GET /api/codeassign/applications/{id}/page",
        expect(403, ca_unit=404),
        on={"id": "ws_listed"},
    ),
    R(
        "GET /api/codeassign/units/{uscc}",
        expect(403, ok="ca_registry", ca_registry_nb=404),
        on={"uscc": "ca_uscc"},
    ),
    R(f"GET {EN}/enterprise", expect(403, ok="en_enterprise")),
    R(f"GET {EN}/commitment", expect(403, ok="en_enterprise")),
    R(f"GET {EN}/declarations", expect(403, ok="en_enterprise")),
    R(f"GET {EN}/qualification", expect(403, ok="en_enterprise")),
    R(f"GET {EN}/anomalies", expect(403, ok="en_enterprise")),
    R(f"GET {EN}/messages", expect(403, ok="en_enterprise")),
    R(f"GET {EN}/name-change/new", expect(403, ok="en_enterprise")),
    # A reviewer names the enterprise; one of another province is refused it.
    *(
        R(
            f"GET {EN}/{what}",
            expect(403, ok="en_enterprise en_province en_ministry"),
            query=f"?enterprise_uscc={ENTERPRISE_USCC}",
        )
        for what in (
            "registrations",
            "registrations/export.csv",
            "registrations/export.xlsx",
            "expiry-warnings",
        )
    ),
    R(f"GET {FW}/profiles", expect(403, ok="fw_person fw_legal")),
    R(
        f"GET {FW}/profiles/{{id}}",
        expect(404, ok="fw_person fw_platform", admin=OK),
        on={"id": "fw_person"},
    ),
    R(
        f"GET {FW}/profiles/{{id}}",
        expect(404, ok="fw_platform", admin=OK),
        on={"id": "fw_pending"},
    ),
    R(
        f"GET {FW}/profiles/{{id}}",
        expect(404, ok="fw_legal fw_platform", admin=OK),
        on={"id": "fw_legal"},
    ),
    R(f"GET {FW}/units", expect(403, ok="fw_person")),
    R(f"GET {WS}/applications", expect(403, ok="ws_unit")),
    R(f"GET {WS}/identification", expect(403, ok="ws_unit")),
    R(
        f"GET {WS}/applications/{{id}}/papers",
        expect(403, ok="ws_unit ws_reviewer", ws_reviewer_nb=404),
        on={"id": "ws_listed"},
    ),
    R(
        f"GET {WS}/applications/{{id}}/papers",
        expect(403, ws_unit=404, ws_reviewer=404, ws_reviewer_nb=404),
        on={"id": "ws_sh"},
    ),
    R(f"GET {WS}/public/sites", public()),
    R(f"GET {WS}/public/sites.html", public()),
    R(f"GET {WS}/public/badge/{{code}}.svg", public(), on={"code": "1100000001"}),
    R(f"GET {WS}/public/verify/{{code}}", public(), on={"code": "1100000001"}),
    R(f"GET {WS}/public/verify/{{code}}.json", public(), on={"code": "1100000001"}),
    # -- writes that change nothing: a stale version, or refused after the access check ----------
    R(
        f"PUT {APP}",
        owners("", ca_unit=409, admin=403),
        on={"id": "ca_draft"},
        body={"data": {}},
        headers=STALE,
    ),
    R(
        f"PUT {APP}",
        owners("", ws_unit=409, ws_reviewer=403, admin=403),
        on={"id": "ws_listed"},
        body={"data": {}},
        headers=STALE,
    ),
    R(f"DELETE {APP}", owners("", ca_unit=409, admin=403), on={"id": "ca_draft"}, headers=STALE),
    R(
        f"DELETE {APP}",
        owners("", ws_unit=409, ws_reviewer=403, admin=403),
        on={"id": "ws_listed"},
        headers=STALE,
    ),
    R(
        f"POST {APP}/attachments",
        owners("", ca_unit=409, admin=403),
        on={"id": "ca_draft"},
        form=True,
        headers=STALE,
    ),
    R(
        f"POST {APP}/attachments",
        owners("", ca_registry=403, admin=403),
        on={"id": "ca_qr"},
        form=True,
        headers=STALE,
    ),
    R(
        f"POST {APP}/attachments",
        owners("", fw_platform=403, admin=403),
        on={"id": "fw_pending"},
        form=True,
        headers=STALE,
    ),
    R(
        f"DELETE {APP}/attachments/{{attachment_id}}",
        owners("", ca_registry=403, admin=403),
        on={"id": "ca_qr", "attachment_id": "ca_qr_file"},
        headers=STALE,
    ),
    R(
        f"DELETE {APP}/attachments/{{attachment_id}}",
        owners("", fw_platform=403, admin=403),
        on={"id": "fw_pending", "attachment_id": "fw_pending_file"},
        headers=STALE,
    ),
    R(
        f"POST {APP}/transitions/{{name}}",
        owners("", ws_reviewer=409, ws_unit=403, admin=403),
        on={"id": "ws_listed", "name": "approve"},
        headers=STALE,
    ),
    R(
        f"POST {APP}/transitions/{{name}}",
        owners("", admin=403),
        on={"id": "ws_sh", "name": "receive_materials"},
        headers=STALE,
    ),
    R(
        f"POST {APP}/transitions/{{name}}",
        owners("", en_province=409, en_ministry=403, en_enterprise=403, admin=403),
        on={"id": "en_at_province", "name": "province_forward"},
        headers=STALE,
    ),
    R(
        f"POST {APP}/transitions/{{name}}",
        owners("", ca_unit=409, admin=403),
        on={"id": "ca_draft", "name": "submit"},
        headers=STALE,
    ),
    R(
        "POST /api/batch/transitions/{name}",
        owners(
            "", en_enterprise=409, en_individual=403, en_province=404, en_ministry=404, admin=403
        ),
        on={"name": "report"},
        body=lambda ids: {
            "items": [{"id": ids["en_declared"], "version": 999}],
            "input": {"ticked": True},
        },
        item=True,
    ),
    # Not a batch transition: whoever may read the application is told so.
    R(
        "POST /api/batch/transitions/{name}",
        owners("", ws_unit=409, ws_reviewer=409, admin=409),
        on={"name": "approve"},
        body=lambda ids: {"items": [{"id": ids["ws_listed"], "version": 999}]},
        item=True,
    ),
    R(
        f"POST {EN}/declarations/report",
        expect(403, en_enterprise=409),
        body=lambda ids: {"items": [{"id": ids["en_declared"], "version": 999}], "ticked": True},
        item=True,
    ),
    R(
        f"POST {EN}/declarations/report",
        expect(403, en_enterprise=404),
        body=lambda ids: {
            "items": [{"id": ids["en_pre_declared"], "version": 999}],
            "ticked": True,
        },
        item=True,
        note=" another enterprise's",
    ),
    R(
        f"POST {EN}/declarations/return",
        expect(403, en_enterprise=409),
        body=lambda ids: {"items": [{"id": ids["en_declared"], "version": 999}], "reply": "退回"},
        item=True,
    ),
    R(
        f"POST {EN}/declarations/return",
        expect(403, en_enterprise=404),
        body=lambda ids: {
            "items": [{"id": ids["en_pre_declared"], "version": 999}],
            "reply": "退回",
        },
        item=True,
        note=" another enterprise's",
    ),
    R(
        "PUT /api/codeassign/units/{uscc}/certificate",
        expect(403, ca_registry=400, ca_registry_nb=404),
        on={"uscc": "ca_uscc"},
        body={"certificate_validity": "long_term", "certificate_expires": "2030-01-01"},
    ),
    R(
        f"PUT {FW}/profiles/{{id}}",
        expect(403, fw_person=409, fw_legal=404),
        on={"id": "fw_person"},
        body={"version": 999, "data": {}},
    ),
    # Listed: the papers are long recorded (409); the same body on Shanghai's is refused.
    R(
        f"PUT {WS}/applications/{{id}}/papers",
        expect(403, ws_reviewer=409, ws_reviewer_nb=404),
        on={"id": "ws_listed"},
        body={"items": []},
    ),
    R(
        f"PUT {WS}/applications/{{id}}/papers",
        expect(403, ws_reviewer=404, ws_reviewer_nb=404),
        on={"id": "ws_sh"},
        body={"items": []},
    ),
    R(
        f"POST {WS}/registrations/{{id}}/handler-mobile",
        expect(403, visitor=404),
        on={"id": "visitor_draft"},
        body={"code": "000000"},
    ),
    R(
        f"POST {WS}/applications/{{id}}/handler-mobile",
        expect(403, ws_unit=404),
        on={"id": "ws_sh"},
        body={"code": "000000"},
    ),
    R(
        f"POST {WS}/applications/{{id}}/mount-check",
        expect(403, ws_unit=404, ws_reviewer=404, ws_reviewer_nb=404),
        on={"id": "ws_sh"},
    ),
    R(
        f"POST {FW}/units/{{login}}/disable",
        expect(403, fw_platform=404),
        on={"login": "no-such-unit"},
    ),
    R(
        f"POST {FW}/units/{{login}}/restore",
        expect(403, ok="fw_platform"),
        on={"login": "legal-demo"},
        note=" (already active: nothing changes)",
    ),
    # A matter of the unit legal-demo: the unit itself may, a person it did not authorise not.
    R(
        f"POST {FW}/matters/open",
        expect(403, ok="fw_legal"),
        body={"matter": "000106004000", "applicant_type": "legal_person", "unit": "legal-demo"},
    ),
    R(
        f"POST {EN}/messages/{{id}}/read",
        expect(403, en_enterprise=404),
        on={"id": "en_pre_message"},
        note=" another enterprise's",
    ),
    R(f"POST {EN}/messages/{{id}}/read", expect(403, ok="en_enterprise"), on={"id": "en_message"}),
    # -- public forms, answered alike whoever calls: refused on the body, never on the session --
    R("POST /api/captchas", public()),
    R("POST /api/auth/login", public(400), body={"username": ""}),
    R("POST /api/verification-codes", public(400), body={"purpose": "nonsense"}),
    R("POST /api/codeassign/qr-login", public(400), form=True),
    R(f"POST {FW}/login", public(400), body={}),
    R(f"POST {FW}/qr-login", public(400), form=True),
    R(f"POST {FW}/legacy-accounts/lookup", public(400), body={}),
    R(f"POST {FW}/legacy-accounts/migrate", public(400), body={}),
    R(f"POST {FW}/password-reset/lookup", public(400), body={}),
    R(f"POST {FW}/password-reset/code", public(400), body={}),
    R(f"POST {FW}/password-reset", public(400), body={}),
    R(f"POST {FW}/password-strength", public(400), body={}),
    # Only the appeal's own token: a profile is no appeal, whoever asks.
    R(f"POST {FW}/appeals/{{id}}/code", expect(404), on={"id": "fw_person"}, body={}),
    R(
        f"POST {FW}/appeals/{{id}}/code-check",
        expect(404),
        on={"id": "fw_person"},
        body={"code": "123456"},
    ),
    R(f"POST {WS}/login", public(400), body={}),
    # A dry run needs no account (README): it stores nothing and reads no server fact.
    R(
        "POST /api/processes/{process}/validate",
        public(),
        on={"process": "codeassign"},
        body={"matter": "change", "document": {}},
    ),
    # -- writes that add to the demo (last) --------------------------------------------------------
    R(
        "POST /api/auth/agreements",
        expect(OK),
        body={"text_id": "codeassign.login", "version": "2024-01"},
    ),
    R(
        f"POST {EN}/anomalies",
        expect(403, en_province=201, en_ministry=201, en_province_nb=403),
        body={"enterprise_uscc": "91110105MA01ABC09E", "description": "社保不符"},
    ),
    R(f"POST {FW}/qr-image", expect(403, ok="fw_person fw_legal"), body={}),
    R(
        "POST /api/applications",
        expect(403, ok="ws_unit"),
        body={"process": "websites", "matter": "new_site", "data": {}},
    ),
    R("POST /api/auth/logout", expect(OK)),  # last: every token is revoked
]


# -- running the table ---------------------------------------------------------------------------


def _class(status: int, want: Any) -> Any:
    """The status as the table writes it: ``OK`` for any 2xx when the table says ``OK``."""
    return OK if want == OK and 200 <= status < 300 else status


async def _call(world: World, row: Row, role: str) -> int:
    path = row.path
    for name, value in row.params.items():
        path = path.replace("{" + name + "}", str(world.ids.get(value, value)))
    # Each role from its own address (behind the proxy), so per-client limits count per role.
    headers = {**world.headers[role], **row.headers, "X-Forwarded-For": _address(role)}
    kwargs: dict[str, Any] = {"headers": headers}
    if row.form:
        form = aiohttp.FormData({"type": "stamped_form"})
        form.add_field("file", PNG, filename="scan.png", content_type="image/png")
        kwargs["data"] = form
    elif row.body is not None:
        kwargs["json"] = row.body(world.ids) if callable(row.body) else row.body
    async with world.client.request(row.method, path + row.query, **kwargs) as response:
        if row.item and response.status == 200:
            return (await response.json())["results"][0]["status"]
        await response.read()
        return response.status


def _address(role: str) -> str:
    return f"10.0.0.{EVERYONE.index(role) + 1}"


def _order(expected: dict[str, Any]) -> list[str]:
    """Refused roles first, so a row's write by an allowed role cannot hide a refusal."""
    return sorted(expected, key=lambda role: expected[role] == OK)


#: Of the rows' demo applications, those ``GET /api/applications`` lists to each role: an
#: applicant its own, a reviewer what was submitted in its scopes, an admin all of them.
LISTED: dict[str, set[str]] = {
    "anonymous": set(),
    "ca_unit": {"ca_draft"},
    "ca_registry": {"ca_qr"},
    "fw_person": {"fw_person"},
    "fw_legal": {"fw_legal"},
    "fw_platform": {"fw_person", "fw_pending", "fw_legal"},
    "en_enterprise": {"en_info"},
    "en_individual": {"en_declared"},
    "en_province": {"en_info", "en_at_province"},
    "en_ministry": {"en_info", "en_at_province"},
    "ws_unit": {"ws_listed"},
    "ws_reviewer": {"ws_listed", "ws_bj_recheck"},
    "visitor": {"visitor_draft"},
}
APPLICATIONS = [
    *("ca_qr", "ca_draft", "fw_person", "fw_new", "fw_pending", "fw_legal", "en_info", "en_draft"),
    *("en_declared", "en_at_province", "en_pre_declared", "en_rename", "ws_listed", "ws_sh"),
    *("ws_draft", "ws_gd", "ws_bj_draft", "ws_bj_recheck", "visitor_draft"),
]


async def _listed(world: World, role: str) -> set[str] | int:
    """The rows' applications among every page of the role's list (or the refusal status)."""
    names = {world.ids[name]: name for name in APPLICATIONS}
    seen: set[str] = set()
    query = "?limit=100"
    while True:
        response = await world.client.get(f"/api/applications{query}", headers=world.headers[role])
        if response.status != 200:
            return response.status
        page = await response.json()
        seen |= {names[item["id"]] for item in page["items"] if item["id"] in names}
        if page["next_cursor"] is None:
            return seen
        query = f"?limit=100&cursor={page['next_cursor']}"


@on_the_server
@pytest.mark.parametrize("role", EVERYONE)
async def test_each_list_shows_only_what_the_role_may_read(world: World, role: str):
    want: set[str] | int = 401 if role == "anonymous" else LISTED.get(role, set())
    if role == "admin":
        want = set(APPLICATIONS)
    assert await _listed(world, role) == want


@on_the_server
@pytest.mark.parametrize(
    ("role", "region"),
    [
        ("ws_reviewer", "310000"),
        ("ws_reviewer", "310115"),
        ("ca_registry_nb", "110108"),
        ("en_province_nb", "110000"),
        ("ws_reviewer_nb", "110000"),
    ],
)
async def test_a_region_filter_never_reaches_past_the_scope(world: World, role: str, region: str):
    """Asking for another region's queue lists none of it (the scope still applies)."""
    names = {world.ids[name] for name in APPLICATIONS}
    response = await world.client.get(
        f"/api/applications?region={region}&limit=100", headers=world.headers[role]
    )
    assert response.status == 200
    assert not {item["id"] for item in (await response.json())["items"]} & names


@on_the_server
async def test_the_public_listing_shows_listed_sites_only(world: World):
    """Anyone may read the listing and verify a mark, of a listed site only: a site approved
    and waiting for its mark, a draft, a rejected one are nobody's business yet."""
    listed = await (await world.client.get("/api/websites/public/sites?per_page=50")).json()
    names = {item["website_name"] for item in listed["items"]}
    assert "北京市公安局网" in names
    assert not names & {"北京市教育委员会网", "上海市人民政府网", "武侯区政府微网站", "广东人大网"}
    waiting = await IdentificationCode.get(application_id=world.ids["ws_waiting"])
    for path in (
        f"/api/websites/public/verify/{waiting.code}.json",
        f"/api/websites/public/badge/{waiting.code}.svg",
    ):
        assert (await world.client.get(path)).status == 404, path


@on_the_server
async def test_a_disabled_unit_is_locked_out_until_restored(world: World):
    """FW-12: the platform disables a unit; the session it had opened stops with it."""
    client, unit = world.client, world.headers["fw_legal"]
    platform = world.headers["fw_platform"]
    disabled = await client.post("/api/foreignwork/units/legal-demo/disable", headers=platform)
    assert disabled.status == 200, await disabled.text()
    try:
        assert (await client.get("/api/auth/me", headers=unit)).status == 401
        profile = await client.get(f"/api/applications/{world.ids['fw_legal']}", headers=unit)
        assert profile.status == 401
    finally:
        restored = await client.post("/api/foreignwork/units/legal-demo/restore", headers=platform)
        assert restored.status == 200
    assert (await client.get("/api/auth/me", headers=unit)).status == 200


@on_the_server
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
async def test_each_role_gets_what_the_table_says(world: World, row: Row):
    """Last of the server's tests: the table ends with writes, and with logging out."""
    wrong = []
    for role in _order(row.expected):
        want = row.expected[role]
        got = _class(await _call(world, row, role), want)
        if got != want:
            wrong.append(f"{role}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_every_operation_is_in_the_matrix(kernel_app_document: set[tuple[str, str]]):
    """A route the document lists and the table does not fails here: no route skips the matrix."""
    tabled = {(r.method, r.path) for r in ROWS}
    missing = sorted(kernel_app_document - tabled)
    stale = sorted(tabled - kernel_app_document)
    assert not missing, f"operations without a row: {missing}"
    assert not stale, f"rows for operations the document does not have: {stale}"


def test_every_role_has_a_cell_in_every_row():
    for row in ROWS:
        assert set(row.expected) == set(EVERYONE), row.id


@pytest.fixture(scope="module")
def kernel_app_document(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """``(METHOD, path)`` of every operation of the OpenAPI document, kernel and plugins."""
    data = tmp_path_factory.mktemp("document")
    app = create_app(Config(data_dir=data, watch_rules=False, outbox_worker=False))
    paths = openapi.document(app)["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}
