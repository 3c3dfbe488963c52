"""The outside services the websites process reads, each behind an adapter.

- ``websites_organ_register``: the establishment authority's register of organs (机构编制实名制
  数据) with each unit's online names (网上名称: its ``.政务`` domains). Decides whether a body
  is a party or government organ (WS-01) and which domains a unit holds (WS-03). ``local``:
  the demo rows of ``organs.yaml``.
- ``websites_name_system``: the accounts of the online-name system (网上名称注册管理系统, the
  中文域名 / 网上名称 registration system). A unit that has one does not register again but logs
  in with it (WS-01); the name system checks its password. ``local``: ``namesystem.yaml``.
- ``websites_dns``: resolves a domain's A and AAAA records with dnspython (WS-03). The resolver
  is the system's, or ``GOVFLOW_WEBSITES_NAMESERVER=host:port`` (the tests' loopback server).
- ``websites_fetcher``: fetches a site with aiohttp: the home page's ``<title>`` (re-check,
  WS-03) and a bounded crawl of the same host looking for the identification code (WS-06),
  respecting robots.txt. Sites are fetched on port 80, or ``GOVFLOW_WEBSITES_SITE_PORT``; a
  crawl takes at most ``GOVFLOW_WEBSITES_CRAWL_SECONDS`` (default ``Limits.seconds``).

Both have a ``demo`` implementation (``make serve`` chooses it): the same dnspython resolver
and fetcher, pointed at the demo's DNS server and sites (``demo_sites.LoopbackWorld``), which
the service itself serves on loopback. It stands in for the internet of the demo's units.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.resolver
import yaml

from kernel import Adapter, hookimpl
from kernel.auth import check_password, hash_password

from .crawl import Crawler, Limits
from .demo_sites import LoopbackWorld

HERE = Path(__file__).parent
NAMESERVER_ENV = "GOVFLOW_WEBSITES_NAMESERVER"
SITE_PORT_ENV = "GOVFLOW_WEBSITES_SITE_PORT"
CRAWL_SECONDS_ENV = "GOVFLOW_WEBSITES_CRAWL_SECONDS"
#: Verified against when the account does not exist, so both refusals take as long.
_NO_ACCOUNT = hash_password("govflow-no-such-name-system-account")


class LocalOrganRegister:
    """Stands in for the register of organs kept by the establishment authorities (机构编制
    部门) and the online-name system (网上名称注册管理系统): the rows of ``organs.yaml``.

    ``lookup(name)`` answers ``None`` for a name the register does not hold, else
    ``{"name", "nature", "domains": [...]}``; ``nature`` is ``party_government_organ``,
    ``public_institution``, ``social_organisation``, ``enterprise`` or ``other``.
    """

    def __init__(self, path: Path = HERE / "organs.yaml") -> None:
        rows = yaml.safe_load(path.read_text("utf-8")) or {}
        self._rows = {_name(r["name"]): r for r in rows.get("organs", ())}

    async def lookup(self, name: str) -> dict[str, Any] | None:
        row = self._rows.get(_name(name))
        if row is None:
            return None
        return {
            "name": row["name"],
            "nature": row["nature"],
            "domains": list(row.get("domains", ())),
        }


def _name(value: str) -> str:
    return "".join(str(value).split())


class LocalNameSystem:
    """Stands in for the online-name system (网上名称注册管理系统, where units register their
    中文域名 / 网上名称 with 中央编办): the accounts of ``namesystem.yaml``, each with its
    password's argon2 hash and what the name system knows of the unit.

    The real system is asked over its interface; like it, this one never hands a password or
    its hash out: it answers whether an account exists for a unit and whether a password is
    the account's.
    """

    def __init__(self, path: Path = HERE / "namesystem.yaml") -> None:
        rows = yaml.safe_load(path.read_text("utf-8")) or {}
        self._accounts = {r["account"]: r for r in rows.get("accounts", ())}

    async def account_of(self, unit_name: str) -> str | None:
        """The account the unit of that name holds, if it holds one."""
        wanted = _name(unit_name)
        return next(
            (a for a, r in self._accounts.items() if _name(r["unit"]["unit_name"]) == wanted),
            None,
        )

    async def holds(self, account: str) -> bool:
        """Whether the name is an account of the name system (then only it checks the password)."""
        return account in self._accounts

    async def authenticate(self, account: str, password: str) -> dict[str, Any] | None:
        """What the name system knows of the unit when ``password`` is the account's, else
        ``None`` (a wrong password and an unknown account answer alike)."""
        row = self._accounts.get(account)
        if not await check_password(row["password_hash"] if row else _NO_ACCOUNT, password):
            return None
        return dict(row["unit"]) if row else None


class DnsResolver:
    """A domain's addresses through dnspython: ``ok`` with the A and AAAA records,
    ``no_records`` when the name has none (or does not exist), ``error`` when no answer came."""

    def __init__(self, nameserver: str | None = None, timeout: float = 3.0) -> None:
        self.resolver = dns.asyncresolver.Resolver(configure=nameserver is None)
        if nameserver:
            host, _, port = nameserver.rpartition(":")
            self.resolver.nameservers = [host or nameserver]
            self.resolver.port = int(port) if host and port else 53
        self.resolver.lifetime = timeout

    async def resolve(self, domain: str) -> dict[str, Any]:
        results = await asyncio.gather(self._records(domain, "A"), self._records(domain, "AAAA"))
        if any(r is None for r in results):
            return {"status": "error", "ipv4": [], "ipv6": []}
        ipv4, ipv6 = results
        return {"status": "ok" if ipv4 or ipv6 else "no_records", "ipv4": ipv4, "ipv6": ipv6}

    async def _records(self, domain: str, kind: str) -> list[str] | None:
        try:
            answer = await self.resolver.resolve(domain, kind, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.DNSException, OSError):
            return None
        return sorted(r.address for r in answer)


class SiteFetcher:
    """Fetches a party or government site the way a visitor's browser does, within bounds."""

    def __init__(self, port: int = 80, limits: Limits | None = None) -> None:
        self.port, self.limits = port, limits or Limits()

    async def title(self, host: str, address: str) -> dict[str, Any]:
        """The home page's ``<title>``: ``{"reachable", "tab_title"}``."""
        return await Crawler(host, address, self.port, self.limits).title()

    async def crawl(self, host: str, address: str, code: str) -> dict[str, Any]:
        """Every page reached from the home page: ``{"reachable", "pages": [{"url", "found",
        "before_body_end"}], "robots_disallowed": [...], "not_reached": [...]}`` (the pages
        found but not fetched when the time bound ran out)."""
        return await Crawler(host, address, self.port, self.limits).crawl(code)


