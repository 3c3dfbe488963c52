"""Narrower formats for the website application (WS-03), on top of the kernel's.

The kernel's ``public-sector-domain`` accepts ``.gov.cn``, ``.政务`` and ``.公益`` alike, and
``ip-public`` both address families; the form wants a ``.政务`` Chinese domain, a ``.gov.cn``
English domain, an IPv4 and an IPv6 address in their own boxes. Each check below stays silent
on a value the kernel format rejects (that format already names the problem), so the applicant
gets one precise message per field, not two.
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


def _public_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(validate_identifier("ip_public", value))
    except ValueError:
        return None


def check_zhengwu_domain(value: str) -> None:
    domain = _public_sector_domain(value)
    if domain is not None and domain.rsplit(".", 1)[-1] != ZHENGWU_TLD:
        raise InvalidIdentifier(
            "public_sector_domain",
            "suffix",
            "中文域名须以“.政务”结尾",
            "The Chinese domain name must end in .政务",
        )


def check_gov_cn_domain(value: str) -> None:
    domain = _public_sector_domain(value)
    if domain is not None and not domain.endswith(".gov.cn"):
        raise InvalidIdentifier(
            "public_sector_domain",
            "suffix",
            "英文域名须以“.gov.cn”结尾",
            "The English domain name must end in .gov.cn",
        )


def check_ipv4(value: str) -> None:
    address = _public_address(value)
    if address is not None and address.version != 4:
        raise InvalidIdentifier(
            "ip_public",
            "version",
            "此处须填写IPv4地址，IPv6地址请填写在IPV6一栏",
            "An IPv4 address goes here; put an IPv6 address in the IPv6 box",
        )


def check_ipv6(value: str) -> None:
    address = _public_address(value)
    if address is not None and address.version != 6:
        raise InvalidIdentifier(
            "ip_public",
            "version",
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
