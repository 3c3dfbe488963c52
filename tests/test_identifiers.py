"""Tests for kernel.identifiers against the shared identifier vectors and user-visible forms."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from stdnum.iso7064 import mod_11_2

from kernel.identifiers import (
    VALIDATORS,
    InvalidIdentifier,
    normalise_identifier,
    normalise_text,
    validate,
)

VECTORS_COPY = Path(__file__).resolve().parent / "data" / "identifier-vectors.json"
VECTORS_SHARED = Path(__file__).resolve().parents[2] / "shared/reference/identifier-vectors.json"
VECTORS = json.loads(VECTORS_COPY.read_text(encoding="utf-8"))


# Kinds whose canonical form is exactly the §0-normalised input (case-folded, nothing removed).
AS_NORMALISED = frozenset(
    {
        "uscc",
        "resident_id",
        "residence_permit_hmt",
        "foreign_permanent_resident_id",
        "exit_entry_permit_hk_macao",
        "exit_entry_permit_taiwan",
        "mainland_travel_permit_hk_macao",
        "mainland_travel_permit_taiwan",
        "passport_foreign",
        "postal_code_cn",
        "admin_division_code",
    }
)
PASSWORDS = frozenset({"password_a", "password_b"})


def _short(value: str, limit: int = 32) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cases(valid: bool) -> list[pytest.param]:
    return [
        pytest.param(kind, case["value"], id=f"{kind}-{_short(case['value'])}")
        for kind, cases in VECTORS["types"].items()
        for case in cases
        if case["valid"] is valid
    ]


# --- Every vector -----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value"), _cases(valid=True))
def test_valid_vector_is_accepted(kind: str, value: str) -> None:
    result = validate(kind, value)
    assert isinstance(result, str)
    assert result
    if kind in AS_NORMALISED:
        assert result == normalise_identifier(value)
    if kind in PASSWORDS:
        assert result == value


@pytest.mark.parametrize(("kind", "value"), _cases(valid=False))
def test_invalid_vector_is_rejected(kind: str, value: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate(kind, value)
    assert info.value.kind == kind
    assert info.value.reason
    assert info.value.message_zh
    assert info.value.message_en


def test_validators_cover_exactly_the_vector_types() -> None:
    assert set(VALIDATORS) == set(VECTORS["types"])


def test_vector_copy_matches_shared_reference() -> None:
    if not VECTORS_SHARED.exists():
        pytest.skip("shared reference folder not present outside the repository")
    assert json.loads(VECTORS_SHARED.read_text(encoding="utf-8")) == VECTORS


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        validate("no_such_kind", "x")


# --- Canonical forms a user sees ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("resident_id", "51010720080808008x", "51010720080808008X"),
        ("resident_id", "１１０１０１１９４９１００１０３１９", "110101194910010319"),
        ("resident_id", "\u3000110101194910010319\t", "110101194910010319"),
        ("uscc", "９１１１０１０８ＭＡ０１ＫＱ７Ｂ２Ｎ", "91110108MA01KQ7B2N"),
        ("uscc", "31110105400012377k", "31110105400012377K"),
        ("mobile_cn", " 13800138000 ", "13800138000"),
        ("mobile_cn", "+86 138-0013-8000", "13800138000"),
        ("mobile_cn", "１３８００１３８０００", "13800138000"),
        ("mobile_cn", "＋８６ 13800138000", "13800138000"),
        ("landline_cn", "01052035000", "010-52035000"),
        ("landline_cn", "(010)52035000", "010-52035000"),
        ("landline_cn", "+86 10 52035000", "010-52035000"),
        ("landline_cn", "0086-755-26543210", "0755-26543210"),
        ("landline_cn", "010-52035000转123", "010-52035000-123"),
        ("landline_cn", "010 52035000EXT.123", "010-52035000-123"),
        ("landline_cn", "010-52035000#123", "010-52035000-123"),
        ("email", "USER@GOV.CN", "USER@gov.cn"),
        ("email", "xinxi＠国务院.政务", "xinxi@国务院.政务"),
        ("public_sector_domain", "WWW.BEIJING.GOV.CN", "www.beijing.gov.cn"),
        (
            "public_sector_domain",
            "北京市人民政府。政务",
            "xn--1lq2az1zq7nbwai50ag4l.xn--zfr164b",
        ),
        ("ip_public", "2400:3200:0000::0001", "2400:3200::1"),
        ("postal_code_cn", "０１００００", "010000"),
        ("password_a", "Abc12345", "Abc12345"),
    ],
)
def test_canonical_form(kind: str, value: str, expected: str) -> None:
    assert validate(kind, value) == expected


def test_normalisers_fold_only_what_the_policy_says() -> None:
    assert normalise_identifier("\u3000ａｂｃ１２３x ") == "ABC123X"
    assert normalise_text(" Ａb@ｃ ") == "Ab@c"
    # No NFKC: circled, mathematical-bold and Arabic-Indic digits survive (and later fail).
    assert normalise_identifier("①𝟏١") == "①𝟏١"


# --- Rejections a user would notice ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("mobile_cn", "138001380\u200b00"),  # zero-width space is not whitespace
        ("mobile_cn", "𝟏3800138000"),  # mathematical-bold digit (phonenumbers would accept it)
        ("mobile_cn", "١3800138000"),  # Arabic-Indic digit
        ("mobile_cn", "+86 013800138000"),  # trunk 0 after the country code
        ("resident_id", "①10101194910010319"),
        ("resident_id", "110101194910010319\u200b"),
        ("uscc", "91110108 MA01KQ7B2N"),  # stdnum's compact() would delete the space
        ("passport_foreign", "ſ1234567"),  # str.upper() would turn the long s into "S"
        ("passport_foreign", "ﬀ1234567"),  # ... and this ligature into "FF"
        ("public_sector_domain", "www\u200b.beijing.gov.cn"),  # UTS #46 would drop it silently
        ("public_sector_domain", "www.beijing.gov.cn."),
        ("public_sector_domain", "www.beijing.gov.cn:443"),
        ("landline_cn", "0105-2035000"),  # explicit area code that is not Beijing's 010
        ("landline_cn", "400-810-8888"),  # non-geographic, not a landline
        ("ip_public", "fe80::1%eth0"),
        ("password_a", " abc12345"),  # passwords are not trimmed
        ("password_a", "abc12345\n"),  # a trailing newline must not pass a $-anchored regex
    ],
)
def test_rejected(kind: str, value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        validate(kind, value)


@pytest.mark.parametrize(
    "value",
    [
        "224.0.0.1",
        "192.88.99.1",
        "2002::1",
        "fec0::1",
        "::ffff:8.8.8.8",
        "::127.0.0.1",
        "ff02::1",
        "3fff::1",
        "198.18.0.1",
        "203.0.113.9",
    ],
)
def test_ip_rejects_what_is_global_misses_on_311(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate("ip_public", value)
    assert info.value.reason == "not-public"


def _with_check(first17: str) -> str:
    return first17 + mod_11_2.calc_check_digit(first17)


def test_resident_id_born_before_district_existed_is_valid() -> None:
    # Hangzhou Xihu 330106 dates from 1983 in stdnum's table; stdnum.cn.ric rejects this holder.
    assert validate("resident_id", _with_check("33010619600101001")) == _with_check(
        "33010619600101001"
    )


def test_resident_id_abolished_district_only_for_people_born_before_abolition() -> None:
    # Chongwen 110103 was abolished in 2010.
    assert validate("resident_id", _with_check("11010319850101001"))
    with pytest.raises(InvalidIdentifier) as info:
        validate("resident_id", _with_check("11010320120101001"))
    assert info.value.reason == "region"


def test_resident_id_unknown_county_is_rejected_not_crashing() -> None:
    # stdnum.cn.ric.is_valid raises KeyError for this one.
    with pytest.raises(InvalidIdentifier) as info:
        validate("resident_id", _with_check("11019919800101001"))
    assert info.value.reason == "region"


# --- The error object --------------------------------------------------------------------------


def test_error_carries_reason_and_bilingual_messages() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate("uscc", "91110108MA01KQ7B2P")
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.kind, error.reason) == ("uscc", "check-digit")
    assert error.message_zh == "统一社会信用代码校验位错误"
    assert error.message_en == "The check character of the unified social credit code is wrong"
    assert str(error) == error.message_en


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("uscc", "91110108MA01KQ7B3R", "organisation-check"),
        ("uscc", "94110108MA01KQ7B2D", "authority-category"),
        ("uscc", "91000000MA01KQ7B23", "region"),
        ("resident_id", "110101199902300458", "birth-date"),
        ("resident_id", "810000199001010131", "province"),
        ("foreign_permanent_resident_id", "ABC110080123009", "country"),
        ("mobile_cn", "+852 13800138000", "prefix"),
        ("public_sector_domain", "wwwgov.cn", "suffix"),
        ("public_sector_domain", "https://www.gov.cn", "bare-host"),
        ("public_sector_domain", "-bad.gov.cn", "format"),
        ("ip_public", "10.0.0.1", "not-public"),
        ("password_b", "abcdefg1", "classes"),
        ("admin_division_code", "110103", "abolished"),
        ("postal_code_cn", "", "empty"),
    ],
)
def test_reason_codes(kind: str, value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate(kind, value)
    assert info.value.reason == reason


def test_non_text_input_is_an_invalid_identifier() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate("postal_code_cn", 100000)  # type: ignore[arg-type]
    assert info.value.reason == "type"


def test_error_survives_pickling() -> None:
    error = InvalidIdentifier("mobile_cn", "range")
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.kind, clone.reason, clone.message_zh, clone.message_en) == (
        error.kind,
        error.reason,
        error.message_zh,
        error.message_en,
    )


@pytest.mark.parametrize("kind", sorted(VECTORS["types"]))
def test_a_canonical_value_is_its_own_canonical_value(kind):
    """Checking what a validator returned gives it back unchanged: the kernel relies on it to
    answer the schema's format check from the normalisation's answer (identifiers/answers.py)."""
    from kernel.default_formats import domain_as_shown

    checks = [VALIDATORS[kind]] + ([domain_as_shown] if kind == "public_sector_domain" else [])
    canonical = []
    for check in checks:
        for case in VECTORS["types"][kind]:
            try:
                canonical.append((check, check(case["value"])))
            except InvalidIdentifier:
                continue
    assert canonical, "no valid vector"
    for check, value in canonical:
        assert check(value) == value