class DemoDns:
    """``websites_dns=demo``: the demo zone, answered by the DNS server of ``world``."""

    def __init__(self, world: LoopbackWorld) -> None:
        self.world = world

    async def resolve(self, domain: str) -> dict[str, Any]:
        dns_port, _ = await self.world.ports()
        return await DnsResolver(f"127.0.0.1:{dns_port}").resolve(domain)


class DemoFetcher:
    """``websites_fetcher=demo``: the demo units' sites, served by ``world`` on loopback."""

    def __init__(self, world: LoopbackWorld, limits: Limits | None = None) -> None:
        self.world, self.limits = world, limits

    async def _fetcher(self) -> SiteFetcher:
        _, http_port = await self.world.ports()
        return SiteFetcher(http_port, self.limits)

    async def title(self, host: str, address: str) -> dict[str, Any]:
        return await (await self._fetcher()).title(host, address)

    async def crawl(self, host: str, address: str, code: str) -> dict[str, Any]:
        return await (await self._fetcher()).crawl(host, address, code)


#: One demo world per process: the DNS and fetcher adapters of a kernel share it.
DEMO_WORLD = LoopbackWorld()


def _nameserver(env: Mapping[str, str]) -> str | None:
    return env.get(NAMESERVER_ENV) or None


def _fetcher(env: Mapping[str, str]) -> SiteFetcher:
    """The fetcher as the operator configured it: the sites' port and the crawl's time bound."""
    return SiteFetcher(int(env.get(SITE_PORT_ENV, "80")), _limits(env))


def _limits(env: Mapping[str, str]) -> Limits:
    seconds = env.get(CRAWL_SECONDS_ENV)
    return Limits(seconds=float(seconds)) if seconds else Limits()


@hookimpl
def govflow_adapters() -> list[Adapter]:
    return [
        Adapter(
            "websites_organ_register",
            {"local": lambda config: LocalOrganRegister()},
            default="local",
        ),
        Adapter(
            "websites_name_system",
            {"local": lambda config: LocalNameSystem()},
            default="local",
        ),
        Adapter(
            "websites_dns",
            {
                "dnspython": lambda config: DnsResolver(_nameserver(os.environ)),
                "demo": lambda config: DemoDns(DEMO_WORLD),
            },
            default="dnspython",
        ),
        Adapter(
            "websites_fetcher",
            {
                "aiohttp": lambda config: _fetcher(os.environ),
                "demo": lambda config: DemoFetcher(DEMO_WORLD, _limits(os.environ)),
            },
            default="aiohttp",
        ),
    ]
