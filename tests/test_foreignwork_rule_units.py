"""Rule unit tests of foreignwork: the schemas and rule files given hand-written contexts.

These prove the rule files and schemas alone, NOT the product: the server builds no context
here. The requirement tests (FW-01 … FW-14, through HTTP, facts built by the server) are
tests/test_foreignwork_profiles.py and tests/test_foreignwork_accounts.py. Identifiers are
synthetic values marked valid in shared/reference/identifier-vectors.json.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from kernel.clock import now
from kernel.config import Config
from kernel.core import Kernel

from .fw_helpers import legal as legal_document
from .fw_helpers import person as person_document

P = "foreignwork"
USCC = "91110108MA01KQ7B2N"
MATTER = "000106004000"  # 外国人来华工作许可


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    built = Kernel.build(Config.from_env())
    yield built
    built.close()


def rules(decision) -> set[str]:
    return {o.rule for o in decision.outcomes}


def outcome(decision, rule: str):
    return next(o for o in decision.outcomes if o.rule == rule)


def person(**changes) -> dict:
    """The journeys' natural person (``fw_helpers.person``), with the login name the server
    fills on the platform."""
    return person_document(**{"login_name": "Gzc_Zrr1996", **changes})


def legal(**changes) -> dict:
    """The journeys' legal person (``fw_helpers.legal``), with its login name."""
    return legal_document(**{"login_name": "Gzc_Fr1996", **changes})


def upload(name: str, kind: str = "jpg", size: int = 300_000, at: str | None = None) -> dict:
    entry = {"type": name, "format": kind, "size": size}
    if at:
        entry["uploaded_at"] = at
    return entry


# -- the process as the kernel lists it ----------------------------------------------------


def test_the_process_is_listed_with_its_titles_and_workflows(kernel):
    process = kernel.process(P)
    assert process.title.zh == "外国人来华工作管理服务系统"
    assert {"person_profile", "legal_profile", "agent_profile", "legacy_account"} <= set(
        process.workflows
    )
    states = {s.name: s.title.zh for s in process.workflows["person_profile"].states}
    assert states["national_verified"] == "国家平台实名认证通过"
    assert states["manual_approved"] == "科技部平台人工审核通过"
    assert states["review_failed"] == "实名认证审核失败"


def test_verified_profiles_cannot_upload_and_only_staff_decide_manual_reviews(kernel):
    for name in ("person_profile", "legal_profile", "agent_profile"):
        wf = kernel.process(P).workflows[name]
        upload_from = set(wf.transition("upload").source)
        assert not upload_from & {"national_verified", "manual_approved", "manual_pending"}
        for decision in ("approve", "reject"):
            step = wf.transition(decision)
            assert step.roles == ("platform_reviewer",)
            assert step.source == ("manual_pending",)
        assert wf.transition("reject").reply == "required"  # FW-09: the reasons are shown
        for answer in ("national_pass", "national_fail", "exempt"):
            assert wf.transition(answer).roles == ("system",)


def test_every_ruleset_a_transition_names_is_loaded_and_passes_its_cases(kernel):
    guarding = kernel.process(P).rulesets()
    assert len(guarding) == 11
    assert guarding <= set(kernel.rules.names())  # a file that failed its cases is not loaded
    assert not [name for name in kernel.rules.errors if name.startswith(P)]
    tested = {case.ruleset for case in kernel.rules.cases() if case.ruleset.startswith(P)}
    assert tested == guarding


# -- FW-05, FW-13: the natural person's profile ----------------------------------------------


def test_a_complete_natural_person_profile_is_saved_without_remarks(kernel):
    decision = kernel.validate(P, person(), workflow="person_profile", transition="save")
    assert decision.ok and decision.outcomes == ()


