"""The engineers process (EN-01..EN-10) through the real kernel, as an enterprise meets it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from kernel.config import Config
from kernel.core import Kernel

USCC = "91110108MA01KQ7B2N"
OTHER_USCC = "92440305L3X8R2T5XP"
NAME = "北京华筑建筑设计有限公司"
ACCOUNT = {"name": NAME, "uscc": USCC}
SAVED = {"name": NAME, "industry": "design", "has_qualification": True}
SHOWN = "2024-05-06T09:00:00+08:00"


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    kernel = Kernel.build(Config.from_env())
    yield kernel
    kernel.close()


def enterprise_info(**changes: Any) -> dict[str, Any]:
    doc = {
        "enterprise_name": NAME,
        "uscc": USCC,
        "industry": "design",
        "region_code": "110108",
        "legal_representative": "王建国",
        "registered_address": "北京市海淀区学院路30号",
        "mailing_address": "北京市海淀区学院路30号科研楼5层",
        "postal_code": "100083",
        "contact_person": "李敏",
        "contact_mobile": "13800138000",
        "office_phone": "010-52035000",
        "email": "hr@huazhu.example.cn",
        "has_qualification": True,
        "qualification_certificate_no": "A111000001",
    }
    doc.update(changes)
    return doc


def declaration(**changes: Any) -> dict[str, Any]:
    doc = {
        "declaration_no": "SB2024-000123",
        "person_name": "张伟",
        "id_type": "resident_id",
        "id_number": "110101194910010319",
        "mobile": "13912345678",
        "profession": "structural_1",
        "registration_type": "initial",
        "pre_registration": False,
        "employer_name": NAME,
        "employer_uscc": USCC,
    }
    doc.update(changes)
    return doc


def commitment(seconds: float, *, ticked: bool = True) -> dict[str, Any]:
    shown = dt.datetime.fromisoformat(SHOWN)
    confirmed = shown + dt.timedelta(seconds=seconds)
    return {"shown_at": SHOWN, "confirmed_at": confirmed.isoformat(), "ticked": ticked}


def report(kernel: Kernel, document: dict[str, Any], matter: str = "engineer", **context: Any):
    ctx = {
        "state": "unreported",
        "account": ACCOUNT,
        "enterprise": SAVED,
        "commitment": commitment(75),
        **context,
    }
    return kernel.validate("engineers", document, matter=matter, transition="report", context=ctx)


def by_rule(decision) -> dict[str, Any]:
    return {o.rule: o for o in decision.outcomes}


# -- EN-10, the process description -----------------------------------------------------------


def test_the_process_is_described_with_batch_report_and_return(kernel: Kernel) -> None:
    process = kernel.process("engineers")
    assert process.title.zh.startswith("勘察设计注册工程师")
    declaration_wf = process.workflows["declaration"]
    assert declaration_wf.initial.title.zh == "未上报"
    assert declaration_wf.state("province_pending").title.zh == "省级未受理"
    assert declaration_wf.state("ministry_pending").title.zh == "部级未受理"
    batch = {t.name for t in declaration_wf.transitions if t.batch}
    assert batch == {"report", "return"}
    assert declaration_wf.transition("report").roles == ("enterprise",)
    assert "engineers.enterprise_ready" in declaration_wf.transition("report").rulesets


def test_help_lines_are_data_in_the_guide_and_the_profession_enum(kernel: Kernel) -> None:
    guide = kernel.process("engineers").matter("engineer").guide
    assert "010-63369167" in guide["hotline_utilities"].zh
    assert "010-88019251" in guide["hotline_system"].zh
    profession = kernel.schemas.schema("engineers/declaration.json")["$defs"]["profession"]
    assert profession["x-help-lines"]["chemical"] == ["010-64820640"]
    assert set(profession["enum"]) == set(profession["x-help-lines"])


# -- EN-01, the enterprise's basic information ------------------------------------------------


def save_info(kernel: Kernel, document: dict[str, Any], account=ACCOUNT):
    return kernel.validate(
        "engineers", document, workflow="enterprise_info", context={"account": account}
    )


def test_complete_basic_information_is_saved(kernel: Kernel) -> None:
    decision = save_info(kernel, enterprise_info())
    assert decision.ok, decision.outcomes
    assert decision.outcomes == ()


def test_every_missing_basic_field_is_named_at_once(kernel: Kernel) -> None:
    decision = save_info(kernel, {"enterprise_name": NAME, "uscc": USCC})
    messages = {o.fields[0]: o.message.zh for o in decision.outcomes}
    assert {o.rule for o in decision.outcomes} == {"schema.required"}
    assert messages == {
        "/industry": "请填写所属行业",
        "/region_code": "请填写所在地区",
        "/legal_representative": "请填写法定代表人",
        "/registered_address": "请填写注册地址",
        "/mailing_address": "请填写通讯地址",
        "/postal_code": "请填写邮政编码",
        "/contact_person": "请填写联系人",
        "/contact_mobile": "请填写联系人手机号码",
        "/has_qualification": "请填写是否已取得企业资质",
    }


def test_a_qualified_enterprise_gives_its_certificate_number(kernel: Kernel) -> None:
    doc = enterprise_info()
    del doc["qualification_certificate_no"]
    decision = save_info(kernel, doc)
    assert [(o.rule, o.fields) for o in decision.outcomes] == [
        ("schema.required", ("/qualification_certificate_no",))
    ]
    assert save_info(kernel, {**doc, "has_qualification": False}).ok


def test_wrong_uscc_and_mobile_are_named_with_their_messages(kernel: Kernel) -> None:
    doc = enterprise_info(uscc="91110108MA01KQ7B2P", contact_mobile="1380013800")
    decision = save_info(kernel, doc)
    found = {o.fields[0]: o for o in decision.outcomes}
    assert set(found) == {"/uscc", "/contact_mobile"}
    assert found["/uscc"].rule.startswith("format.uscc.")
    assert found["/uscc"].message.zh.startswith("统一社会信用代码")
    assert found["/uscc"].message.en
    assert found["/contact_mobile"].rule.startswith("format.mobile-cn.")
    assert found["/contact_mobile"].message.zh.startswith("联系人手机号码")


def test_name_and_code_taken_from_the_account_cannot_be_changed(kernel: Kernel) -> None:
    doc = enterprise_info(enterprise_name="北京华筑设计集团有限公司", uscc=USCC.lower())
    decision = save_info(kernel, doc)
    assert decision.rule_ids() == {"engineers.enterprise-info.name-not-from-account"}
    assert by_rule(decision)["engineers.enterprise-info.name-not-from-account"].fields == (
        "/enterprise_name",
    )


# -- EN-02, reporting and returning declarations ----------------------------------------------


def test_a_declaration_is_reported_after_reading_the_commitment_for_a_minute(
    kernel: Kernel,
) -> None:
    decision = report(kernel, declaration())
    assert decision.ok, decision.outcomes
    assert decision.outcomes == ()


def test_the_commitment_must_be_shown_sixty_seconds(kernel: Kernel) -> None:
    short = report(kernel, declaration(), commitment=commitment(59))
    assert short.rule_ids() == {"engineers.report.commitment-too-short"}
    assert "60秒" in short.outcomes[0].message.zh
    assert report(kernel, declaration(), commitment=commitment(60)).ok


def test_naive_times_are_china_time(kernel: Kernel) -> None:
    confirmed_utc = "2024-05-06T01:00:30+00:00"  # 09:00:30 in Beijing: 30 seconds
    ctx = {"shown_at": "2024-05-06T09:00:00", "confirmed_at": confirmed_utc, "ticked": True}
    decision = report(kernel, declaration(), commitment=ctx)
    assert decision.rule_ids() == {"engineers.report.commitment-too-short"}


def test_the_commitment_box_must_be_ticked_and_the_letter_shown(kernel: Kernel) -> None:
    unticked = report(kernel, declaration(), commitment=commitment(120, ticked=False))
    assert unticked.rule_ids() == {"engineers.report.commitment-not-ticked"}
    ctx = {"state": "unreported", "account": ACCOUNT, "enterprise": SAVED}
    never = kernel.validate(
        "engineers", declaration(), matter="engineer", transition="report", context=ctx
    )
    assert never.rule_ids() == {"engineers.report.commitment-not-shown"}


def test_reporting_an_already_reported_item_only_gives_a_notice(kernel: Kernel) -> None:
    decision = report(kernel, declaration(), state="province_pending")
    assert decision.ok
    (notice,) = decision.outcomes
    assert (notice.rule, notice.kind) == ("engineers.report.already-reported", "notice")
    assert notice.message.zh == "该申报已上报，请勿重复上报"


def test_nothing_is_handled_before_the_basic_information_is_saved(kernel: Kernel) -> None:
    ctx = {"state": "unreported", "account": ACCOUNT, "commitment": commitment(75)}
    decision = kernel.validate(
        "engineers", declaration(), matter="engineer", transition="report", context=ctx
    )
    assert decision.rule_ids() == {"engineers.enterprise.info-not-saved"}
    assert not decision.ok


def test_only_own_declarations_are_handled(kernel: Kernel) -> None:
    other = report(kernel, declaration(employer_uscc=OTHER_USCC))
    assert other.rule_ids() == {"engineers.declaration.not-own"}
    assert report(kernel, declaration(employer_uscc=USCC.lower())).ok


def test_an_unqualified_enterprise_reports_pre_registered_persons_only(kernel: Kernel) -> None:
    unqualified = {**SAVED, "has_qualification": False}
    refused = report(kernel, declaration(), enterprise=unqualified)
    assert refused.rule_ids() == {"engineers.report.unqualified-needs-pre-registration"}
    allowed = report(kernel, declaration(pre_registration=True), enterprise=unqualified)
    assert allowed.ok
    assert allowed.rule_ids() == {"engineers.report.pre-registration-follow-up"}


def test_architects_are_reported_under_the_architect_matter(kernel: Kernel) -> None:
    assert report(kernel, declaration(profession="architect_1"), matter="architect").ok
    wrong = report(kernel, declaration(profession="architect_1"), matter="engineer")
    assert wrong.rule_ids() == {"engineers.report.profession-matter"}
    assert by_rule(wrong)["engineers.report.profession-matter"].fields == ("/profession",)


def test_a_wrong_id_number_is_checked_by_its_type(kernel: Kernel) -> None:
    decision = report(kernel, declaration(id_number="110101194910010318"))
    (outcome,) = decision.outcomes
    assert outcome.rule.startswith("format.resident-id.")
    assert outcome.fields == ("/id_number",)
    assert outcome.message.zh.startswith("证件号码")
    passport = declaration(id_type="passport_foreign", id_number="L898902C3")
    assert report(kernel, passport).ok


def test_only_unreported_items_are_returned(kernel: Kernel) -> None:
    ctx = {"account": ACCOUNT, "enterprise": SAVED}

    def back(state: str):
        return kernel.validate(
            "engineers",
            declaration(),
            workflow="declaration",
            transition="return",
            context={**ctx, "state": state},
        )

    assert back("unreported").ok
    assert back("province_pending").rule_ids() == {"engineers.return.only-unreported"}


# -- EN-03, withdrawal ------------------------------------------------------------------------


def test_withdrawal_while_not_accepted_and_agreed_by_the_enterprise(kernel: Kernel) -> None:
    def act(transition: str, state: str):
        ctx = {"state": state, "account": ACCOUNT, "enterprise": SAVED}
        return kernel.validate(
            "engineers", declaration(), matter="engineer", transition=transition, context=ctx
        )

    assert act("request_withdrawal_at_ministry", "ministry_pending").ok
    assert act("request_withdrawal_at_province", "province_accepted").rule_ids() == {
        "engineers.withdrawal.not-unaccepted"
    }
    assert act("agree_withdrawal", "ministry_withdrawal_requested").ok
    assert act("agree_withdrawal", "ministry_accepted").rule_ids() == {
        "engineers.withdrawal.no-pending-request"
    }


# -- EN-04, qualification correction ----------------------------------------------------------


def correct(kernel: Kernel, number: str, lookup: str | None, attachments=()):
    ctx = {
        "account": ACCOUNT,
        "enterprise": SAVED,
        "declaration": {
            "state": "province_pending",
            "pre_registration": True,
            "employer_uscc": USCC,
        },
        "qualification_lookup": {"certificate_no": lookup} if lookup else None,
        "attachments": list(attachments),
    }
    doc = {"declaration_no": "SB2024-000123", "qualification_certificate_no": number}
    return kernel.validate("engineers", doc, workflow="qualification_correction", context=ctx)


def test_qualification_found_automatically_corrects_the_pre_registration(kernel: Kernel) -> None:
    assert correct(kernel, "a111000001", lookup="A111000001").ok
    mismatch = correct(kernel, "A111000009", lookup="A111000001")
    assert mismatch.rule_ids() == {"engineers.qualification.number-mismatch"}


def test_without_a_found_number_the_copy_is_uploaded(kernel: Kernel) -> None:
    missing = correct(kernel, "A111000001", lookup=None)
    (outcome,) = missing.outcomes
    assert (outcome.rule, outcome.kind, outcome.requirement) == (
        "engineers.qualification.copy-required",
        "requirement",
        "attachment",
    )
    assert outcome.params["attachment_type"] == "qualification_copy"
    assert correct(kernel, "A111000001", lookup=None, attachments=["qualification_copy"]).ok


# -- EN-09, the enterprise name change --------------------------------------------------------


def rename(kernel: Kernel, *, industry="design", declarations=(), attachments=()):
    doc = {"former_name": NAME, "current_name": "北京华筑工程设计有限公司", "uscc": USCC}
    ctx = {
        "account": {"name": "北京华筑工程设计有限公司", "uscc": USCC},
        "enterprise": {**SAVED, "industry": industry},
        "declarations": list(declarations),
        "attachments": list(attachments),
    }
    return kernel.validate("engineers", doc, workflow="name_change", context=ctx)


def test_the_name_change_is_reported_when_nothing_is_in_progress(kernel: Kernel) -> None:
    done = [{"declaration_no": "SB2023-0001", "state": "approved"}]
    assert rename(kernel, declarations=done).ok


def test_the_name_change_is_refused_while_a_declaration_is_in_progress(kernel: Kernel) -> None:
    busy = [
        {"declaration_no": "SB2023-0001", "state": "approved"},
        {"declaration_no": "SB2024-0007", "state": "ministry_pending"},
    ]
    decision = rename(kernel, declarations=busy)
    assert decision.rule_ids() == {"engineers.name-change.declaration-in-progress"}
    assert "正在办理的注册申报业务" in decision.outcomes[0].message.zh


def test_testing_units_upload_the_renamed_qualification_copy(kernel: Kernel) -> None:
    decision = rename(kernel, industry="testing")
    assert decision.rule_ids() == {"engineers.name-change.renamed-qualification-copy"}
    assert rename(kernel, industry="testing", attachments=["renamed_qualification_copy"]).ok


def test_the_current_name_must_already_be_changed_at_the_regulator(kernel: Kernel) -> None:
    doc = {"former_name": NAME, "current_name": NAME, "uscc": USCC}
    ctx = {"account": ACCOUNT, "enterprise": SAVED}
    decision = kernel.validate("engineers", doc, workflow="name_change", context=ctx)
    assert decision.rule_ids() == {"engineers.name-change.not-changed-yet"}
