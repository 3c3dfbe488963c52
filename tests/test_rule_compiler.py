"""Rule files: what policy staff are told when one is wrong, and what a rule means."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.rules import reference
from kernel.rules.compiler import compile_text
from kernel.rules.durable_backend import Engine, check, fnv1a32
from kernel.rules.facts import FactError, project
from kernel.rules.problems import RuleFileError


def compile_yaml(text: str):
    return compile_text(text, path="rules/t/x.yaml", process="t", name="t.x")


def problems_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(RuleFileError) as info:
        compile_yaml(text)
    return [(p.line, p.code) for p in info.value.problems]


RULE = """
title: {zh: 测试, en: Test}
rules:
  - id: t.a.one
    kind: violation
    message: {zh: 一, en: one}
    when:
      fact: app
      where:
        - {field: age, gte: 18}
"""


def test_every_problem_of_a_file_is_reported_with_its_line():
    text = """
title: {zh: 测试, en: Test}
rules:
  - id: t.a.one
    kind: violation
    message: {zh: 一, en: one}
    when:
      fact: app
      where:
        - {field: age, gte: eighteen}
  - id: t.a.one
    kind: notice
    message: {zh: 二, en: two}
    effective_from: 2025-02-30
    when:
      fact: app
      where:
        - {field: code, matches: "^(a+)+$"}
        - {field: age, equals: true}
"""
    assert sorted(problems_of(text)) == [
        (10, "comparison"),
        (11, "duplicate-id"),
        (14, "dates"),
        (18, "regex"),
        (19, "type-conflict"),
    ]


def test_a_schema_error_names_the_line_of_the_bad_value():
    text = RULE.replace("kind: violation", "kind: warning")
    [(line, code)] = problems_of(text)
    assert (line, code) == (5, "schema")


def test_yaml_syntax_errors_and_duplicate_keys_have_lines():
    assert problems_of("title: {zh: a\nrules: [") == [(2, "yaml")]
    assert problems_of(RULE + "    kind: notice\n") == [(11, "yaml")]


def test_references_must_name_an_earlier_fact_and_stay_out_of_any():
    text = """
title: {zh: 测试, en: Test}
rules:
  - id: t.a.one
    kind: violation
    message: {zh: 一, en: one}
    when:
      all:
        - fact: unit
          where: [{field: code, equals: {ref: app.code}}]
        - fact: app
          as: app
          where:
            - any:
                - {field: code, equals: {ref: app.code}}
"""
    assert sorted(problems_of(text)) == [(10, "reference"), (15, "unsafe-reference")]


def test_reserved_engine_fields_are_refused():
    assert problems_of(RULE.replace("field: age", "field: sid")) == [(10, "reserved-field")]


def test_rules_in_force_follow_their_dates():
    ruleset = compile_yaml(
        RULE.replace(
            "    when:",
            "    effective_from: 2025-01-01\n    effective_until: 2025-12-31\n    when:",
        )
    )
    rule = ruleset.rules[0]
    assert not rule.in_force(dt.date(2024, 12, 31))
    assert rule.in_force(dt.date(2025, 1, 1)) and rule.in_force(dt.date(2025, 12, 31))
    assert not rule.in_force(dt.date(2026, 1, 1))


def test_any_expands_to_alternatives_and_the_rule_fires_once():
    text = """
title: {zh: 测试, en: Test}
rules:
  - id: t.a.one
    kind: violation
    message: {zh: 一, en: one}
    when:
      any:
        - {fact: app, where: [{field: age, lt: 18}]}
        - {fact: app, where: [{field: guardian, absent: true}]}
"""
    ruleset = compile_yaml(text)
    assert len(ruleset.rules[0].alternatives) == 2
    engine = Engine()
    try:
        compiled = engine.load(ruleset)
        facts = project(ruleset, [{"kind": "app", "age": 10}])
        assert compiled.evaluate(facts) == {"t.a.one"} == reference.fired(ruleset, facts)
    finally:
        engine.close()


def test_facts_carry_only_known_fields_with_their_types():
    ruleset = compile_yaml(RULE)
    [fact] = project(ruleset, [{"kind": "app", "age": "18", "name": "x", "other": 1}])
    assert fact == {"kind": "app"}  # a text age is missing, unknown fields are dropped
    [fact] = project(ruleset, [{"kind": "app", "age": True}])
    assert fact == {"kind": "app"}  # a boolean is not a number
    assert project(ruleset, [{"kind": "elsewhere", "age": 3}]) == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**60, "x" * 70_000])
def test_values_the_engine_cannot_hold_are_refused_not_mangled(value):
    text = RULE if not isinstance(value, str) else RULE.replace("gte: 18", "equals: x")
    with pytest.raises(FactError):
        project(compile_yaml(text), [{"kind": "app", "age": value}])


def test_field_names_that_collide_in_the_engines_hash_are_refused():
    assert fnv1a32("f6059") == fnv1a32("f264602")  # the pair from notes §3.12
    text = RULE.replace(
        "field: age, gte: 18", "field: f6059, gte: 18}\n        - {field: f264602, exists: true"
    )
    ruleset = compile_yaml(text)
    assert [p.code for p in check(ruleset)] == ["hash-collision"]


def test_the_rule_file_schema_editors_use_accepts_the_rules_and_flags_a_misspelt_kind():
    """The schema named on each rule file's first line checks it as policy staff type."""
    from pathlib import Path

    from jsonschema import Draft202012Validator

    from kernel import yamlsource
    from kernel.rules.compiler import ruleset_schema

    Draft202012Validator.check_schema(ruleset_schema())
    validator = Draft202012Validator(ruleset_schema())
    files = sorted(Path(__file__).resolve().parent.parent.glob("rules/*/*.yaml"))
    assert len(files) > 10
    for file in files:
        errors = list(validator.iter_errors(yamlsource.load(file.read_text("utf-8")).data))
        assert errors == [], f"{file}: {errors[0].message if errors else ''}"
    misspelt = yamlsource.load(RULE.replace("kind: violation", "kind: vilation")).data
    [error] = validator.iter_errors(misspelt)
    assert list(error.absolute_path) == ["rules", 0, "kind"]


