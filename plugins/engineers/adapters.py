"""The two outside services the engineers process asks (EN-04, EN-09).

``qualification_register``: the national register of enterprise qualifications (全国建筑市场
监管公共服务平台), asked for an enterprise's qualification certificate number by its USCC.
``market_regulator``: the market regulator's register of enterprise names (国家企业信用信息
公示系统), asked for an enterprise's current name by its USCC. Neither can be reached from
here; each has a ``local`` implementation backed by a table of demo rows.
"""

from __future__ import annotations

from typing import Any

from kernel import Adapter, hookimpl

from .models import MarketEntity, Qualification


class LocalQualificationRegister:
    """Stands in for the national qualification register: the rows of
    ``engineers_local_qualification`` (filled by ``govflow demo`` and by tests)."""

    async def certificate(self, uscc: str) -> dict[str, Any] | None:
        """The enterprise's qualification certificate, or ``None`` when it holds none."""
        found = await Qualification.get_or_none(uscc=uscc)
        if found is None:
            return None
        return {"certificate_no": found.certificate_no, "enterprise_name": found.enterprise_name}


class LocalMarketRegulator:
    """Stands in for the market regulator's register of names: the rows of
    ``engineers_local_market_entity`` (filled by ``govflow demo`` and by tests)."""

    async def name_of(self, uscc: str) -> str | None:
        """The enterprise's name as registered now, or ``None`` for an unknown code."""
        found = await MarketEntity.get_or_none(uscc=uscc)
        return found.name if found else None


QUALIFICATIONS = "qualification_register"
REGULATOR = "market_regulator"


@hookimpl
def govflow_adapters() -> list[Adapter]:
    return [
        Adapter(QUALIFICATIONS, {"local": lambda config: LocalQualificationRegister()}),
        Adapter(REGULATOR, {"local": lambda config: LocalMarketRegulator()}),
    ]