def test_an_empty_profile_is_told_every_missing_field_at_once_in_chinese(kernel):
    decision = kernel.validate(P, {}, workflow="person_profile", transition="save")
    assert not decision.ok
    missing = {o.fields[0]: o.message.zh for o in decision.outcomes}
    assert missing == {
        "/name": "请填写姓名",
        "/mobile": "请填写手机",
        "/identity_type": "请填写类型",
        "/id_type": "请填写证件类型",
        "/id_number": "请填写证件号码",
    }
    assert all(o.rule == "schema.required" for o in decision.outcomes)


def test_a_resident_id_card_needs_the_start_of_its_validity(kernel):
    document = person(id_valid_from=None, id_valid_until=None)
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    assert [(o.rule, o.fields) for o in decision.outcomes] == [
        ("schema.required", ("/id_valid_from",))
    ]
    assert decision.outcomes[0].message.zh == "请填写身份证有效期起始日期"


def test_a_wrong_resident_id_number_is_named_with_its_reason(kernel):
    document = person(id_number="110101194910010318")
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    found = outcome(decision, "format.resident-id.check-digit")
    assert found.fields == ("/id_number",)
    assert found.message.zh == "证件号码：公民身份号码校验位错误"
    assert "check character" in found.message.en


def test_a_mobile_that_is_not_a_mainland_number_is_refused(kernel):
    document = person(mobile="12345678901")
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    assert {o.fields for o in decision.outcomes} == {("/mobile",)}
    assert decision.outcomes[0].rule == "format.mobile-cn.range"
    assert "手机号码不在已分配的号段内" in decision.outcomes[0].message.zh


@pytest.mark.parametrize(
    ("identity_type", "id_type", "number"),
    [
        ("mainland", "foreign_permanent_resident_id", "911250198504200310"),
        ("hmt", "exit_entry_permit_hk_macao", "C12345678"),
        ("hmt", "exit_entry_permit_taiwan", "L12345678"),
        ("hmt", "mainland_travel_permit_hk_macao", "H12345678"),
        ("hmt", "mainland_travel_permit_taiwan", "12345678"),
        ("other", "passport_foreign", "L898902C3"),
    ],
)
def test_each_id_type_of_the_fw06_table_is_accepted_with_its_own_number(
    kernel, identity_type, id_type, number
):
    document = person(
        identity_type=identity_type,
        id_type=id_type,
        id_number=number,
        id_valid_from=None,
        id_valid_until=None,
    )
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    assert decision.ok, decision.outcomes


def test_an_id_number_is_checked_by_the_id_type_chosen(kernel):
    document = person(
        identity_type="hmt", id_type="mainland_travel_permit_hk_macao", id_number="K12345678"
    )
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    assert rules(decision) == {"format.mainland-travel-permit-hk-macao.prefix"}


def test_an_id_type_outside_the_identity_type_is_refused(kernel):
    document = person(identity_type="other")  # a mainland resident ID for 其他
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    assert [(o.rule, o.fields) for o in decision.outcomes] == [("schema.enum", ("/id_type",))]
    assert decision.outcomes[0].message.zh == "证件类型的取值不在可选范围内"


# -- FW-05, FW-09: changes, re-verification, ID validity ---------------------------------------


def test_changing_the_mobile_of_a_verified_user_warns_before_reverification(kernel):
    before = person(mobile="13912345678")
    decision = kernel.validate(
        P,
        person(),
        workflow="person_profile",
        transition="save",
        context={"state": "national_verified", "previous": before},
    )
    assert decision.ok  # a notice: the user confirms and the save goes on
    warning = outcome(decision, "foreignwork.profile-save.reverify-warning-person")
    assert warning.kind == "notice"
    assert warning.message.zh == "已实名认证，修改用户信息可能会重新进行实名认证，确认要修改吗？"


def test_changing_only_the_address_of_a_verified_user_gives_no_warning(kernel):
    before = person(address="北京市朝阳区")
    decision = kernel.validate(
        P,
        person(),
        workflow="person_profile",
        transition="save",
        context={"realname": "manual_approved", "previous": before},
    )
    assert decision.outcomes == ()


