"""The service's JSON (orjson) says exactly what the standard library's said, without spaces."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel import jsontext
from kernel.api.http import UnreadableJson, strict_loads


def stdlib(value) -> bytes:
    """What the service wrote before: ``json`` with Chinese readable and ``default=str``."""
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":")).encode()


#: Finite floats and integers of any size: what a body can carry and an answer can hold.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not 1e-10 < abs(f) < 1e-4)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_an_answer_is_the_stdlib_json_without_spaces(value):
    assert jsontext.dumps(value) == stdlib(value)


@pytest.mark.parametrize(
    "value",
    [
        {"at": dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)},  # orjson alone writes a "T"
        {"on": dt.date(2026, 12, 4), "time": dt.time(9, 30)},
        {"amount": decimal.Decimal("12.50"), "id": uuid.UUID(int=7)},
        {"big": 2**70, "negative": -(2**64)},  # beyond orjson's 64 bits
        {1: "an integer key", None: "a null key"},  # orjson wants string keys
        {"单位": "北京市某某区机关事务管理局", "quote": '"\\\n\t'},
    ],
)
def test_what_orjson_would_write_differently_is_written_as_before(value):
    assert jsontext.dumps(value) == stdlib(value)


def test_a_tiny_float_differs_in_notation_only():
    """The one difference left (kernel/jsontext.py): 1e-05 is written 0.00001."""
    for tiny in (1e-05, 2.5e-07, 9.99e-09):
        assert json.loads(jsontext.dumps([tiny])) == [tiny]
    assert jsontext.dumps(1e-04) == stdlib(1e-04) and jsontext.dumps(1e-10) == stdlib(1e-10)


def test_chinese_stays_readable_on_the_wire():
    assert jsontext.dumps({"message": "请上传申请表"}) == '{"message":"请上传申请表"}'.encode()


@given(values)
def test_a_body_reads_as_the_stdlib_reads_it(value):
    raw = json.dumps(value, ensure_ascii=False).encode()
    if _depth(value) <= 32:
        read = strict_loads(raw)
        assert read == value and _types(read) == _types(value)


def test_a_twenty_digit_number_keeps_every_digit():
    """orjson reads it as a float (1.2345678901234568e+22); the body keeps the integer."""
    assert strict_loads(b'{"n": 12345678901234567890123}') == {"n": 12345678901234567890123}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"n": 1e400}', "out of range"),
        (b'{"n": NaN}', "not a JSON number"),
        (b"[" * 33 + b"]" * 33, "nested deeper than 32"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "nested deeper than 32"),
        (b"[" * 5000 + b"]" * 5000, "nested deeper than 32"),  # past orjson's own limit
    ],
)
def test_a_body_the_store_cannot_keep_is_refused_with_its_reason(raw, reason):
    with pytest.raises(UnreadableJson, match=reason):
        strict_loads(raw)


def test_a_body_exactly_32_deep_is_read():
    assert strict_loads(b"[" * 32 + b"]" * 32) is not None


def test_a_lone_surrogate_escape_is_read_for_the_caller_to_refuse():
    """orjson refuses ``\\ud800``; the body is read as ``json`` reads it, so that the API
    names the field holding it (``request.text``) instead of calling the body unreadable."""
    assert strict_loads(b'{"name": "\\ud800"}') == {"name": "\ud800"}


def test_bytes_that_are_not_utf8_are_not_json():
    with pytest.raises(ValueError):
        strict_loads(b'{"name": "\xff"}')


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value)
