"""#12 point 9: every identifier format is masked in lists and logs — full-width digits,
15-digit IDs, passports, numbers written with spaces or dashes — and masking a deep value
cannot crash a list."""

from __future__ import annotations

import pytest

from kernel.masking import mask, mask_text


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("130722199001010317", "1307**********0317"),
        ("130722 19900101 031X", "1307**********031X"),
        ("1307-2219-9001-0103-17", "1307**********0317"),
        ("１３０７２２１９９００１０１０３１７", "1307**********0317"),
        ("130722900101031", "1307********031"),
        ("１３８００１３８０００", "138****8000"),
        ("138 0013 8000", "138****8000"),
        ("+86 138-0013-8000", "+86 138****8000"),
        ("E12345678", "E******78"),
        ("EA1234567", "EA******67"),
        ("G12345678", "G******78"),
        ("C12345678", "C******78"),
    ],
)
def test_each_format_is_masked(written, shown):
    assert mask_text(f"号码：{written}。") == f"号码：{shown}。"


def test_what_is_no_personal_number_stays():
    for text in ("2026-12-03T16:21:42", "11110108000123457Q", "010-52035000", "北京市，海淀区"):
        assert mask_text(text) == text


def test_a_deep_value_is_masked_without_recursion():
    deep: object = {"mobile": "13800138000"}
    for _ in range(5000):
        deep = {"n": [deep]}
    masked = mask(deep)
    for _ in range(5000):
        masked = masked["n"][0]
    assert masked == {"mobile": "138****8000"}