PARAM_RULE = """
title: {zh: 测试, en: Test}
rules:
  - id: t.a.size
    kind: violation
    params: {max_bytes: 1048576, formats: [jpg, png]}
    message: {zh: "不超过{max_bytes}字节", en: "at most {max_bytes} bytes"}
    when:
      fact: file
      where:
        - any:
          - {field: size, gt: %s}
          - {field: format, not_in: %s}
"""


def fired(ruleset, facts) -> set[str]:
    engine = Engine()
    try:
        projected = project(ruleset, facts)
        fired = engine.load(ruleset).evaluate(projected)
        assert fired == reference.fired(ruleset, projected)
        return fired
    finally:
        engine.close()


def test_a_condition_tests_the_rules_param_and_follows_its_edit():
    ruleset = compile_yaml(PARAM_RULE % ("{param: max_bytes}", "{param: formats}"))
    big = [{"kind": "file", "size": 1048577, "format": "jpg"}]
    assert fired(ruleset, big) == {"t.a.size"}
    assert fired(ruleset, [{"kind": "file", "size": 100, "format": "png"}]) == set()
    assert fired(ruleset, [{"kind": "file", "size": 100, "format": "gif"}]) == {"t.a.size"}

    edited = compile_yaml(
        PARAM_RULE.replace("max_bytes: 1048576", "max_bytes: 2097152")
        % ("{param: max_bytes}", "{param: formats}")
    )
    assert fired(edited, big) == set(), "the officer's edit of the param moved the limit"


def test_a_literal_beside_an_equal_param_and_unknown_or_misfit_params_are_refused():
    assert problems_of(PARAM_RULE % ("1048576", "{param: formats}")) == [(12, "param-not-tested")]
    assert problems_of(PARAM_RULE % ("{param: max_bytes}", "[jpg, png]")) == [
        (13, "param-not-tested")
    ]
    assert problems_of(PARAM_RULE % ("{param: limit}", "{param: formats}")) == [
        (12, "unknown-param")
    ]
    assert problems_of(PARAM_RULE % ("{param: formats}", "{param: formats}")) == [
        (12, "param-type")
    ]
    # A literal that differs from every param is an ordinary test.
    assert compile_yaml(PARAM_RULE % ("5242880", "{param: formats}")).rules


def backend_problems(text: str) -> list[str]:
    """What ``govflow rules check`` prints for what the engine cannot hold (one line each)."""
    return [str(p) for p in check(compile_yaml(text))]


@pytest.mark.parametrize(
    ("field", "engine_own"),
    [("N4ogam", "kind"), ("TGTbVx", "id"), ("bmZaay", "sid"), ("address.v1Xh6k", "kind")],
)
def test_a_field_that_the_engine_would_read_as_its_own_kind_id_or_sid_is_refused(field, engine_own):
    """Each fact carries the engine's ``kind``, ``id`` and ``sid``; a field (or a part of a
    nested one) hashing like them would be confused with them (found by meet in the middle)."""
    part = field.rpartition(".")[2]
    assert fnv1a32(part) == fnv1a32(engine_own)
    text = RULE.replace("field: age", f"field: {field}")
    assert backend_problems(text) == [
        f"rules/t/x.yaml:1: error: field names '{min(part, engine_own)}' and "
        f"'{max(part, engine_own)}' look the same to the engine (32-bit name hash); rename one "
        "[hash-collision]"
    ]


def test_a_fact_with_more_fields_than_the_engine_holds_is_refused_and_one_fewer_is_not():
    def with_fields(n: int) -> str:
        tests = "".join(f"        - {{field: f{i}, exists: true}}\n" for i in range(n))
        return RULE.replace("        - {field: age, gte: 18}\n", tests)

    assert backend_problems(with_fields(247)) == []
    assert backend_problems(with_fields(248)) == [
        "rules/t/x.yaml:1: error: rules look at 248 fields of fact 'app'; the engine holds at "
        "most 247 [too-many-fields]"
    ]