def test_a_long_term_card_with_an_end_date_is_refused(kernel):
    document = person(id_long_term=True)
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    assert not decision.ok
    refused = outcome(decision, "foreignwork.profile-save.long-term-without-end")
    assert refused.fields == ("/id_valid_until",)
    assert refused.message.zh == "长期有效的身份证不能填写有效期终止日期"


def test_an_expired_card_is_pointed_out_without_blocking(kernel):
    yesterday = (now().date() - dt.timedelta(days=1)).isoformat()
    document = person(id_valid_from="2006-01-01", id_valid_until=yesterday)
    decision = kernel.validate(P, document, workflow="person_profile", transition="save")
    assert decision.ok
    assert rules(decision) == {"foreignwork.profile-save.id-expired"}


# -- FW-06, FW-08: what the national verifier may answer for -----------------------------------


def test_a_passport_holder_is_exempt_and_never_verified_by_the_national_platform(kernel):
    passport = person(
        identity_type="other",
        id_type="passport_foreign",
        id_number="L898902C3",
        id_valid_from=None,
        id_valid_until=None,
    )
    national = kernel.validate(P, passport, workflow="person_profile", transition="national_pass")
    assert rules(national) == {"foreignwork.national.id-type-not-verified"}
    exempt = kernel.validate(P, passport, workflow="person_profile", transition="exempt")
    assert exempt.ok


def test_a_resident_id_holder_must_be_verified_and_cannot_be_exempted(kernel):
    exempt = kernel.validate(P, person(), workflow="person_profile", transition="exempt")
    required = outcome(exempt, "foreignwork.exempt.id-type-requires-verification")
    assert required.kind == "requirement"
    assert required.requirement == "realname_verification"
    assert required.params == {"verifier": "national_platform"}
    national = kernel.validate(P, person(), workflow="person_profile", transition="national_fail")
    assert national.ok


def test_hong_kong_units_are_not_verified_whatever_their_representative_holds(kernel):
    unit = legal(
        region_type="hmt",
        legal_person_type=None,
        uscc=None,
        unit_id="HK-2019-000123",
        region="hong_kong",
    )
    national = kernel.validate(P, unit, workflow="legal_profile", transition="national_pass")
    assert rules(national) == {"foreignwork.national.legal-person-not-verified"}
    assert kernel.validate(P, unit, workflow="legal_profile", transition="exempt").ok


def test_a_main_agent_with_a_permanent_residence_card_is_exempt(kernel):
    agent = {
        "name": "John Smith",
        "mobile": "13800138000",
        "identity_type": "mainland",
        "id_type": "foreign_permanent_resident_id",
        "id_number": "911250198504200310",
    }
    assert kernel.validate(P, agent, workflow="agent_profile", transition="exempt").ok
    national = kernel.validate(P, agent, workflow="agent_profile", transition="national_pass")
    assert rules(national) == {"foreignwork.national.id-type-not-verified"}


# -- FW-11: uploads for manual review ----------------------------------------------------------


def test_a_natural_person_uploads_signed_id_scans_for_manual_review(kernel):
    context = {"state": "failed", "attachments": [upload("id_front"), upload("id_back")]}
    decision = kernel.validate(
        P, person(), workflow="person_profile", transition="upload", context=context
    )
    assert decision.ok and decision.outcomes == ()


def test_wrong_files_and_a_missing_side_are_all_reported_at_once(kernel):
    context = {"state": "unverified", "attachments": [upload("id_front", "png", 2_000_000)]}
    decision = kernel.validate(
        P, person(), workflow="person_profile", transition="upload", context=context
    )
    assert rules(decision) == {
        "foreignwork.upload.format",
        "foreignwork.upload.too-large",
        "foreignwork.upload.person-id-back",
    }
    back = outcome(decision, "foreignwork.upload.person-id-back")
    assert back.requirement == "attachment" and back.params["attachment_type"] == "id_back"


