"""Logging in with an account of the online-name system (WS-01: 已有“网上名称注册管理系统”账号的
单位可用原账户直接登录).

The name system owns those accounts and their passwords, so it checks the password at every
login (adapter ``websites_name_system``) instead of the platform keeping a copy of it: a
password changed or an account closed there takes effect here at once, and no second hash of
the credential exists to leak or drift. On the first login the platform makes the unit a local
account with no password (``create_account(password=None)``: the kernel's password login never
opens it) and the profile the name system knows, which its applications are prefilled from;
``NameSystemLink`` finds it again on later logins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from kernel import Call, Unauthorized, clock, create_account

from .context import unit_profile
from .models import NameSystemLink
from .regions import region_code

#: The login method recorded on the session (``Token.login_method``).
LOGIN_METHOD = "name_system"


async def login(call: Call, names: Any, account_name: str, password: str) -> dict[str, Any]:
    """A session for the unit when the name system accepts the password; 401 otherwise, the
    same answer as a wrong password of a local account."""
    unit = await names.authenticate(account_name, password)
    if unit is None:
        raise Unauthorized("wrong username or password")
    link = await NameSystemLink.get_or_none(name_system_account=account_name)
    if link is None:
        link = await _first_login(account_name, unit)
    return await call.open_session(link.account_id, LOGIN_METHOD)


async def _first_login(account_name: str, unit: Mapping[str, Any]) -> NameSystemLink:
    """The unit's local account and its link, in one transaction; when a concurrent first
    login made them first, theirs."""
    region = unit.get("region")
    try:
        async with in_transaction() as db:
            account_id = await create_account(
                db,
                username=f"ns:{account_name}",
                kind="unit",
                roles=["website_unit"],
                display_name=unit["unit_name"],
                region=region_code(region.get("area")) if isinstance(region, Mapping) else None,
                profile=unit_profile(unit),
            )
            return await NameSystemLink.create(
                name_system_account=account_name,
                account_id=account_id,
                linked_at=clock.now(),
                using_db=db,
            )
    except IntegrityError:
        return await NameSystemLink.get(name_system_account=account_name)