def test_a_join_beside_too_many_alternatives_is_refused_with_their_number():
    alternatives = "".join(f"              - {{field: c{i}, equals: {i}}}\n" for i in range(6))
    text = f"""
title: {{zh: 测试, en: Test}}
rules:
  - id: t.a.wide
    kind: violation
    message: {{zh: 一, en: one}}
    when:
      all:
        - {{fact: app, as: app, where: [{{field: code, exists: true}}]}}
        - fact: licence
          where:
            - {{field: code, equals: {{ref: app.code}}}}
            - any:
{alternatives}            - any:
{alternatives}"""
    [problem] = backend_problems(text)
    assert problem.endswith(
        "rule 't.a.wide' compares fields of two facts beside 36 alternative tests; the engine "
        "takes at most 32: split it [too-complex]"
    )


def said(text: str) -> list[str]:
    """The problems as ``govflow rules check`` prints them to the policy officer."""
    with pytest.raises(RuleFileError) as info:
        compile_yaml(text)
    return [str(p) for p in info.value.problems]


def test_what_the_policy_officer_reads_for_a_type_conflict_and_an_unknown_param():
    twice = RULE.replace(
        "{field: age, gte: 18}", "{field: age, gte: 18}\n        - {field: age, equals: true}"
    )
    assert said(twice) == [
        "rules/t/x.yaml:11: error: field 'age' of fact 'app' is used as boolean here but as "
        "number on line 10; a field has one type [type-conflict]"
    ]
    assert said(PARAM_RULE % ("{param: limit}", "{param: formats}")) == [
        "rules/t/x.yaml:12: error: the rule has no param 'limit' (it has: formats, max_bytes) "
        "[unknown-param]"
    ]
    assert said(RULE.replace("gte: 18", "gte: {param: limit}")) == [
        "rules/t/x.yaml:10: error: the rule has no param 'limit' (it has: none) [unknown-param]"
    ]


@pytest.mark.parametrize(
    ("tests", "field_type"),
    [
        ("{field: age, exists: true}\n        - {field: age, gte: 18}", "number"),
        ("{field: age, gte: 18}\n        - {field: age, exists: true}", "number"),
        ('{field: age, matches: "2.*"}\n        - {field: age, gte: "2025-01-01"}', "date"),
        ('{field: age, gte: "2025-01-01"}\n        - {field: age, matches: "2.*"}', "date"),
    ],
)
def test_a_field_tested_for_presence_or_as_text_and_date_has_one_type(tests, field_type):
    """``exists`` says nothing of the type, and a date is text too: no conflict, and the fact
    carries the field as the stricter type."""
    ruleset = compile_yaml(RULE.replace("{field: age, gte: 18}", tests))
    assert ruleset.shape["app"]["age"] == field_type
    value = 20 if field_type == "number" else "2026-01-01"
    assert fired(ruleset, [{"kind": "app", "age": value}]) == {"t.a.one"}


def test_a_schema_error_says_what_is_wrong_where_it_is_wrong():
    """The deepest, plainest of the validator's reasons, and the rule's own words for a
    requirement named on a rule that is not a requirement."""
    assert said(RULE.replace("      fact: app\n", "      fact: App\n")) == [
        "rules/t/x.yaml:8: error: /rules/0/when/fact: 'App' does not match "
        "'^[a-z][a-z0-9_]*$' [schema]"
    ]
    assert said(RULE.replace("{field: age, gte: 18}", "{field: age, in: []}")) == [
        "rules/t/x.yaml:10: error: /rules/0/when/where/0/in: [] should be non-empty [schema]"
    ]
    assert said(RULE.replace("kind: violation", "kind: notice\n    requirement: t_req")) == [
        "rules/t/x.yaml:4: error: /rules/0: 'requirement' is not allowed here (only rules of "
        "kind 'requirement' name one) [schema]"
    ]


def test_a_param_of_the_wrong_shape_is_named_and_a_used_param_may_equal_another_literal():
    assert said(PARAM_RULE % ("{param: formats}", "{param: formats}")) == [
        "rules/t/x.yaml:12: error: 'gt' needs a number or a date; param 'formats' is "
        "['jpg', 'png'] [param-type]"
    ]
    # The size is tested through the param; another field tested against the same number is
    # an ordinary test of that field, not a forgotten param.
    text = PARAM_RULE % ("{param: max_bytes}", "{param: formats}")
    text = text.replace(
        "          - {field: format, not_in: {param: formats}}\n",
        "          - {field: format, not_in: {param: formats}}\n"
        "          - {field: pages, gt: 1048576}\n",
    )
    ruleset = compile_yaml(text)
    assert fired(ruleset, [{"kind": "file", "size": 1, "format": "png", "pages": 1048577}]) == {
        "t.a.size"
    }
