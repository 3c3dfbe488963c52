"""foreignwork's own routes: login by type (FW-01), legacy accounts (FW-02), password recovery
(FW-03, FW-04), profiles saved through the rules (FW-05..FW-13), authorizations (FW-12).

Every check is the rule files' with facts the server builds: a route runs the rules of a
declared transition (``kernel.validate``) on a document it does not store (a reset, a legacy
look-up, a matter opened), or takes a transition of a stored profile with its new document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise.transactions import in_transaction

from kernel import (
    Call,
    Forbidden,
    NotFound,
    Route,
    Text,
    Unauthorized,
    auth,
    captcha_check,
    field_error,
    hookimpl,
    now,
    throttle_hit,
    verification,
    workflow,
)
from kernel.accounts import set_password
from kernel.db.models import Account, Application, Delegation
from kernel.decision import Outcome
from kernel.errors import Conflict, Unprocessable
from kernel.jobs import system_account
from kernel.keys import KERNEL

from . import directory, main_agent, passwords, records, saving
from .context import actor_entry
from .models import CodeProof, LegacyAccount, PasswordChange
from .purposes import APPEAL_CODE, RESET_CODE
from .qrlogin import issue_image, qr_login

P = records.P
TYPE_ZH = {"natural_person": "自然人", "legal_person": "法人"}
STATUS_ZH = {"active": "正常", "disabled": "已停用", "revoked": "已撤销"}


def _kernel(call: Call):
    return call.request.app[KERNEL]


def _refused(decision, detail: str, error=Unprocessable):
    return error(detail, decision.blocking, decision=decision.as_dict())


async def _captcha(call: Call) -> None:
    """The kernel's captcha, used up by this call; missing or wrong answers name /captcha
    (captcha.required, captcha.wrong), so the body schemas leave ``captcha`` optional."""
    answer = call.body.get("captcha") or {}
    await captcha_check(answer.get("id"), answer.get("answer"), call.client)


# -- FW-01 login by type -----------------------------------------------------------------------


async def login(call: Call) -> dict[str, Any]:
    """自然人登录 / 法人登录: the password, the captcha, and the login type the account has."""
    await throttle_hit(f"foreignwork.login:{call.client}", limit=20, window=dt.timedelta(minutes=1))
    await _captcha(call)
    body = call.body
    token, record = await auth.login(
        body["username"].strip(), body["password"], call.ttl_minutes, client=call.client
    )
    await record.fetch_related("account")
    account = record.account
    if account.kind != body["login_type"]:
        record.revoked_at = now()
        await record.save(update_fields=["revoked_at"])
        wanted = TYPE_ZH.get(account.kind, account.kind)
        raise Unauthorized(
            "the account is of the other login type",
            [
                Outcome(
                    rule="foreignwork.login.type-mismatch",
                    kind="violation",
                    fields=("/login_type",),
                    message=Text(
                        f"该账号为{wanted}用户，请选择“{wanted}登录”",
                        f"This is a {account.kind.replace('_', ' ')} account: choose that login",
                    ),
                )
            ],
        )
    return {
        "token": token,
        "expires_at": record.expires_at.isoformat(),
        "account": auth.public_account(account),
        "login_type": account.kind,
    }


# -- FW-02 legacy accounts ---------------------------------------------------------------------


async def _legacy_decision(call: Call, legacy: LegacyAccount):
    """The FW-02 table, with the platform's answers to its two questions."""
    taken = await Account.get_or_none(username=legacy.legacy_login_name)
    if legacy.migrated_account_id is not None and taken and taken.id == legacy.migrated_account_id:
        taken = None  # the account this migration made is not a clash
    platform = await directory.unit_by_uscc(legacy.uscc, besides=legacy.migrated_account_id)
    document = {
        "legacy_login_name": legacy.legacy_login_name,
        "unit_name": legacy.unit_name,
        **({"uscc": legacy.uscc} if legacy.uscc else {}),
    }
    context = {
        "platform_account": {"username": platform.username} if platform else None,
        "name_taken_by": {
            "uscc": taken.profile.get("uscc"),
            "unit_name": taken.profile.get("unit_name") or taken.display_name,
        }
        if taken
        else None,
    }
    decision = _kernel(call).validate(
        P, document, workflow="legacy_account", transition="migrate", context=context
    )
    ways = []
    for outcome in decision.outcomes:
        params = dict(outcome.params or {}) if hasattr(outcome, "params") else {}
        ways.append((outcome, params, platform))
    return decision, ways


