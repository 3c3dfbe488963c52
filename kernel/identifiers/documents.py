"""Credit codes, identity documents, travel permits and passports (identifiers.md §1–§4).

Library verdicts are never used directly: stdnum.cn.uscc rejects A/N/Y authorities and skips
the organisation-code check, stdnum.cn.ric misjudges historical codes and crashes on unknown
counties. We use stdnum only for the check-character arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pycountry
from stdnum.cn import uscc as stdnum_uscc

from .divisions import (
    MAINLAND_PROVINCES,
    division_known_in,
    parse_birth_date,
    require_mod_11_2,
)
from .normalise import ALPHANUMERIC, prepare, require, require_match

# --- Unified social credit code (GB 32100-2015) ------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Registration authority -> {category: meaning}. GB 32100 defines 1, 5, 9 and Y; the others were
# added later (identifiers.md §1). Extend here, not in code.
USCC_AUTHORITIES: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直管的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {"1": "外国旅游部门常驻代表机构", "2": "港澳台旅游部门常驻代表机构", "9": "其他"},
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}

USCC_NATIONAL_REGION = "100000"  # registration at national level, not a GB/T 2260 code

_USCC_SHAPE = re.compile(
    r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{8}[0-9X][0-9A-HJ-NPQRTUWXY]"
)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_check_character(body: str) -> str:
    """GB 11714 check for positions 9–16.

    Letters count as A=10..Z=35 (``ord - 55``), not their USCC alphabet position — using the
    latter is a common bug that rejects real codes with letters after H.
    """
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(value: str) -> str:
    """统一社会信用代码: shape, authority/category table, region and both check characters."""
    kind = "uscc"
    code = prepare(kind, value)
    require(kind, "alphabet", all(c in USCC_ALPHABET for c in code))
    require(kind, "length", len(code) == 18)
    require_match(kind, "format", _USCC_SHAPE, code)
    require(kind, "authority-category", code[1] in USCC_AUTHORITIES.get(code[0], {}))
    region = code[2:8]
    require(kind, "region", region == USCC_NATIONAL_REGION or region[:2] in MAINLAND_PROVINCES)
    require(kind, "organisation-check", code[16] == organisation_check_character(code[8:16]))
    require(kind, "check-digit", code[17] == stdnum_uscc.calc_check_digit(code[:17]))
    return code


# --- 18-character ID-style numbers (GB 11643 layout) -------------------------------------

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
HMT_ADDRESS_CODES = frozenset({"810000", "820000", "830000"})  # Hong Kong, Macao, Taiwan


def _id18(kind: str, value: str) -> str:
    number = prepare(kind, value)
    require_match(kind, "alphabet", ALPHANUMERIC, number)
    require(kind, "length", len(number) == 18)
    require_match(kind, "format", _ID18, number)
    return number


def validate_resident_id(value: str) -> str:
    """公民身份号码 (second generation only; 15-digit cards lost validity on 2013-01-01)."""
    kind = "resident_id"
    number = _id18(kind, value)
    require(kind, "province", number[:2] in MAINLAND_PROVINCES)
    born = parse_birth_date(kind, number[6:14])
    require(kind, "region", division_known_in(number[:6], born.year))
    require_mod_11_2(kind, number)
    return number


def validate_residence_permit_hmt(value: str) -> str:
    """港澳台居民居住证: ID layout with a fixed 810000/820000/830000 address code."""
    kind = "residence_permit_hmt"
    number = _id18(kind, value)
    require(kind, "region", number[:6] in HMT_ADDRESS_CODES)
    parse_birth_date(kind, number[6:14])
    require_mod_11_2(kind, number)
    return number


_FPR_2023 = re.compile(r"9[0-9]{16}[0-9X]")
_FPR_OLD = re.compile(r"[A-Z]{3}[0-9]{12}")


def _validate_fpr_2023(kind: str, number: str) -> str:
    # Layout (identifiers.md §3): 9 · province(2) · ISO numeric nationality(3) · date · seq · check
    require(kind, "prefix", number[0] == "9")
    require_match(kind, "format", _FPR_2023, number)
    require(kind, "province", number[1:3] in MAINLAND_PROVINCES)
    require(kind, "country", pycountry.countries.get(numeric=number[3:6]) is not None)
    parse_birth_date(kind, number[6:14])
    require_mod_11_2(kind, number)
    return number


def _validate_fpr_old(kind: str, number: str) -> str:
    # 2004/2017 cards: alpha-3 nationality + 12 digits; no published check digit (policy).
    require_match(kind, "format", _FPR_OLD, number)
    require(kind, "country", pycountry.countries.get(alpha_3=number[:3]) is not None)
    return number


def validate_foreign_permanent_resident_id(value: str) -> str:
    """外国人永久居留身份证: 2023 18-character number or the still-valid 15-character one."""
    kind = "foreign_permanent_resident_id"
    number = prepare(kind, value)
    require_match(kind, "alphabet", ALPHANUMERIC, number)
    require(kind, "length", len(number) in (15, 18))
    if len(number) == 18:
        return _validate_fpr_2023(kind, number)
    return _validate_fpr_old(kind, number)


# --- Regex-only documents: no check digit has been published ------------------------------

# kind -> (allowed lengths, prefix pattern, full pattern); checked in that order so the reason
# tells the user what to fix first.
DOCUMENT_PATTERNS: dict[str, tuple[frozenset[int], str, str]] = {
    "exit_entry_permit_hk_macao": (frozenset({9}), r"C", r"C[0-9A-HJ-NP-Z][0-9]{7}"),
    "exit_entry_permit_taiwan": (frozenset({9}), r"L", r"L[0-9]{8}"),
    "mainland_travel_permit_hk_macao": (
        frozenset({9, 11}),
        r"[HM]",
        r"[HM](?:[0-9]{8}|[0-9]{10}|A[0-9]{7})",
    ),
    "mainland_travel_permit_taiwan": (frozenset({8, 10}), r"[0-9]", r"[0-9]{8}(?:[0-9]{2})?"),
}


def _pattern_validator(kind: str) -> Callable[[str], str]:
    lengths, prefix, full = DOCUMENT_PATTERNS[kind]
    prefix_re, full_re = re.compile(prefix), re.compile(full)

    def validator(value: str) -> str:
        number = prepare(kind, value)
        require_match(kind, "alphabet", ALPHANUMERIC, number)
        require(kind, "length", len(number) in lengths)
        require(kind, "prefix", prefix_re.match(number) is not None)
        require_match(kind, "format", full_re, number)
        return number

    validator.__name__ = f"validate_{kind}"
    validator.__doc__ = f"Regex-only check for {kind}: no check digit is published."
    return validator


validate_exit_entry_permit_hk_macao = _pattern_validator("exit_entry_permit_hk_macao")
validate_exit_entry_permit_taiwan = _pattern_validator("exit_entry_permit_taiwan")
validate_mainland_travel_permit_hk_macao = _pattern_validator("mainland_travel_permit_hk_macao")
validate_mainland_travel_permit_taiwan = _pattern_validator("mainland_travel_permit_taiwan")


def validate_passport_foreign(value: str) -> str:
    """Foreign passports share no format; accept ICAO-style 5–20 alphanumerics with a digit.

    The MRZ filler ``<`` and separators are rejected so the stored number matches the document.
    """
    kind = "passport_foreign"
    number = prepare(kind, value)
    require_match(kind, "alphabet", ALPHANUMERIC, number)
    require(kind, "length", 5 <= len(number) <= 20)
    require(kind, "classes", any(c.isdigit() for c in number))
    return number
