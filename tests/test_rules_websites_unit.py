"""Rule unit tests of the websites process: schemas and rules over a hand-written context.

These hand the kernel a context written here, so they prove the rules and the schemas, not the
product; the requirements WS-01 … WS-07 are proved through HTTP, with every fact built by the
server, in tests/test_websites_journey.py. Identifiers are synthetic and pass the checkers.
"""

from __future__ import annotations

import copy

import pytest

from kernel.config import Config
from kernel.core import Kernel

from .factories import WEBSITE_APPLICATION

REGISTRATION = {
    "region": {"area": "北京市", "level": "provincial"},
    "unit_name": "北京市公安局",
    "system_category": "government",
    "superior_unit": "北京市人民政府",
    "mailing_address": "北京市东城区前门东大街9号",
    "function_intro": "负责全市公安工作，维护社会治安秩序。",
    "postal_code": "100000",
    "head": "张建国",
    "head_id_number": "110101194910010319",
    "handler": "李明",
    "handler_id_number": "310104198512311225",
    "handler_landline": "01052035000",
    "handler_landline_ext": "8001",
    "handler_mobile": "13800138000",
    "handler_email": "service@beijing.gov.cn",
    "agreement_accepted": True,
}

ORGAN = {"organ_register": {"found": True, "nature": "party_government_organ"}}

APPLICATION = WEBSITE_APPLICATION

SEEN = {"reachable": True, "tab_title": "北京市公安局网"}
RESOLVED = {"ipv4": ["202.106.0.20"], "ipv6": ["2400:3200::1"]}


def application_context(**changes):
    """Everything a submission is checked against, as it is when all is in order."""
    context = {
        "sms_code": {"verified": True},
        "unit_domains": ["北京市公安局.政务"],
        "registration": REGISTRATION,
        "site": SEEN,
        "dns": {"gaj.beijing.gov.cn": RESOLVED, "北京市公安局.政务": RESOLVED},
        "other_applications": [],
    }
    context.update(changes)
    return context


@pytest.fixture(scope="module")
def kernel():
    built = Kernel.build(Config.from_env())
    yield built
    built.close()


def register(kernel, document, password="abc12345", confirm=None, **context):
    """The register step; the password typed twice is its input, never the document."""
    context.setdefault("input", {"password": password, "password_confirm": confirm or password})
    context.setdefault("sms_code", {"verified": True})  # the handler's mobile confirmed
    return kernel.validate(
        "websites", document, workflow="registration", transition="register", context=context
    )


def submit(kernel, document, matter=None, **context):
    return kernel.validate(
        "websites",
        document,
        workflow="application",
        matter=matter,
        transition="submit",
        context=application_context(**context),
    )


def changed(document, **changes):
    new = copy.deepcopy(document)
    for key, value in changes.items():
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
    return new


def rules(decision):
    return {o.rule for o in decision.outcomes}


def by_field(decision):
    return {o.fields[0]: o for o in decision.outcomes}


# -- the process ------------------------------------------------------------------------------


def test_reviewers_decide_and_units_submit_in_the_application_workflow(kernel):
    workflow = kernel.process("websites").workflows["application"]
    assert workflow.transition("submit").roles == ("website_unit",)
    assert set(workflow.transition("submit").source) == {"draft", "preliminary_failed"}
    for step in ("fail_preliminary", "pass_preliminary", "approve", "reject"):
        assert workflow.transition(step).roles == ("reviewer",)
    assert workflow.transition("fail_preliminary").reply == "required"
    assert workflow.transition("confirm_mount").target == "listed"
    assert workflow.state("listed").title.zh == "已挂标并公示"


# -- WS-01 registration -------------------------------------------------------------------------


def test_a_complete_registration_of_a_government_organ_passes(kernel):
    decision = register(kernel, REGISTRATION, **ORGAN)
    assert decision.ok, [o.message.zh for o in decision.outcomes]
    assert decision.outcomes == ()