def _way(legacy: LegacyAccount, outcome, params: dict, platform: Account | None) -> dict:
    kind = params.get("login_name")
    name = {
        "legacy": legacy.legacy_login_name,
        "wp_legacy": f"WP_{legacy.legacy_login_name}",
        "platform": platform.username if platform else None,
    }.get(kind)
    return {
        "login_name": name,
        "login_type": params.get("login_type"),
        "rule": outcome.rule,
        "cases": params.get("cases"),
        "message": outcome.message.as_dict(),
    }


async def _legacy(call: Call) -> LegacyAccount:
    await throttle_hit(
        f"foreignwork.legacy:{call.client}", limit=30, window=dt.timedelta(minutes=1)
    )
    name = call.body["legacy_login_name"].strip()
    legacy = await LegacyAccount.get_or_none(legacy_login_name=name)
    if legacy is None:
        raise NotFound("no legacy account has this login name")
    return legacy


async def legacy_lookup(call: Call) -> dict[str, Any]:
    """FW-02: which login name and login type a legacy account uses, and the rule that says so."""
    legacy = await _legacy(call)
    if legacy.migrated_at is not None:
        return _migrated(legacy)
    _, ways = await _legacy_decision(call, legacy)
    return {
        "legacy_login_name": legacy.legacy_login_name,
        "migrated": False,
        "ways": [_way(legacy, *w) for w in ways],
    }


def _migrated(legacy: LegacyAccount) -> dict[str, Any]:
    return {
        "legacy_login_name": legacy.legacy_login_name,
        "migrated": True,
        "ways": [
            {
                "login_name": legacy.migrated_login_name,
                "login_type": legacy.migrated_login_type,
                "rule": legacy.decided_by,
            }
        ],
    }


async def legacy_migrate(call: Call) -> dict[str, Any]:
    """FW-02: the legacy password proves the holder; the account the table names is created.

    Cases 1 and 2: a legal-person account under the legacy name or ``WP_`` + it; cases 3 and 4:
    the unit keeps its platform account, and ``WP_`` + the legacy name becomes a natural-person
    account; case 5: the legacy name already is the unit's own platform account.
    """
    legacy = await _legacy(call)
    # The old system's password is guessed like any other: counted first (the kernel's login
    # lockout, under a name of its own), checked off the event loop.
    name = f"foreignwork.legacy:{legacy.legacy_login_name}"
    await auth.count_attempt(name, call.client)
    if not await auth.check_password(legacy.password_hash, call.body["password"]):
        raise Unauthorized("wrong legacy login name or password")
    await auth.forget_attempts(name, call.client)
    if legacy.migrated_at is not None:
        return _migrated(legacy)
    _, ways = await _legacy_decision(call, legacy)
    chosen = [_way(legacy, *w) for w in ways]
    # The way that needs an account of the old system's: the WP_ one or the legacy name itself.
    create = next(
        (
            w
            for w in chosen
            if w["login_name"] and w["rule"] != "foreignwork.legacy.platform-account"
        ),
        None,
    )
    if create is None:
        raise Conflict("the table names no account to create")
    async with in_transaction() as db:
        existing = await Account.get_or_none(username=create["login_name"]).using_db(db)
        if existing is None:
            account = await Account.create(
                username=create["login_name"],
                kind=create["login_type"],
                roles=[create["login_type"]],
                display_name=legacy.unit_name
                if create["login_type"] == "legal_person"
                else create["login_name"],
                profile={"unit_name": legacy.unit_name, "uscc": legacy.uscc}
                if create["login_type"] == "legal_person"
                else {},
                password_hash=legacy.password_hash,
                using_db=db,
            )
        else:
            account = existing
        legacy.migrated_login_name = create["login_name"]
        legacy.migrated_login_type = create["login_type"]
        legacy.decided_by = create["rule"]
        legacy.migrated_account_id = account.id
        legacy.migrated_at = now()
        await legacy.save(using_db=db)
    return {**_migrated(legacy), "created": existing is None, "ways_offered": chosen}