def test_a_jpeg_file_counts_as_jpg(kernel):
    context = {"attachments": [upload("id_front", "JPEG"), upload("id_back", ".jpg")]}
    decision = kernel.validate(
        P, person(), workflow="person_profile", transition="upload", context=context
    )
    assert decision.ok


def test_files_uploaded_before_the_data_changed_must_be_uploaded_again(kernel):
    context = {
        "state": "failed",
        "changed_at": "2026-03-02T10:00:00+08:00",
        "attachments": [
            upload("id_front", at="2026-03-01T09:00:00+08:00"),
            upload("id_back", at="2026-03-02T11:00:00"),
        ],
    }
    decision = kernel.validate(
        P, person(), workflow="person_profile", transition="upload", context=context
    )
    assert rules(decision) == {"foreignwork.upload.stale"}


def test_a_foreign_unit_must_prove_its_status_among_the_other_materials(kernel):
    unit = legal(
        region_type="foreign",
        legal_person_type=None,
        uscc=None,
        unit_nature=None,
        unit_address=None,
        unit_id="DE-HRB-123456",
        continent="europe",
        country="德国",
    )
    files = [upload("business_licence"), upload("representative_id")]
    context = {"actor": {"role": "legal_person"}, "attachments": files}
    decision = kernel.validate(
        P, unit, workflow="legal_profile", transition="upload", context=context
    )
    assert rules(decision) == {"foreignwork.upload.status-proof"}
    context["attachments"] = [*files, upload("other_3")]
    assert kernel.validate(
        P, unit, workflow="legal_profile", transition="upload", context=context
    ).ok


# -- FW-07: the legal person's profile ---------------------------------------------------------


def test_a_complete_domestic_enterprise_profile_is_saved(kernel):
    context = {"actor": {"role": "legal_person"}}
    decision = kernel.validate(
        P, legal(), workflow="legal_profile", transition="save", context=context
    )
    assert decision.ok and decision.outcomes == ()


def test_a_domestic_unit_is_told_everything_its_region_type_requires(kernel):
    document = {"region_type": "domestic", "legal_person_type": "enterprise"}
    decision = kernel.validate(P, document, workflow="legal_profile", transition="save")
    missing = {o.fields[0]: o.message.zh for o in decision.outcomes}
    assert missing == {
        "/unit_name": "请填写单位名称",
        "/uscc": "请填写统一社会信用代码",
        "/unit_nature": "请填写单位性质",
        "/unit_address": "请填写单位地址",
        "/founded_on": "请填写单位成立日期",
        "/independent_legal_person": "请填写是否独立法人",
        "/mailing_address": "请填写通信地址",
        "/representative": "请填写法定代表人信息",
    }


def test_a_foreign_unit_needs_its_identifier_continent_and_country_but_no_uscc(kernel):
    document = legal(
        region_type="foreign",
        legal_person_type=None,
        uscc=None,
        unit_nature=None,
        unit_address=None,
    )
    decision = kernel.validate(P, document, workflow="legal_profile", transition="save")
    assert {o.fields[0] for o in decision.outcomes} == {"/unit_id", "/continent", "/country"}


def test_a_domestic_unit_of_type_other_may_give_any_code(kernel):
    document = legal(legal_person_type="other", uscc="京机编-0001")
    decision = kernel.validate(P, document, workflow="legal_profile", transition="save")
    assert decision.ok


def test_a_wrong_uscc_and_a_wrong_representative_id_are_named(kernel):
    representative = {**legal()["representative"], "id_number": "310104198512311224"}
    document = legal(uscc="91110108MA01KQ7B2P", representative=representative)
    decision = kernel.validate(P, document, workflow="legal_profile", transition="save")
    assert rules(decision) == {"format.uscc.check-digit", "format.resident-id.check-digit"}
    wrong_id = outcome(decision, "format.resident-id.check-digit")
    assert wrong_id.fields == ("/representative/id_number",)
    assert wrong_id.message.zh.startswith("法定代表人证件号码：")


