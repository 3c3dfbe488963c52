"""Narrower formats for the website application (WS-03), on top of the kernel's.

The kernel's ``public-sector-domain`` accepts ``.gov.cn``, ``.政务`` and ``.公益`` alike; the
form wants a ``.政务`` Chinese domain and a ``.gov.cn`` English domain. Each domain check stays
silent on a value the kernel format rejects (that format already names the problem), so the
applicant gets one precise message per field, not two. The address boxes take an IPv4 and an
IPv6 address of any kind: the rules compare them with what DNS answers, and a private address
is judged by DNS like any other (not refused first).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping

from kernel import InvalidIdentifier, hookimpl, validate_identifier

ZHENGWU_TLD = "xn--zfr164b"  # .政务 as an A-label


def _public_sector_domain(value: str) -> str | None:
    try:
        return validate_identifier("public_sector_domain", value)
    except ValueError:
        return None


def domain_suffix_check(suffix: str, zh: str, en: str) -> Callable[[str], None]:
    """A format that wants a valid public-sector domain to end in ``suffix`` (A-label form);
    silent on an invalid one, which the kernel's format names."""

    def check(value: str) -> None:
        domain = _public_sector_domain(value)
        if domain is not None and not domain.endswith(suffix):
            raise InvalidIdentifier("public_sector_domain", "suffix", zh, en)

    return check


check_zhengwu_domain = domain_suffix_check(
    f".{ZHENGWU_TLD}", "中文域名须以“.政务”结尾", "The Chinese domain name must end in .政务"
)
check_gov_cn_domain = domain_suffix_check(
    ".gov.cn", "英文域名须以“.gov.cn”结尾", "The English domain name must end in .gov.cn"
)


def _any_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Any address DNS may answer, private ones too: whether it is the site's is DNS's call."""
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise InvalidIdentifier(
            "ip_address",
            "syntax",
            "IP地址格式不正确",
            "This is not an IP address",
        ) from None


def address_version_check(version: int, zh: str, en: str) -> Callable[[str], None]:
    """A format for one address box: an address of that IP version (4 or 6), of any kind."""

    def check(value: str) -> None:
        if _any_address(value).version != version:
            raise InvalidIdentifier("ip_public", "version", zh, en)

    return check


check_ipv4 = address_version_check(
    4,
    "此处须填写IPv4地址，IPv6地址请填写在IPV6一栏",
    "An IPv4 address goes here; put an IPv6 address in the IPv6 box",
)
check_ipv6 = address_version_check(
    6,
    "此处须填写IPv6地址，IPv4地址请填写在IPV4一栏",
    "An IPv6 address goes here; put an IPv4 address in the IPv4 box",
)


FORMATS: Mapping[str, Callable[[str], object]] = {
    "websites-zhengwu-domain": check_zhengwu_domain,
    "websites-gov-cn-domain": check_gov_cn_domain,
    "websites-ipv4": check_ipv4,
    "websites-ipv6": check_ipv6,
}


@hookimpl
def govflow_formats() -> Mapping[str, Callable[[str], object]]:
    return FORMATS