# -- FW-03 password reset by login name ---------------------------------------------------------


async def _reset_account(login_name: str) -> Account:
    account = await Account.get_or_none(username=login_name.strip())
    if account is None or account.kind not in TYPE_ZH:
        raise field_error(
            "/login_name",
            "foreignwork.password-reset.account-not-found",
            "未找到该登录名，请确认登录名填写正确",
            "No account has this login name; check it",
        )
    return account


def _mask(value: str | None, keep: int = 3) -> str | None:
    if not value:
        return None
    return value[:keep] + "*" * max(len(value) - keep - 3, 2) + value[-3:]


async def reset_lookup(call: Call) -> dict[str, Any]:
    """第四步 检索登录名 (+ captcha): the account's type and its reserved contacts, masked."""
    await _captcha(call)
    account = await _reset_account(call.body["login_name"])
    return {
        "login_name": account.username,
        "account_type": account.kind,
        "reserved_mobile": _mask(account.profile.get("mobile")),
        "reserved_email": _mask(account.profile.get("email")),
    }


def _reset_context(account: Account) -> dict[str, Any]:
    p = account.profile
    return {
        "account": {
            "account_type": account.kind,
            "mobile": p.get("mobile"),
            "email": p.get("email"),
            "unit_name": p.get("unit_name"),
            "uscc": p.get("uscc"),
        }
    }


def _reset_target(account: Account, method: str) -> tuple[str, str | None]:
    channel = "sms" if method == "mobile" else "email"
    return channel, account.profile.get("mobile" if method == "mobile" else "email")


async def reset_code(call: Call) -> dict[str, Any]:
    """获取验证码 (+ captcha): sent to the reserved mobile or e-mail, only when the one typed
    matches it."""
    await throttle_hit(
        f"foreignwork.reset-code:{call.client}", limit=10, window=dt.timedelta(minutes=10)
    )
    await _captcha(call)
    body = call.body
    account = await _reset_account(body["login_name"])
    channel, target = _reset_target(account, body["method"])
    typed = (
        body.get("reserved_mobile") if body["method"] == "mobile" else body.get("reserved_email")
    )
    from .common import canonical

    kind = "mobile_cn" if channel == "sms" else "email"
    if not target or canonical(kind, typed or "") != canonical(kind, target):
        rule = "mobile-mismatch" if channel == "sms" else "email-mismatch"
        raise field_error(
            "/reserved_mobile" if channel == "sms" else "/reserved_email",
            f"foreignwork.password-reset.{rule}",
            "填写的手机号与预留手机号不匹配"
            if channel == "sms"
            else "填写的电子邮箱与预留电子邮箱地址不匹配",
            "It does not match the one reserved for the account",
        )
    record = await verification.issue(channel, target, RESET_CODE)
    return {"sent": True, "channel": channel, "expires_at": record.expires_at.isoformat()}


async def password_strength(call: Call) -> dict[str, Any]:
    """密码强度 (弱/中/强) and whether the policy (≥ 8, 3 of 4 classes) is met; nothing kept."""
    level = passwords.strength(call.body["password"])
    return {
        "strength": level,
        "strength_zh": passwords.STRENGTH_ZH[level],
        "meets_policy": passwords.meets_policy(call.body["password"]),
    }


async def reset_password(call: Call) -> dict[str, Any]:
    """确定 (+ captcha): the rules of password_reset.reset, the code checked by the server,
    then the new password (argon2) with every earlier session revoked, in one transaction;
    nothing else of the form is stored."""
    await throttle_hit(
        f"foreignwork.reset:{call.client}", limit=20, window=dt.timedelta(minutes=10)
    )
    await _captcha(call)
    body = {k: v for k, v in call.body.items() if k != "captcha"}
    account = await _reset_account(body.get("login_name") or "")
    decision = _kernel(call).validate(
        P, body, workflow="password_reset", transition="reset", context=_reset_context(account)
    )
    if not decision.ok:
        raise _refused(decision, "the reset breaks rules")
    _, target = _reset_target(account, body["method"])
    await verification.check(target, RESET_CODE, body["verification_code"])
    level = passwords.strength(body["new_password"])
    async with in_transaction() as db:
        await set_password(db, account.id, body["new_password"])
        await PasswordChange.create(
            account_id=account.id,
            via="login_name",
            method=body["method"],
            reason=body.get("reason"),
            strength=level,
            using_db=db,
        )
    return {
        "reset": True,
        "login_name": account.username,
        "strength": level,
        "decision": decision.as_dict(),
    }