# -- FW-10: the main agent -----------------------------------------------------------------------


# -- FW-12: authorizations -------------------------------------------------------------------


def _held(**changes) -> dict:
    held = {"unit": "Gzc_Fr1996", "matter": MATTER, "grantee": "wang5", "status": "active"}
    return {**held, **changes}


def test_a_natural_person_maintains_a_unit_only_with_its_authorization(kernel):
    context = {
        "actor": {"role": "natural_person"},
        "unit": {"account": "Gzc_Fr1996", "status": "active"},
        "authorizations": [_held(manage_unit=False)],
    }
    refused = kernel.validate(
        P, legal(), workflow="legal_profile", transition="save", context=context
    )
    assert rules(refused) == {"foreignwork.unit-admin.not-authorized"}
    context["authorizations"] = [_held(manage_unit=True)]
    allowed = kernel.validate(
        P, legal(), workflow="legal_profile", transition="save", context=context
    )
    assert allowed.ok


def test_without_authorization_a_matter_answers_no_permission(kernel):
    request = {"matter": MATTER, "applicant_type": "legal_person", "unit": "Gzc_Fr1996"}
    context = {
        "actor": {"role": "natural_person"},
        "authorizations": [_held(matter="000106005000")],
    }
    decision = kernel.validate(P, request, workflow="matter_access", context=context)
    assert not decision.ok
    assert outcome(decision, "foreignwork.handle.not-authorized").message.zh.startswith(
        "没有权限办理该事项"
    )
    context["authorizations"].append(_held())
    assert kernel.validate(P, request, workflow="matter_access", context=context).ok


def test_a_disabled_units_authorizations_no_longer_count(kernel):
    request = {"matter": MATTER, "applicant_type": "legal_person", "unit": "Gzc_Fr1996"}
    context = {
        "actor": {"role": "natural_person"},
        "unit": {"account": "Gzc_Fr1996", "status": "disabled"},
        "authorizations": [_held(status="disabled")],
    }
    decision = kernel.validate(P, request, workflow="matter_access", context=context)
    assert rules(decision) == {
        "foreignwork.handle.not-authorized",
        "foreignwork.handle.unit-disabled",
    }


def test_a_user_with_an_incomplete_profile_is_told_to_complete_it(kernel):
    stored = {"name": "毕雪", "identity_type": "mainland"}  # no mobile, ID type or number
    missing = [
        o.fields[0]
        for o in kernel.validate(P, stored, workflow="person_profile", transition="save").outcomes
        if o.rule == "schema.required"
    ]
    request = {"matter": "000106009000", "applicant_type": "natural_person"}
    context = {"actor": {"role": "natural_person"}, "profile": {"missing": missing}}
    decision = kernel.validate(P, request, workflow="matter_access", context=context)
    assert [o.message.zh for o in decision.outcomes] == ["用户信息不全，请及时补充"]


def test_a_unit_can_only_authorize_natural_persons(kernel):
    grant = {
        "unit": "Gzc_Fr1996",
        "unit_name": "北京示例科技有限公司",
        "grantee": "Other_Fr",
        "grantee_name": "赵六",
        "matters": [MATTER],
    }
    context = {"unit": {"account": "Gzc_Fr1996", "status": "active"}}
    refused = kernel.validate(
        P,
        grant,
        workflow="authorization",
        context={**context, "grantee": {"account_type": "legal_person"}},
    )
    assert rules(refused) == {"foreignwork.authorize.grantee-not-natural-person"}
    allowed = kernel.validate(
        P,
        grant,
        workflow="authorization",
        context={**context, "grantee": {"account_type": "natural_person"}},
    )
    assert allowed.ok


