"""Public-sector domain names and public IP addresses (identifiers.md §6)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

import idna

from .errors import InvalidIdentifier
from .normalise import prepare, require

# --- Domains ---------------------------------------------------------------------------------

GOV_CN_SUFFIX = ("gov", "cn")
# .政务 and .公益 (CONAC), as A-labels; .中国 is deliberately not here.
PUBLIC_SECTOR_TLDS = frozenset({"xn--zfr164b", "xn--55qw42g"})

_URL_CHARACTERS = frozenset("/:@?#[]\\ \t")
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def _has_invisible(text: str) -> bool:
    # UTS #46 silently drops zero-width characters; policy says they make the value invalid.
    return any(unicodedata.category(c) in ("Cf", "Cc") for c in text)


def _to_a_labels(kind: str, host: str) -> list[str]:
    require(kind, "bare-host", not (_URL_CHARACTERS & set(host)))
    require(kind, "alphabet", not _has_invisible(host))
    try:
        encoded = idna.encode(host, uts46=True, std3_rules=True).decode("ascii")
    except idna.InvalidCodepoint as exc:
        raise InvalidIdentifier(kind, "alphabet") from exc
    except idna.IDNAError as exc:
        raise InvalidIdentifier(kind, "format") from exc
    require(kind, "bare-host", not encoded.endswith("."))  # covers "." and "。" typed at the end
    return encoded.split(".")


def _is_gov_cn(labels: list[str]) -> bool:
    return len(labels) >= 3 and tuple(labels[-2:]) == GOV_CN_SUFFIX


def validate_public_sector_domain(value: str) -> str:
    """Bare host under gov.cn, .政务 or .公益, returned as the lower-case A-label (ASCII) form.

    The A-label is unique per name (Chinese and punycode input compare equal) and is what DNS and
    certificates use; decode with ``idna.decode`` for display. Suffixes are compared on the label
    list, because ``endswith("gov.cn")`` would accept ``wwwgov.cn``.
    """
    kind = "public_sector_domain"
    labels = _to_a_labels(kind, prepare(kind, value, fold_case=False))
    if _is_gov_cn(labels):
        # Government sites use pinyin/English names under gov.cn; no IDN labels.
        require(kind, "alphabet", all(_LDH_LABEL.fullmatch(label) for label in labels))
        require(kind, "alphabet", not any(label.startswith("xn--") for label in labels))
    else:
        require(kind, "suffix", len(labels) >= 2 and labels[-1] in PUBLIC_SECTOR_TLDS)
    return ".".join(labels)


# --- IP addresses -----------------------------------------------------------------------------

# CPython 3.11.7 predates the CVE-2024-4032 fix, so is_global misses several of these (e.g.
# 224.0.0.0/4, 192.88.99.0/24, 2002::/16); list them explicitly.
NON_PUBLIC_IPV4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
# IPv6: only global unicast 2000::/3 can be public, minus these special ranges.
GLOBAL_UNICAST_IPV6 = ipaddress.IPv6Network("2000::/3")
NON_PUBLIC_IPV6 = tuple(
    ipaddress.IPv6Network(net) for net in ("2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20")
)

_FLAG_ATTRIBUTES = (
    "is_private",
    "is_loopback",
    "is_link_local",
    "is_multicast",
    "is_reserved",
    "is_unspecified",
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: IPAddress) -> bool:
    """True only if the address could host a public website (stdlib flags plus explicit lists)."""
    if any(getattr(address, flag) for flag in _FLAG_ATTRIBUTES) or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in net for net in NON_PUBLIC_IPV4)
    if address not in GLOBAL_UNICAST_IPV6:
        return False
    return not any(address in net for net in NON_PUBLIC_IPV6)


def validate_ip_public(value: str) -> str:
    """Public IPv4/IPv6 address, returned in ``ipaddress`` compressed form (lower-case IPv6)."""
    kind = "ip_public"
    text = prepare(kind, value, fold_case=False)
    require(kind, "format", "%" not in text)  # IPv6 scope ids are host-local
    try:
        address = ipaddress.ip_address(text)
    except ValueError as exc:
        raise InvalidIdentifier(kind, "format") from exc
    require(kind, "not-public", is_public_address(address))
    return address.compressed