# -- FW-04 appeal: the SMS code --------------------------------------------------------------------


async def _own_appeal(call: Call) -> Application:
    if call.actor is None:
        raise Unauthorized("use the appeal's access token")
    appeal = await Application.get_or_none(id=int(call.request.match_info["id"]))
    if appeal is None or appeal.owner_id != call.actor.id or appeal.workflow != "appeal_natural":
        raise NotFound("no such appeal")
    return appeal


async def appeal_code(call: Call) -> dict[str, Any]:
    """获取验证码 of the natural person's appeal: to the mobile the appeal gives."""
    appeal = await _own_appeal(call)
    record = await verification.issue("sms", appeal.data.get("mobile"), APPEAL_CODE)
    return {"sent": True, "expires_at": record.expires_at.isoformat()}


async def appeal_code_check(call: Call) -> dict[str, Any]:
    """The code typed, checked by the server (5 minutes, single use, 5 tries); the proof is
    what the submission's rule reads (sms-code.yaml)."""
    appeal = await _own_appeal(call)
    mobile = appeal.data.get("mobile")
    await verification.check(mobile, APPEAL_CODE, call.body["code"])
    await CodeProof.create(subject_id=appeal.id, mobile=mobile)
    return {"verified": True}


# -- FW-05..FW-13 profiles ------------------------------------------------------------------


async def _profile(call: Call) -> tuple[Application, Account]:
    """The profile and its owner, for its owner or an agent the unit authorized to manage it."""
    profile = await Application.get_or_none(id=int(call.request.match_info["id"]), process=P)
    if profile is None or profile.workflow not in records.PROFILES:
        raise NotFound("no such profile")
    me = await Account.get(id=call.actor.id)
    if me.kind in ("reviewer", "admin"):
        # Staff read a profile as they read any subject (the kernel's rule): reviewers once
        # its owner submitted it and within their scopes, never a draft; an admin, all.
        await call.subject(profile.id)
        return profile, me
    owner = await Account.get(id=profile.owner_id)
    if not await records.may_manage_unit(me, owner):
        raise NotFound("no such profile")  # the same answer as for one that does not exist
    return profile, me


def _details(trail: list[dict]) -> list[dict]:
    return [
        {"at": r["at"], "state": r["to"], "reason": r["reply"]}
        for r in reversed(trail)
        if r["reply"] and r["transition"] in ("reject", "national_fail")
    ]


async def profile_page(call: Call) -> dict[str, Any]:
    """我的信息: the profile, its real-name state, 详情 (the reasons of a failure), and whether
    it is complete (用户信息不全，请及时补充)."""
    profile, _ = await _profile(call)
    return await _page(call, profile)


async def _page(call: Call, profile: Application) -> dict[str, Any]:
    from kernel import Lookup

    kernel = _kernel(call)
    wf = kernel.process(P).workflows[profile.workflow]
    missing = _missing(kernel, profile)
    trail = await Lookup().trail(profile.id)
    details = _details(trail)
    return {
        "id": profile.id,
        "workflow": profile.workflow,
        "version": profile.version,
        "state": profile.state,
        "state_title": wf.state(profile.state).title.as_dict(),
        "details": details[0] if details and profile.state in ("failed", "review_failed") else None,
        "complete": not missing,
        "missing": missing,
        "notice": None
        if not missing
        else {"zh": "用户信息不全，请及时补充", "en": "Your profile is incomplete; complete it"},
        "uploads_read_only": profile.state in records.VERIFIED,
        "data": profile.data,
        **(
            {"main_agent": await main_agent.shown(profile.owner_id)}
            if profile.workflow == "agent_profile"
            else {}
        ),
    }