def test_an_authorization_names_matters_by_their_12_digit_code(kernel):
    grant = {
        "unit": "Gzc_Fr1996",
        "unit_name": "北京示例科技有限公司",
        "grantee": "wang5",
        "grantee_name": "王五",
        "matters": ["外国人来华工作许可"],
    }
    decision = kernel.validate(P, grant, workflow="authorization")
    assert [(o.rule, o.fields) for o in decision.outcomes] == [("schema.pattern", ("/matters/0",))]


# -- FW-02: the legacy-account decision table --------------------------------------------------

OWN = {"uscc": USCC}
OTHER = {"uscc": "92440305L3X8R2T5XP"}


@pytest.mark.parametrize(
    ("case", "context", "answers"),
    [
        (1, {}, {("legacy", "legal_person")}),
        (2, {"name_taken_by": OTHER}, {("wp_legacy", "legal_person")}),
        (
            3,
            {"platform_account": {"login_name": "bjsl_fr"}},
            {("platform", "legal_person"), ("wp_legacy", "natural_person")},
        ),
        (
            4,
            {"platform_account": {"login_name": "bjsl_fr"}, "name_taken_by": OTHER},
            {("platform", "legal_person"), ("wp_legacy", "natural_person")},
        ),
        (5, {"name_taken_by": OWN}, {("legacy", "legal_person")}),
    ],
)
def test_the_legacy_account_decision_table_tells_the_login_name_and_type(
    kernel, case, context, answers
):
    account = {"legacy_login_name": "bjsl2015", "unit_name": "北京示例科技有限公司", "uscc": USCC}
    decision = kernel.validate(P, account, workflow="legacy_account", context=context)
    assert decision.ok  # notices only
    assert {(o.params["login_name"], o.params["login_type"]) for o in decision.outcomes} == answers
    assert all(case in o.params["cases"] for o in decision.outcomes)
    wp = [o for o in decision.outcomes if o.params["login_name"] == "wp_legacy"]
    assert all("“WP_”" in o.message.zh for o in wp)


# -- FW-03: password reset by login name -------------------------------------------------------


def reset(**changes) -> dict:
    document = {
        "login_name": "Gzc_Zrr1996",
        "account_type": "natural_person",
        "method": "mobile",
        "reserved_mobile": "13800138000",
        "reserved_mobile_confirm": "+86 138 0013 8000",
        "reason": "forgotten",
        "new_password": "Abcdefg1",
        "new_password_confirm": "Abcdefg1",
        "verification_code": "482913",
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


# -- FW-04: password recovery by appeal ---------------------------------------------------------


def test_a_units_appeal_needs_the_unit_found_and_both_scans(kernel):
    appeal = {
        "unit_name": "北京示例科技有限公司",
        "legal_person_type": "enterprise",
        "uscc": USCC,
        "agent": {
            "identity_type": "hmt",
            "id_type": "exit_entry_permit_taiwan",
            "id_number": "L12345678",
        },
        "mobile": "13800138000",
    }
    decision = kernel.validate(P, appeal, matter="appeal_legal_person", context={})
    assert rules(decision) == {
        "foreignwork.appeal.unit-not-found",
        "foreignwork.appeal.id-front",
        "foreignwork.appeal.id-back",
    }
    context = {
        "unit": {"unit_name": "北京示例科技有限公司"},
        "attachments": [upload("id_front"), upload("id_back")],
    }
    assert kernel.validate(P, appeal, matter="appeal_legal_person", context=context).ok


def test_someone_who_knows_only_the_login_name_leaves_a_way_to_be_reached(kernel):
    feedback = {"login_name": "Gzc_Zrr1996", "description": "只记得登录名，无法找回密码"}
    decision = kernel.validate(P, feedback, matter="support_feedback")
    assert not decision.ok and decision.outcomes[0].rule == "schema.required"
    feedback["contact_email"] = "guozc@163.com"
    assert kernel.validate(P, feedback, matter="support_feedback").ok
