"""Paper out: forms filled with the application's data, and the correction notice (补正告知书).

Each PDF is read back as a user's PDF reader would show it (pdfminer extracts the text of the
built-in Chinese font), so the tests check what lands on paper, not how it was built.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import threading
from urllib.parse import quote

import pytest
from pdfminer.high_level import extract_text
from pdfminer.layout import LAParams

from kernel import forms
from kernel.app import create_app
from kernel.db.models import Application
from kernel.plugins import make_plugin_manager

from .factories import (
    WEBSITE_APPLICATION,
    codeassign_people,
    login,
    make_account,
    make_unit,
    qr_login,
    uscc_for,
)

EXAMPLE = "tests/example_plugin"
FIXED_TERM = {"certificate_validity": "fixed", "certificate_expires": "2031-12-31"}
CHANGE = {
    "matter": "change",
    "unit_name": "某某市机关事务管理局",
    "uscc": "1110000000004JUR69",
    "handler": "张三",
    "handler_mobile": "13800138000",
    "change_items": [
        {"item": "address", "old": "东大街1号", "new": "西大街2号"},
        {"item": "name", "old": "某某市机关事务管理局", "new": "某某市机关事务服务中心"},
    ],
}
REISSUE = {
    "matter": "reissue",
    "unit_name": "某某市机关事务管理局",
    "uscc": "1110000000004JUR69",
    "handler": "张三",
    "handler_mobile": "13800138000",
    "reason": "证书于搬迁中遗失，已登报声明作废",
}
WEBSITE = WEBSITE_APPLICATION


def pdf_text(body: bytes) -> str:
    """The PDF's text with all white space removed, so wrapped lines read as one string.

    A small ``char_margin`` keeps neighbouring table cells apart: with pdfminer's default the
    lines of two cells side by side are merged, and a wrapped cell no longer reads in order.
    """
    assert body.startswith(b"%PDF-")
    text = extract_text(io.BytesIO(body), laparams=LAParams(char_margin=0.5))
    return re.sub(r"\s+", "", text)


@pytest.fixture
async def client(aiohttp_client, config):
    config = dataclasses.replace(config, captcha_text=lambda: "AB23")  # a website unit's login
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    await make_unit("unit-fixed", "110108", "fixed", expires="2031-12-31")
    await make_account("site-unit", "unit", ["website_unit"], region="110000")
    return client


async def create(client, headers, data, process="codeassign") -> dict:
    matter = data.get("matter", "new_site")
    response = await client.post(
        "/api/applications",
        json={"process": process, "matter": matter, "data": data},
        headers=headers,
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def download(client, headers, url: str) -> tuple[str, str]:
    response = await client.get(url, headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    return pdf_text(await response.read()), response.headers["Content-Disposition"]


async def agree_commitment(client, headers) -> None:
    response = await client.post(
        "/api/auth/agreements",
        json={"text_id": "codeassign.login", "version": "2024-01"},
        headers=headers,
    )
    assert response.status == 201


# -- forms ---------------------------------------------------------------------------------------


async def test_the_change_form_has_the_unit_its_code_and_every_change_old_and_new(client):
    unit = await qr_login("unit-a")
    application = await create(client, unit, CHANGE)
    listing = await client.get(f"/api/applications/{application['id']}/forms", headers=unit)
    items = (await listing.json())["items"]
    assert [(i["name"], i["title"]["zh"]) for i in items] == [
        ("change-form", "机关、群团等统一社会信用代码证书信息变更申请表")
    ]

    text, disposition = await download(client, unit, items[0]["url"])
    assert "机关、群团等统一社会信用代码证书信息变更申请表" in text
    assert f"申请编号：{application['id']}" in text
    # the unit's name and code as the register holds them, whatever the draft said
    for expected in ("unit-a机关事务管理局", uscc_for("110108", 1)[:8], "张三", "13800138000"):
        assert expected in text
    for item in CHANGE["change_items"]:
        assert item["old"] in text and item["new"] in text
    assert "地址（住所）" in text, "the changed item is named in Chinese, not as 'address'"
    assert "单位（盖章）" in text and "经办人（签字）" in text and "年月日" in text
    assert "第1页共1页" in text
    filename = f"机关、群团等统一社会信用代码证书信息变更申请表-{application['id']}.pdf"
    assert f"filename*=UTF-8''{quote(filename, safe='')}" in disposition


async def test_the_form_downloads_in_every_state_and_for_the_reviewer_in_scope(client):
    unit = await qr_login("unit-a")
    application = await create(client, unit, CHANGE)
    await agree_commitment(client, unit)
    submitted = await client.post(
        f"/api/applications/{application['id']}/transitions/submit",
        headers={**unit, "If-Match": '"1"'},
    )
    assert submitted.status == 200, await submitted.text()
    url = f"/api/applications/{application['id']}/forms/change-form.pdf"
    text, _ = await download(client, unit, url)
    assert "西大街2号" in text
    text, _ = await download(client, await login(client, "reviewer-bj"), url)
    assert "西大街2号" in text


async def test_the_reissue_form_has_the_reason_and_no_change_form(client):
    unit = await qr_login("unit-a")
    application = await create(client, unit, REISSUE)
    base = f"/api/applications/{application['id']}/forms"
    items = (await (await client.get(base, headers=unit)).json())["items"]
    assert [i["title"]["zh"] for i in items] == ["机关、群团等统一社会信用代码申请表"]
    text, _ = await download(client, unit, f"{base}/application-form.pdf")
    assert REISSUE["reason"] in text
    assert "申请补领" in text and "unit-a机关事务管理局" in text

    wrong = await client.get(f"{base}/change-form.pdf", headers=unit)
    assert wrong.status == 404
    assert wrong.content_type == "application/problem+json"


async def test_a_website_application_prints_the_letter_and_the_form_with_its_site(client):
    unit = await login(client, "site-unit")
    application = await create(client, unit, WEBSITE, process="websites")
    base = f"/api/applications/{application['id']}/forms"
    assert (await (await client.get(base, headers=unit)).json())["items"] == []  # WS-05: not yet
    assert (await client.get(f"{base}/letter.pdf", headers=unit)).status == 409
    # The layout only: the way there through the review is tests/test_websites_journey.py.
    await Application.filter(id=application["id"]).update(state="awaiting_materials")
    items = (await (await client.get(base, headers=unit)).json())["items"]
    assert [i["title"]["zh"] for i in items] == [
        "关于申请对网站开办审核和资格复核的函",
        "党政机关网站开办审核和资格复核申请表",
    ]
    for item in items:
        text, _ = await download(client, unit, item["url"])
        assert item["title"]["zh"] in text
        for expected in (
            "北京市公安局网",
            "北京市公安局.政务",
            "gaj.beijing.gov.cn",
            "202.106.0.20",
        ):
            assert expected in text, (item["name"], expected)
    letter, _ = await download(client, unit, f"{base}/letter.pdf")
    assert "进行开办审核" in letter, "the application type is written out in the letter"
    assert "（网络红页）：否" in letter, "an unticked micro-site box prints as 否, not a blank"
    table, _ = await download(client, unit, f"{base}/application-form.pdf")
    assert "新开办网站申请" in table and "政府" in table and "开办主体（盖章）" in table


async def test_another_applicant_or_an_out_of_scope_reviewer_gets_no_pdf(client):
    unit = await qr_login("unit-a")
    application = await create(client, unit, CHANGE)
    url = f"/api/applications/{application['id']}/forms/change-form.pdf"
    for other in (await login(client, "unit-b"), await login(client, "reviewer-sh")):
        response = await client.get(url, headers=other)
        assert response.status == 404
        assert response.content_type == "application/problem+json"
        listing = await client.get(f"/api/applications/{application['id']}/forms", headers=other)
        assert listing.status == 404
    assert (await client.get(url)).status == 401
    notice = f"/api/applications/{application['id']}/correction-notice.pdf?transition=submit"
    assert (await client.get(notice, headers=await login(client, "unit-b"))).status == 404


async def test_an_unknown_form_is_a_404_problem(client):
    unit = await qr_login("unit-a")
    application = await create(client, unit, CHANGE)
    response = await client.get(
        f"/api/applications/{application['id']}/forms/no-such-form.pdf", headers=unit
    )
    assert response.status == 404
    problem = await response.json()
    assert problem["title_zh"] == "未找到" and "no-such-form" in problem["detail"]


async def test_rendering_runs_off_the_event_loop(client, monkeypatch):
    threads = []
    original = forms.render

    def spying(*args):
        threads.append(threading.get_ident())
        return original(*args)

    monkeypatch.setattr(forms, "render", spying)
    unit = await qr_login("unit-a")
    application = await create(client, unit, CHANGE)
    await download(client, unit, f"/api/applications/{application['id']}/forms/change-form.pdf")
    assert threads and threads[0] != threading.get_ident()


# -- the correction notice -----------------------------------------------------------------------


async def test_the_correction_notice_lists_every_missing_item_with_its_legal_basis(client):
    unit = await qr_login("unit-fixed")
    application = await create(client, unit, CHANGE)
    before = await (await client.get(f"/api/applications/{application['id']}", headers=unit)).json()
    history = f"/api/applications/{application['id']}/history"
    records = len((await (await client.get(history, headers=unit)).json())["items"])

    url = f"/api/applications/{application['id']}/correction-notice.pdf?transition=submit"
    text, disposition = await download(client, unit, url)

    assert "补正告知书" in text
    assert f"申请编号：{application['id']}" in text and "unit-fixed机关事务管理局" in text
    assert "须上传加盖公章的申请表扫描件" in text
    assert "须上传变更事项的批准文件" in text
    for rule in (
        "codeassign.attachments.application-form",
        "codeassign.attachments.change-approval",
    ):
        assert rule in text, rule
    manual = "《机关网上赋码平台用户端操作流程》"
    assert text.count(manual) == 2, "each of the two cites its legal basis"
    assert f"{manual}三、机关赋码网上业务办理（一）申请变更上传附件" in text
    assert "附件材料" in text, "the field is named for people, not as /attachments"
    assert "correction-notice" in disposition

    # Every blocking outcome of the same dry run is on the paper: nothing is left for later.
    dry = await client.post(
        f"/api/applications/{application['id']}/validate?transition=submit", headers=unit
    )
    blocking = [o for o in (await dry.json())["outcomes"] if o["kind"] != "notice"]
    assert len(blocking) == 2
    for outcome in blocking:
        assert outcome["rule"] in text and re.sub(r"\s+", "", outcome["message"]["zh"]) in text

    after = await (await client.get(f"/api/applications/{application['id']}", headers=unit)).json()
    assert (after["version"], after["state"]) == (before["version"], before["state"])
    assert len((await (await client.get(history, headers=unit)).json())["items"]) == records


async def test_nothing_to_correct_is_a_409_in_both_languages(client):
    unit = await qr_login("unit-a")
    application = await create(client, unit, CHANGE)
    await agree_commitment(client, unit)
    response = await client.get(
        f"/api/applications/{application['id']}/correction-notice.pdf?transition=submit",
        headers=unit,
    )
    assert response.status == 409
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem["type"].endswith("/nothing-to-correct")
    assert problem["title_zh"] == "该申请没有需要补正的内容"
    assert problem["title"] == "There is nothing to correct in this application"
    assert problem["decision"]["ok"] is True


async def test_a_transition_that_does_not_leave_the_state_is_refused(client):
    unit = await qr_login("unit-a")
    application = await create(client, unit, CHANGE)
    response = await client.get(
        f"/api/applications/{application['id']}/correction-notice.pdf?transition=approve",
        headers=unit,
    )
    assert response.status == 400
    assert (await response.json())["violations"][0]["fields"] == ["/query/transition"]


# -- the hook, as a third-party plugin uses it ---------------------------------------------------


def test_the_example_plugin_prints_its_permit(monkeypatch):
    """A third-party plugin's forms come from the file its manifest names (``forms:``)."""
    monkeypatch.syspath_prepend(EXAMPLE)
    import govflow_example

    from kernel.config import Config
    from kernel.core import Kernel

    pm = make_plugin_manager(autoload=False, extra=[("parking", govflow_example)])
    kernel = Kernel.build(Config(watch_rules=False), pm=pm, load_rules=False)
    try:
        [permit] = forms.available(kernel.process("parking"), "apply")
        assert forms.available(kernel.process("parking"), "renew") == []
    finally:
        kernel.close()
    header = forms.Header(7, "王五", dt.date(2026, 3, 5))
    text = pdf_text(
        forms.render(permit, {"plate": "京A12345", "vehicle_type": "new_energy"}, header)
    )
    assert "居民停车许可证" in text and "京A12345" in text and "新能源车" in text
    assert "申请编号：7" in text and "2026年3月5日" in text and "发证机关（盖章）" in text