def _missing(kernel, profile: Application) -> list[str]:
    decision = kernel.validate(
        P,
        profile.data,
        workflow=profile.workflow,
        transition="save",
        context={"realname": profile.state},
    )
    return sorted({f for o in decision.outcomes if o.rule == "schema.required" for f in o.fields})


async def my_profiles(call: Call) -> dict[str, Any]:
    """The caller's own profiles (a natural person's; a legal person's unit and main agent),
    created empty on first visit."""
    me = await Account.get(id=call.actor.id)
    kinds = {
        "natural_person": ["person_profile"],
        "legal_person": ["legal_profile", "agent_profile"],
    }
    pages = []
    for wf in kinds.get(me.kind, []):
        profile = await records.profile_of(me.id, wf)
        if profile is None:
            profile = await workflow.create(
                _kernel(call), workflow.Actor(me), P, workflow=wf, matter=None, data={}
            )
        pages.append(await _page(call, profile))
    return {"items": pages}


async def save_profile(call: Call) -> dict[str, Any]:
    """保存: the new document checked by the rules; a verified profile whose change triggers
    re-verification first answers the seed's warning (409, ``confirm_required``) and changes
    only when the save is repeated with ``confirm: true``; then `save` (verify again) or the
    `keep_*` step of its state, with the document, in one transaction."""
    profile, me = await _profile(call)
    if me.kind == "reviewer":
        raise Forbidden("reviewers do not edit profiles")
    kernel = _kernel(call)
    version = call.body["version"]
    if version != profile.version:
        raise Conflict(f"version {version} is not the current version {profile.version}")
    data = call.body["data"]
    wf = kernel.process(P).workflows[profile.workflow]
    editor = workflow.Actor(me)
    step = next(t for t in wf.transitions if t.name == "save")
    context = await workflow.built_context(kernel, editor, profile, step)
    filled = await workflow.with_server_fields(
        kernel, P, profile.workflow, workflow.Actor(await Account.get(id=profile.owner_id)), data
    )
    decision = kernel.validate(
        P, filled, workflow=profile.workflow, transition="save", context=context
    )
    if not decision.ok:
        raise _refused(decision, "the profile breaks rules")
    rules = {o.rule for o in decision.outcomes}
    triggers = any(
        r.startswith("foreignwork.profile-save.reverify-") and "warning" not in r for r in rules
    )
    warned = [o for o in decision.outcomes if "reverify-warning" in o.rule]
    if warned and not call.body.get("confirm"):
        raise Conflict(
            "confirm the change: the profile will be verified again",
            warned,
            confirm_required=True,
            warning=warned[0].message.as_dict(),
        )
    verify_again = triggers or profile.state in ("unverified", "manual_pending")
    moved = await saving.store(kernel, profile, me, filled, verify_again=verify_again)
    page = await _page(call, moved)
    return {**page, "decision": decision.as_dict(), "verify_again": verify_again}


# -- FW-12 authorizations, units, matters ------------------------------------------------------


async def my_units(call: Call) -> dict[str, Any]:
    """单位授权办理情况: the units that authorized me — unit, legal representative, time, status —
    and those whose main agent I am (``main``: every matter)."""
    held = (
        await Delegation.filter(agent_id=call.actor.id, process=P)
        .prefetch_related("principal")
        .order_by("id")
    )
    items = []
    for d in held:
        unit = d.principal
        legal = await records.profile_of(unit.id, "legal_profile")
        representative = ((legal.data if legal else {}).get("representative") or {}).get("name")
        items.append(
            {
                "unit": unit.username,
                "unit_name": unit.profile.get("unit_name") or unit.display_name,
                "legal_representative": representative,
                "granted_at": d.created_at.isoformat(),
                # The main agent's delegation names no matter: it holds every one.
                "matters": [m for m in d.matters if m is not records.PROFILE_SUBJECTS],
                "main": d.main,
                "role": {"zh": "主代办人", "en": "Main agent"}
                if d.main
                else {"zh": "授权代办人", "en": "Authorized agent"},
                "status": (status := records.delegation_status(d)),
                "status_zh": STATUS_ZH[status],
                "profiles": [
                    p.id for p in [legal, await records.profile_of(unit.id, "agent_profile")] if p
                ],
            }
        )
    return {"items": items}


