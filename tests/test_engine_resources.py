"""The engine's C core stays within its limits however long the service runs."""

from __future__ import annotations

import datetime as dt
import resource

from kernel.rules.book import RuleBook, RuleSource
from kernel.rules.compiler import compile_text
from kernel.rules.durable_backend import MAX_GROUPS, Engine, check
from kernel.rules.facts import project

RULES = """
title: {zh: 测试, en: Test}
rules:
  - id: t.a.one
    kind: violation
    message: {zh: 一, en: one}
    when:
      all:
        - {fact: app, as: app, where: [{field: code, exists: true}]}
        - none: {fact: licence, where: [{field: code, equals: {ref: app.code}}]}
"""


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def test_far_more_evaluations_than_the_engines_1024_live_sessions():
    ruleset = compile_text(RULES, path="x.yaml", process="t", name="t.x")
    engine = Engine()
    try:
        compiled = engine.load(ruleset)
        fires = project(ruleset, [{"kind": "app", "code": "A"}])
        silent = project(ruleset, [{"kind": "app", "code": "A"}, {"kind": "licence", "code": "A"}])
        for _ in range(1500):
            assert compiled.evaluate(fires) == {"t.a.one"}
            assert compiled.evaluate(silent) == set()
        baseline = rss_mb()
        for _ in range(20_000):
            compiled.evaluate(fires)
        assert rss_mb() - baseline < 5, "memory grows with evaluations"
    finally:
        engine.close()


def test_reloads_free_the_replaced_engine_rulesets(tmp_path):
    folder = tmp_path / "rules" / "t"
    folder.mkdir(parents=True)
    book = RuleBook([RuleSource("t", folder)])
    try:
        for n in range(60):
            (folder / "x.yaml").write_text(
                RULES.replace("message: {zh: 一", f"message: {{zh: 第{n}版")
            )
            report = book.refresh()
            assert report.loaded == ["t.x"] and not report.problems
        assert book.get("t.x").version == 60
        assert book.engine.held() == 1  # only the version in force is held
    finally:
        book.close()


def _grouped_rule(groups: int) -> str:
    """A rule whose one fact is tested by ``groups`` separate "any of two" groups."""
    tests = "\n".join(
        f"            - any: [{{field: f{i}, equals: a}}, {{field: g{i}, equals: b}}]"
        for i in range(groups)
    )
    return f"""
title: {{zh: 测试, en: Test}}
rules:
  - id: t.wide.rule
    kind: violation
    message: {{zh: 宽, en: wide}}
    when:
      all:
        - fact: app
          where:
{tests}
"""


def test_a_condition_as_wide_as_the_engine_holds_is_evaluated_correctly():
    ruleset = compile_text(_grouped_rule(MAX_GROUPS), path="w.yaml", process="t", name="t.w")
    assert check(ruleset) == []
    engine = Engine()
    try:
        compiled = engine.load(ruleset)
        every = {"kind": "app", **{f"f{i}": "a" for i in range(MAX_GROUPS)}}
        assert compiled.evaluate(project(ruleset, [every])) == {"t.wide.rule"}
        every["f3"] = "z"
        assert compiled.evaluate(project(ruleset, [every])) == set()
    finally:
        engine.close()


def test_a_condition_wider_than_the_engine_holds_is_refused_with_its_line():
    ruleset = compile_text(_grouped_rule(MAX_GROUPS + 1), path="w.yaml", process="t", name="t.w")
    (problem,) = check(ruleset)
    assert (problem.code, problem.path, problem.line) == ("too-complex", "w.yaml", 4)
    assert "t.wide.rule" in problem.message


def test_a_too_complex_rule_in_a_file_whose_name_holds_a_colon_is_shown_at_its_line(tmp_path):
    """The problem names the file as staff see it and the rule's line: only the last colon of
    the rule's ``path:line`` separates them (``rules/t/2026:q1.yaml`` is a valid file name)."""
    folder = tmp_path / "rules" / "t"
    folder.mkdir(parents=True)
    (folder / "2026:q1.yaml").write_text(_grouped_rule(MAX_GROUPS + 1), "utf-8")
    book = RuleBook([RuleSource("t", folder)])
    try:
        report = book.refresh()
        assert report.loaded == []
        (problem,) = report.problems
        assert (problem.code, problem.path, problem.line) == (
            "too-complex",
            "rules/t/2026:q1.yaml",
            4,
        )
        assert "t.wide.rule" in problem.message
    finally:
        book.close()