def test_an_empty_registration_names_every_missing_field_at_once(kernel):
    decision = register(kernel, {})
    assert not decision.ok
    assert {o.rule for o in decision.outcomes} == {"schema.required"}
    messages = {o.fields[0]: o.message.zh for o in decision.outcomes}
    assert messages == {
        "/region": "请填写所属区域",
        "/unit_name": "请填写开办主体名称",
        "/system_category": "请填写系统类别",
        "/mailing_address": "请填写通讯地址",
        "/function_intro": "请填写网站开办主体职能简介",
        "/postal_code": "请填写邮政编码",
        "/handler": "请填写经办人",
        "/handler_landline": "请填写经办人固定电话",
        "/handler_mobile": "请填写经办人手机",
        "/handler_email": "请填写经办人电子邮箱",
        "/agreement_accepted": "请填写接受《网上名称注册协议》",
    }


def test_head_and_fax_are_optional_but_their_companions_are_not(kernel):
    document = changed(REGISTRATION, head=None, handler_fax_ext="8002")
    found = by_field(register(kernel, document, **ORGAN))
    assert set(found) == {"/head", "/handler_fax"}
    assert found["/head"].message.zh == "请填写网站开办单位负责人"
    assert found["/handler_fax"].message.en == "Handler's fax is required"
    assert register(kernel, changed(REGISTRATION, head=None, head_id_number=None), **ORGAN).ok


def test_a_provincial_unit_chooses_its_level_and_a_county_unit_names_its_county(kernel):
    no_level = changed(REGISTRATION, region={"area": "河北省"})
    assert by_field(register(kernel, no_level))["/region/level"].message.zh == "请填写隶属层级"
    county = changed(REGISTRATION, region={"area": "河北省", "level": "county"})
    found = by_field(register(kernel, county))
    assert found["/region/locality"].message.zh == "请填写所属市或区县"
    named = changed(
        REGISTRATION, region={"area": "河北省", "level": "county", "locality": "正定县"}
    )
    assert register(kernel, named, **ORGAN).ok
    central = changed(REGISTRATION, region={"area": "中央和国家机关"})
    assert register(kernel, central, **ORGAN).ok


def test_wrong_identifiers_are_named_with_their_reason(kernel):
    document = changed(
        REGISTRATION,
        head_id_number="110101194910010318",
        handler_landline="52035000",
        handler_mobile="12345678901",
        postal_code="999077",
        handler_email="user@@gov.cn",
        handler_landline_ext="8001a",
    )
    found = by_field(register(kernel, document))
    assert found["/head_id_number"].rule == "format.resident-id.check-digit"
    assert found["/head_id_number"].message.zh.startswith("负责人身份证号码")
    assert "校验位" in found["/head_id_number"].message.zh
    assert found["/handler_landline"].rule.startswith("format.landline-cn.")
    assert found["/handler_landline"].message.zh.startswith("经办人固定电话")
    assert found["/handler_mobile"].rule.startswith("format.mobile-cn.")
    assert found["/postal_code"].rule.startswith("format.postal-code-cn.")
    assert found["/handler_email"].rule == "format.email.format"
    assert found["/handler_landline_ext"].message.zh == "经办人固定电话分机号格式不正确"


def test_function_introduction_is_at_most_500_characters(kernel):
    assert register(kernel, changed(REGISTRATION, function_intro="职" * 500), **ORGAN).ok
    found = by_field(register(kernel, changed(REGISTRATION, function_intro="职" * 501)))
    assert found["/function_intro"].message.zh == "网站开办主体职能简介不能超过500个字符"


def test_a_password_outside_the_policy_is_named_without_repeating_it(kernel):
    for password in ("abcdefghij", "abc1234", "Abcdefgh123456789", "abc 12345", "ａｂｃ12345"):
        decision = register(kernel, REGISTRATION, password=password, **ORGAN)
        [outcome] = decision.outcomes
        assert outcome.rule == "websites.registration.password-policy", password
        assert outcome.fields == ("/input/password",)
        assert password not in str(decision.as_dict())


