"""Within one decision each identifier is checked once, however many parts of the kernel ask."""

from __future__ import annotations

import pytest

from kernel.identifiers import InvalidIdentifier, contact, one_decision, remembered
from tests.factories import CHANGE_DOCUMENT


@pytest.fixture
def counted(monkeypatch):
    """The mobile check, counting how often it really runs."""
    calls = []

    def check(value: str) -> str:
        calls.append(value)
        return contact.validate_mobile_cn(value)

    return remembered("mobile_cn", check), calls


def test_a_value_is_checked_once_within_a_decision(counted):
    check, calls = counted
    with one_decision():
        assert check("+86 138-0013-8000") == "13800138000"
        assert check("+86 138-0013-8000") == "13800138000"
        assert check("13900139000") == "13900139000"
    assert calls == ["+86 138-0013-8000", "13900139000"]


def test_outside_a_decision_every_call_checks_afresh(counted):
    check, calls = counted
    check("13800138000")
    check("13800138000")
    with one_decision():
        check("13800138000")
    with one_decision():  # a new decision remembers nothing of the last
        check("13800138000")
    assert len(calls) == 4


def test_a_refusal_is_given_again_with_its_reason(counted):
    check, calls = counted
    with one_decision():
        for _ in range(2):
            with pytest.raises(InvalidIdentifier) as refused:
                check("12345")
            assert refused.value.reason == "length"
    assert calls == ["12345"]


def test_a_nested_decision_shares_the_answers_of_the_outer_one(counted):
    """A transition normalises the document, then asks the kernel for the decision."""
    check, calls = counted
    with one_decision():
        check("13800138000")
        with one_decision():
            check("13800138000")
        check("13800138000")
    assert len(calls) == 1


def test_a_decision_checks_the_document_s_mobile_once(kernel, monkeypatch):
    """Normalising the document and its schema's format check ask about the same number;
    phonenumbers is asked once (it was twice: about 20 µs a dry run)."""
    parsed = []
    parse = contact.phonenumbers.parse
    monkeypatch.setattr(contact.phonenumbers, "parse", lambda *a: parsed.append(a) or parse(*a))
    document = {**CHANGE_DOCUMENT, "handler_mobile": "+86 139 0013 9000"}
    decision = kernel.validate("codeassign", document, matter="change")
    assert parsed == [("13900139000", "CN")]
    assert "/handler_mobile" not in {f for o in decision.outcomes for f in o.fields}