async def _switch_unit(call: Call, active: bool) -> dict[str, Any]:
    """停用 / 恢复 a unit: the account and everything it authorized, in one transaction."""
    kernel = _kernel(call)
    unit = await Account.get_or_none(username=call.request.match_info["login"], kind="legal_person")
    if unit is None:
        raise NotFound("no such unit")
    step, source = ("restore", "disabled") if active else ("disable", "active")
    system = workflow.Actor(await system_account(), login_method="system")
    async with in_transaction() as db:
        await Account.filter(id=unit.id).using_db(db).update(active=active)
        grants = await Application.filter(
            process=P, workflow="authorization", owner_id=unit.id, state=source
        ).using_db(db)
        for grant in grants:
            await workflow.transition(kernel, system, grant, step, if_match=grant.version)
        # Revoked ones stay revoked: a restored unit gets back only what it had disabled.
        await (
            Delegation.filter(principal_id=unit.id, process=P, revoked_at=None)
            .using_db(db)
            .update(active=active)
        )
    return {"unit": unit.username, "active": active, "authorizations": len(grants)}


async def disable_unit(call: Call) -> dict[str, Any]:
    return await _switch_unit(call, False)


async def restore_unit(call: Call) -> dict[str, Any]:
    return await _switch_unit(call, True)


async def open_matter(call: Call) -> dict[str, Any]:
    """办理事项: the rules of matter_access.open (handle.yaml) with the server's facts — the
    caller's authorizations, the unit's state, the completeness of the caller's own profile."""
    kernel = _kernel(call)
    me = await Account.get(id=call.actor.id)
    document = dict(call.body)
    own = "person_profile" if me.kind == "natural_person" else "legal_profile"
    profile = await records.profile_of(me.id, own)
    missing = _missing(kernel, profile) if profile else ["/"]
    context: dict[str, Any] = {
        "actor": actor_entry(call.actor),
        "profile": {"missing": missing},
        "realname": profile.state if profile else None,
        "authorizations": await records.authorizations_held(me.id)
        if me.kind == "natural_person"
        else [],
    }
    if document.get("unit"):
        unit = await Account.get_or_none(username=document["unit"])
        context["unit"] = (
            {"account": unit.username, "status": records.unit_status(unit)} if unit else None
        )
    decision = kernel.validate(
        P, document, workflow="matter_access", transition="open", context=context
    )
    if not decision.ok:
        raise _refused(decision, "this matter cannot be handled", error=Forbidden)
    return {"opened": True, "matter": document["matter"], "decision": decision.as_dict()}


# -- bodies ----------------------------------------------------------------------------------

CAPTCHA = {
    "type": "object",
    "required": ["id", "answer"],
    "properties": {"id": {"type": "string"}, "answer": {"type": "string"}},
}
LOGIN = {
    "type": "object",
    "required": ["login_type", "username", "password", "captcha"],
    "properties": {
        "login_type": {"enum": ["natural_person", "legal_person"], "title": "登录类型"},
        "username": {"type": "string", "minLength": 1, "maxLength": 64},
        "password": {"type": "string", "minLength": 1, "maxLength": 128, "writeOnly": True},
        "captcha": CAPTCHA,
    },
}
LEGACY = {
    "type": "object",
    "required": ["legacy_login_name"],
    "properties": {
        "legacy_login_name": {"type": "string", "minLength": 1, "maxLength": 60},
        "password": {"type": "string", "maxLength": 128, "writeOnly": True},
    },
}
LEGACY_MIGRATE = {**LEGACY, "required": ["legacy_login_name", "password"]}
RESET_LOOKUP = {
    "type": "object",
    "required": ["login_name"],
    "properties": {
        "login_name": {"type": "string", "minLength": 1, "maxLength": 64},
        "captcha": CAPTCHA,
    },
}
RESET_CODE_BODY = {
    "type": "object",
    "required": ["login_name", "method"],
    "properties": {
        "login_name": {"type": "string", "minLength": 1, "maxLength": 64},
        "method": {"enum": ["mobile", "email"]},
        "reserved_mobile": {"type": "string", "maxLength": 30},
        "reserved_email": {"type": "string", "maxLength": 254},
        "captcha": CAPTCHA,
    },
}
STRENGTH = {
    "type": "object",
    "required": ["password"],
    "properties": {"password": {"type": "string", "maxLength": 128, "writeOnly": True}},
}
#: The captcha; the rest is checked in full by the process's schema password_reset.json.
RESET = {"type": "object", "properties": {"captcha": CAPTCHA}}
CODE = {
    "type": "object",
    "required": ["code"],
    "properties": {"code": {"type": "string", "maxLength": 8}},
}
SAVE = {
    "type": "object",
    "required": ["version", "data"],
    "properties": {
        "version": {"type": "integer", "minimum": 1},
        "data": {"type": "object"},
        "confirm": {"type": "boolean"},
    },
}
MATTER = {"type": "object"}  # matter_access.json checks it