def test_passwords_typed_differently_are_refused_without_the_password_reaching_the_rules(kernel):
    document = REGISTRATION
    decision = register(kernel, document, confirm="abc12346", **ORGAN)
    assert rules(decision) == {"websites.registration.password-mismatch"}
    assert decision.outcomes[0].message.zh == "两次输入的登录密码不一致，请重新输入"
    assert decision.outcomes[0].fields == ("/input/password_confirm",)
    typed = {"input": {"password": "abc12345", "password_confirm": "abc12346"}}
    facts = kernel.facts("websites", "registration", None, document, {**ORGAN, **typed})
    assert not any("abc1234" in str(value) for fact in facts for value in fact.values())


def test_the_registration_agreement_must_be_accepted(kernel):
    decision = register(kernel, changed(REGISTRATION, agreement_accepted=False), **ORGAN)
    assert rules(decision) == {"websites.registration.agreement"}
    assert not decision.ok


def test_bodies_that_are_not_party_or_government_organs_cannot_register(kernel):
    institution = {"organ_register": {"found": True, "nature": "public_institution"}}
    assert rules(register(kernel, REGISTRATION, **institution)) == {
        "websites.registration.not-organ"
    }
    company = changed(REGISTRATION, unit_name="北京某某网络科技有限公司")
    decision = register(kernel, company, organ_register={"found": False})
    assert rules(decision) == {"websites.registration.name-not-in-register"}
    assert not decision.ok


def test_a_name_the_register_does_not_know_is_refused(kernel):
    decision = register(kernel, REGISTRATION, organ_register={"found": False})
    assert not decision.ok
    assert [o.kind for o in decision.outcomes] == ["violation"]


def test_a_unit_with_an_online_name_account_is_sent_to_log_in_with_it(kernel):
    decision = register(kernel, REGISTRATION, name_system_account="bjgaj2014", **ORGAN)
    assert rules(decision) == {"websites.registration.existing-account"}
    assert "原账号直接登录" in decision.outcomes[0].message.zh


# -- WS-03 application --------------------------------------------------------------------------


def test_a_complete_application_matching_its_site_and_dns_passes(kernel):
    decision = submit(kernel, APPLICATION, matter="new_site")
    assert decision.ok, [o.message.zh for o in decision.outcomes]
    assert decision.outcomes == ()


def test_an_empty_application_names_every_missing_field_at_once(kernel):
    decision = submit(kernel, {})
    assert {o.rule for o in decision.outcomes} == {"schema.required"}
    messages = {o.fields[0]: o.message.zh for o in decision.outcomes}
    assert messages == {
        "/application_type": "请填写申请类型",
        "/unit_name": "请填写开办主体名称",
        "/function_intro": "请填写网站开办主体职能简介",
        "/handler_phone": "请填写经办人电话",
        "/handler_mobile": "请填写经办人手机",
        "/handler_email": "请填写经办人邮箱",
        "/manager_phone": "请填写网站负责人电话",
        "/manager_mobile": "请填写网站负责人手机",
        "/manager_email": "请填写网站负责人邮箱",
        "/website_name": "请填写网站名称",
        "/english_domain": "请填写英文域名",
        "/ipv4": "请填写IP地址（IPV4）",
        "/website_intro": "请填写网站简介",
    }


def test_domains_and_addresses_in_the_wrong_box_are_named(kernel):
    document = changed(
        APPLICATION,
        chinese_domain="北京市公安局.公益",
        english_domain="北京市公安局.政务",
        ipv4="2400:3200::1",
        ipv6="10.0.0.1",
    )
    found = by_field(submit(kernel, document))
    assert found["/chinese_domain"].rule == "format.websites-zhengwu-domain.suffix"
    assert found["/chinese_domain"].message.zh == "中文域名须以“.政务”结尾"
    assert found["/english_domain"].message.en == "The English domain name must end in .gov.cn"
    assert found["/ipv4"].rule == "format.websites-ipv4.version"
    assert found["/ipv6"].rule == "format.websites-ipv6.version"
    assert len(found) == 4