def test_a_broken_or_duplicate_form_definition_names_the_form(tmp_path):
    import dataclasses

    from kernel.config import Config
    from kernel.core import Kernel

    kernel = Kernel.build(Config(watch_rules=False), load_rules=False)
    codeassign = kernel.process("codeassign")
    kernel.close()
    broken = tmp_path / "broken.yaml"
    broken.write_text("forms: [{name: bad, title: {zh: 表}, sections: []}]\n", "utf-8")
    twice = tmp_path / "twice.yaml"
    form = "{name: twice, title: {zh: 表, en: F}, sections: [{rows: [{label: 名, pointer: /n}]}]}"
    twice.write_text(f"forms: [{form}, {form}]\n", "utf-8")
    with pytest.raises(forms.FormError, match=r"form 'bad'.*/title: 'en' is a required property"):
        forms.forms_of(dataclasses.replace(codeassign, forms_file=broken))
    with pytest.raises(forms.FormError, match="named 'twice'"):
        forms.forms_of(dataclasses.replace(codeassign, forms_file=twice))


def test_a_missing_value_prints_as_a_blank_to_fill_in():
    data = {"unit_name": "某单位", "flag": False}
    assert forms.fill("我单位{/unit_name}，网站{/website_name}", data) == (
        f"我单位某单位，网站{forms.BLANK}"
    )
    assert forms.fill("微网站：{/micro_site|否}；{/flag}", data) == "微网站：否；否"
    assert forms.shown(forms.resolve(data, "/flag")) == "否"
    assert forms.resolve({"a": [{"b/c": 1}]}, "/a/0/b~1c") == 1


async def test_a_second_application_for_a_domain_in_progress_is_refused_on_the_server(client):
    """WS-03 with the server's own context: the unit's other applications, read from the DB."""
    unit = await login(client, "site-unit")
    first = await create(client, unit, WEBSITE, process="websites")
    second = await create(client, unit, WEBSITE, process="websites")
    check = f"/api/applications/{second['id']}/validate?transition=submit"
    before = await (await client.post(check, headers=unit)).json()
    assert "websites.application.duplicate" not in {o["rule"] for o in before["outcomes"]}
    await Application.filter(id=first["id"]).update(state="materials_review")
    after = await (await client.post(check, headers=unit)).json()
    assert "websites.application.duplicate" in {o["rule"] for o in after["outcomes"]}