@hookimpl
def govflow_routes() -> list[Route]:
    anon, account = "anonymous", "account"
    return [
        Route(
            "POST",
            "login",
            login,
            Text("自然人登录 / 法人登录", "Log in as a natural or legal person"),
            access=anon,
            body=LOGIN,
        ),
        Route(
            "POST",
            "qr-image",
            issue_image,
            Text("领取登录二维码图片", "Get a login QR image"),
            access=("natural_person", "legal_person"),
        ),
        Route(
            "POST",
            "qr-login",
            qr_login,
            Text("二维码登录", "Log in with the login QR image"),
            access=anon,
            body_media="multipart/form-data",
        ),
        Route(
            "POST",
            "legacy-accounts/lookup",
            legacy_lookup,
            Text("原来华系统账号登录方式", "How a legacy account logs in"),
            access=anon,
            body=LEGACY,
        ),
        Route(
            "POST",
            "legacy-accounts/migrate",
            legacy_migrate,
            Text("迁移原来华系统账号", "Migrate a legacy account"),
            access=anon,
            body=LEGACY_MIGRATE,
        ),
        Route(
            "POST",
            "password-reset/lookup",
            reset_lookup,
            Text("检索登录名", "Look up the login name"),
            access=anon,
            body=RESET_LOOKUP,
        ),
        Route(
            "POST",
            "password-reset/code",
            reset_code,
            Text("获取验证码", "Send the verification code"),
            access=anon,
            body=RESET_CODE_BODY,
        ),
        Route(
            "POST",
            "password-strength",
            password_strength,
            Text("密码强度", "Password strength"),
            access=anon,
            body=STRENGTH,
        ),
        Route(
            "POST",
            "password-reset",
            reset_password,
            Text("登录名重置密码", "Reset the password by login name"),
            access=anon,
            body=RESET,
        ),
        Route(
            "POST",
            "appeals/{id:[0-9]{1,9}}/code",
            appeal_code,
            Text("获取申诉手机验证码", "Send the appeal's SMS code"),
            access=account,
        ),
        Route(
            "POST",
            "appeals/{id:[0-9]{1,9}}/code-check",
            appeal_code_check,
            Text("校验申诉手机验证码", "Check the appeal's SMS code"),
            access=account,
            body=CODE,
        ),
        Route(
            "GET",
            "profiles",
            my_profiles,
            Text("我的信息", "My profiles"),
            access=("natural_person", "legal_person"),
        ),
        Route(
            "GET",
            "profiles/{id:[0-9]{1,9}}",
            profile_page,
            Text("用户信息", "A profile"),
            access=account,
        ),
        Route(
            "PUT",
            "profiles/{id:[0-9]{1,9}}",
            save_profile,
            Text("修改用户信息", "Save a profile"),
            access=("natural_person", "legal_person"),
            body=SAVE,
        ),
        Route(
            "GET",
            "units",
            my_units,
            Text("单位授权办理情况", "Units that authorized me"),
            access=("natural_person",),
        ),
        Route(
            "POST",
            "units/{login}/disable",
            disable_unit,
            Text("停用单位", "Disable a unit"),
            access=("platform_reviewer",),
        ),
        Route(
            "POST",
            "units/{login}/restore",
            restore_unit,
            Text("恢复单位", "Restore a unit"),
            access=("platform_reviewer",),
        ),
        Route(
            "POST",
            "matters/open",
            open_matter,
            Text("办理事项", "Handle a matter"),
            access=("natural_person", "legal_person"),
            body=MATTER,
        ),
    ]