def test_a_url_instead_of_a_domain_gets_the_kernel_message_only(kernel):
    decision = submit(kernel, changed(APPLICATION, english_domain="https://gaj.beijing.gov.cn"))
    assert [o.rule for o in decision.outcomes] == ["format.public-sector-domain.bare-host"]


def test_without_a_chinese_domain_the_unit_must_first_apply_for_one(kernel):
    decision = submit(kernel, changed(APPLICATION, chinese_domain=None), unit_domains=[])
    assert rules(decision) == {"websites.domain.chinese-missing"}
    outcome = decision.outcomes[0]
    assert outcome.kind == "requirement"
    assert outcome.requirement == "domain_application"
    assert "网上名称管理->域名申请" in outcome.message.zh
    assert not decision.ok


def test_the_chinese_domain_must_be_one_the_unit_holds_in_any_spelling(kernel):
    held_as_punycode = ["xn--" + "北京市公安局".encode("punycode").decode() + ".xn--zfr164b"]
    assert submit(kernel, APPLICATION, unit_domains=held_as_punycode).ok
    decision = submit(kernel, APPLICATION, unit_domains=["北京市交通委员会.政务"])
    assert rules(decision) == {"websites.domain.chinese-not-held"}


def test_the_micro_site_needs_no_english_domain_and_refuses_one(kernel):
    micro = changed(APPLICATION, micro_site=True, english_domain=None)
    assert submit(kernel, micro).ok
    both = changed(APPLICATION, micro_site=True)
    decision = submit(kernel, both)
    assert rules(decision) == {"websites.domain.english-with-micro-site"}
    assert decision.outcomes[0].fields == ("/english_domain", "/micro_site")


def test_the_website_name_must_be_in_the_home_page_title(kernel):
    decision = submit(kernel, changed(APPLICATION, website_name="北京公安网"))
    assert rules(decision) == {"websites.name.not-in-title"}
    longer = {"reachable": True, "tab_title": "北京市公安局网 - 首页"}
    assert submit(kernel, APPLICATION, site=longer).ok
    spaced = {"reachable": True, "tab_title": " 北京市公安局网\n"}
    assert submit(kernel, APPLICATION, site=spaced).ok


def test_an_unreachable_site_is_noted_but_does_not_block(kernel):
    decision = submit(kernel, APPLICATION, site={"reachable": False})
    assert decision.ok
    assert rules(decision) == {"websites.site.unreachable"}


def test_ip_addresses_must_be_those_the_domains_resolve_to(kernel):
    elsewhere = {"ipv4": ["223.5.5.5"], "ipv6": ["240e::1"]}
    decision = submit(kernel, APPLICATION, dns={"GAJ.Beijing.gov.cn": elsewhere})
    assert rules(decision) == {"websites.ip.ipv4-mismatch", "websites.ip.ipv6-mismatch"}
    assert by_field(decision)["/ipv4"].message.zh.startswith("IP地址（IPV4）须填写域名解析时")
    expanded = {"ipv4": ["202.106.0.20"], "ipv6": ["2400:3200:0:0:0:0:0:1"]}
    assert submit(kernel, APPLICATION, dns={"gaj.beijing.gov.cn": expanded}).ok


def test_a_domain_without_resolution_blocks_and_a_failed_lookup_only_notes(kernel):
    none = submit(kernel, APPLICATION, dns={"gaj.beijing.gov.cn": {"ipv4": [], "ipv6": []}})
    assert rules(none) == {"websites.dns.no-records"}
    failed = submit(kernel, APPLICATION, dns={"gaj.beijing.gov.cn": {"status": "error"}})
    assert failed.ok
    assert rules(failed) == {"websites.dns.lookup-failed"}