def _many_rules(count: int) -> str:
    """``count`` rules, rule ``i`` firing for an item whose ``n`` is ``i``."""
    rules = "\n".join(
        f"  - id: t.many.r{i}\n    kind: notice\n    message: {{zh: 第{i}条, en: rule {i}}}\n"
        f"    when: {{fact: item, where: [{{field: n, equals: {i}}}]}}"
        for i in range(count)
    )
    return f"title: {{zh: 测试, en: Test}}\nrules:\n{rules}\n"


def test_a_rule_file_of_a_thousand_rules_loads_and_every_rule_can_fire(tmp_path):
    """The C core holds 257 rules per ruleset (error 108); larger files are split, not refused."""
    folder = tmp_path / "rules" / "t"
    folder.mkdir(parents=True)
    (folder / "many.yaml").write_text(_many_rules(1000), "utf-8")
    book = RuleBook([RuleSource("t", folder)])
    try:
        report = book.refresh()
        assert report.loaded == ["t.many"] and not report.problems
        loaded = book.get("t.many")
        for picks in ([0], [199, 200], [256, 257, 999], [5, 401, 602, 803]):
            facts = project(loaded.ruleset, [{"kind": "item", "n": n} for n in picks])
            assert loaded.compiled.evaluate(facts) == {f"t.many.r{n}" for n in picks}
        assert loaded.compiled.evaluate(project(loaded.ruleset, [{"kind": "item", "n": -1}])) == (
            set()
        )
    finally:
        book.close()
    assert book.engine.held() == 0  # every part freed


def test_a_fact_passing_more_tests_than_the_engine_can_follow_is_still_decided(tmp_path):
    """65 ``gt`` tests passed at once overflow the C core's stack (error 303); no 500 for it."""
    rules = "\n".join(
        f"  - id: t.steps.s{i}\n    kind: notice\n    message: {{zh: 第{i}级, en: step {i}}}\n"
        f"    when: {{fact: item, where: [{{field: n, gt: {i}}}]}}"
        for i in range(80)
    )
    folder = tmp_path / "rules" / "t"
    folder.mkdir(parents=True)
    (folder / "steps.yaml").write_text(f"title: {{zh: 测试, en: Test}}\nrules:\n{rules}\n")
    book = RuleBook([RuleSource("t", folder)])
    try:
        assert book.refresh().loaded == ["t.steps"]
        decision = book.evaluate(["t.steps"], [{"kind": "item", "n": 1000}], dt.date(2026, 1, 1))
        assert decision.rule_ids() == {f"t.steps.s{i}" for i in range(80)}
        few = book.evaluate(["t.steps"], [{"kind": "item", "n": 3}], dt.date(2026, 1, 1))
        assert few.rule_ids() == {"t.steps.s0", "t.steps.s1", "t.steps.s2"}
    finally:
        book.close()


def test_closing_the_engine_frees_every_ruleset_it_holds():
    """A tool that loads rules (``govflow rules test``, a reload's candidate) and closes its
    engine leaves nothing registered in the C core."""
    engine = Engine()
    ruleset = compile_text(RULES, path="x.yaml", process="t", name="t.x")
    engine.load(ruleset), engine.load(ruleset)
    assert engine.held() == 2
    engine.close()
    assert engine.held() == 0


def _nested_rule(groups: int) -> str:
    """``groups`` "any of" groups, each holding an "all of" group: two nested groups each."""
    tests = "\n".join(
        f"            - any: [{{all: [{{field: f{i}, equals: a}}, {{field: h{i}, equals: c}}]}},"
        f" {{field: g{i}, equals: b}}]"
        for i in range(groups)
    )
    return _grouped_rule(0).rstrip("\n").removesuffix("where:") + "where:\n" + tests + "\n"


def test_groups_nested_in_groups_count_towards_what_the_engine_holds():
    """Seven "any" groups each holding an "all" group are 14 groups: held and decided; eight
    are 16, refused by the check rather than failing when the engine registers them."""
    held = compile_text(_nested_rule(7), path="w.yaml", process="t", name="t.w")
    assert check(held) == []
    engine = Engine()
    try:
        compiled = engine.load(held)
        every = {
            "kind": "app",
            **{f"f{i}": "a" for i in range(7)},
            **{f"h{i}": "c" for i in range(7)},
        }
        assert compiled.evaluate(project(held, [every])) == {"t.wide.rule"}
        every["h3"] = "z"
        assert compiled.evaluate(project(held, [every])) == set()
    finally:
        engine.close()
    wider = compile_text(_nested_rule(8), path="w.yaml", process="t", name="t.w")
    (problem,) = check(wider)
    assert (problem.code, problem.path, problem.line) == ("too-complex", "w.yaml", 4)
    assert problem.message == (
        "rule 't.wide.rule' combines 16 nested all/any/not_in groups on one fact; the engine "
        "holds at most 14: split the rule or flatten its conditions"
    )