def test_the_sms_code_must_be_verified(kernel):
    decision = submit(kernel, APPLICATION, sms_code={"verified": False})
    assert rules(decision) == {"websites.application.sms-code"}
    assert decision.outcomes[0].fields == ("/handler_mobile",)


def test_one_domain_one_application_and_approved_sites_are_rechecked(kernel):
    pending = [{"english_domain": "GAJ.beijing.gov.cn", "state": "materials_review"}]
    decision = submit(kernel, APPLICATION, other_applications=pending)
    assert rules(decision) == {"websites.application.duplicate"}
    listed = [{"chinese_domain": "北京市公安局.政务", "state": "listed"}]
    decision = submit(kernel, APPLICATION, other_applications=listed)
    assert rules(decision) == {"websites.application.already-approved"}
    recheck = changed(APPLICATION, application_type="recheck")
    assert submit(kernel, recheck, matter="recheck", other_applications=listed).ok


def test_the_type_ticked_must_agree_with_the_matter(kernel):
    decision = submit(kernel, APPLICATION, matter="recheck")
    assert rules(decision) == {"websites.application.type-matter"}


def test_prefilled_unit_data_follows_the_registration(kernel):
    document = changed(
        APPLICATION, unit_name="北京市公安局交通管理局", handler_mobile="13912345678"
    )
    decision = submit(kernel, document)
    assert rules(decision) == {
        "websites.application.unit-name",
        "websites.application.handler-contacts",
    }
    kinds = {o.rule: o.kind for o in decision.outcomes}
    assert kinds["websites.application.handler-contacts"] == "notice"
    reformatted = changed(
        APPLICATION, handler_phone="(010)52035000", handler_mobile="+86 138 0013 8000"
    )
    assert submit(kernel, reformatted).ok


# -- WS-05 paper materials, WS-06/07 mount check ---------------------------------------------------


def approve(kernel, materials):
    return kernel.validate(
        "websites",
        APPLICATION,
        workflow="application",
        transition="approve",
        context={"paper_materials": materials},
    )


def test_approval_needs_the_stamped_letter_and_form_and_the_handlers_id_copy(kernel):
    decision = approve(kernel, [])
    assert rules(decision) == {
        "websites.materials.letter",
        "websites.materials.form",
        "websites.materials.handler-id",
    }
    assert all(o.requirement == "paper_material" for o in decision.outcomes)
    letter = next(o for o in decision.outcomes if o.rule == "websites.materials.letter")
    assert letter.message.zh == "尚未收到加盖单位公章的《关于申请对网站开办审核和资格复核的函》"
    complete = [
        {"type": "application_letter", "stamped": True},
        {"type": "application_form", "stamped": True},
        {"type": "handler_id_copy"},
    ]
    assert approve(kernel, complete).ok
    complete[1]["stamped"] = False
    assert rules(approve(kernel, complete)) == {"websites.materials.unstamped"}


def confirm_mount(kernel, **context):
    return kernel.validate(
        "websites",
        APPLICATION,
        workflow="application",
        transition="confirm_mount",
        context=context,
    )


def test_a_site_is_listed_only_with_the_code_before_body_end_on_every_page(kernel):
    page = {"found": True, "before_body_end": True}
    assert confirm_mount(kernel, mount_check={"reachable": True, "pages": [page, page]}).ok
    assert rules(confirm_mount(kernel)) == {"websites.mount.not-checked"}
    pages = [page, {"found": False}, {"found": True, "before_body_end": False}]
    decision = confirm_mount(kernel, mount_check={"reachable": True, "pages": pages})
    assert rules(decision) == {"websites.mount.missing", "websites.mount.misplaced"}
    missing = next(o for o in decision.outcomes if o.rule == "websites.mount.missing")
    assert "010-52035000" in missing.message.zh
    assert rules(confirm_mount(kernel, mount_check={"reachable": False})) == {
        "websites.mount.unreachable"
    }
