"""Where the time of one decision goes: every stage timed on its own, and cProfile as a check.

``staged_validate`` and ``staged_evaluate`` do what ``Kernel.validate`` and ``RuleBook.evaluate``
do (``CompiledRuleSet.evaluate`` written out inline), reading a clock between stages; the caller
checks that they decide as the real ones do. The clock costs ~0.1 µs per reading, so the staged
total is a little above a plain decision. ``profiled_shares`` runs the real code under cProfile
and groups its functions into coarser stages: a second opinion with the profiler's own bias
(it inflates Python calls, not C ones).
"""

from __future__ import annotations

import cProfile
import datetime as dt
import json
import pstats
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import durable_rules_engine

from kernel import clock, jsontext
from kernel.core import Kernel
from kernel.decision import Decision
from kernel.identifiers import one_decision
from kernel.rules import durable_backend
from kernel.rules.book import RuleBook
from kernel.rules.facts import project

#: Stage key -> what it covers, in the order a decision runs through them.
STAGES = {
    "lookups": "process, workflow, transition and schema id lookups",
    "normalise": "identifiers in canonical form (`SchemaRegistry.normalise`): each checked once",
    "schema": "JSON Schema validation (`SchemaRegistry.validate`), identifiers answered already",
    "facts": "fact building by the plugins (`govflow_facts` hook)",
    "projection": "`facts.project`: facts cut to the fields the rules test, typed",
    "encode": "Python: every fact and the trigger as JSON (orjson), lock, session id",
    "c_session": "C: first `assert_fact` of each session (session state allocated, 1st fact)",
    "c_facts": "C: `assert_fact` of the other facts (JSON parse, alpha and beta matching)",
    "c_trigger": "C: `assert_fact` of the trigger (joins complete, actions queued)",
    "c_actions": "C: `start_action_for_state` / `complete_and_start_action` per fired rule",
    "py_actions": "Python: rule name read off each action message",
    "c_delete": "C: `delete_state` (the session freed)",
    "in_force": "dates in force (`Loaded.fired`)",
    "decision": "decision object (outcomes picked, `RulesetUsed`, `Decision`)",
    "metrics": "Prometheus counters (`Metrics.decision`)",
}
ENGINE_C = ("c_session", "c_facts", "c_trigger", "c_actions", "c_delete")


class Laps:
    """Nanoseconds spent per stage, summed over many decisions."""

    def __init__(self) -> None:
        self.ns = dict.fromkeys(STAGES, 0)
        self.last = 0

    def start(self) -> None:
        self.last = time.perf_counter_ns()

    def lap(self, stage: str) -> None:
        now = time.perf_counter_ns()
        self.ns[stage] += now - self.last
        self.last = now


def _staged_engine(compiled: durable_backend.CompiledRuleSet, facts: list, laps: Laps) -> set:
    """``CompiledRuleSet.evaluate`` and ``_evaluate_part``, with a lap after each C call kind."""
    engine, hits, rule_of = compiled._engine, set(), compiled._rule_of
    assert_fact = durable_rules_engine.assert_fact
    with engine._lock:
        sid = f"e{next(engine._sids)}"
        messages = [
            jsontext.dumps_text({**fact, "sid": sid, "id": n}) for n, fact in enumerate(facts)
        ]
        trigger = jsontext.dumps_text({**durable_backend.TRIGGER, "sid": sid, "id": "trg"})
        laps.lap("encode")
        for handle in compiled._handles:
            if messages:
                assert_fact(handle, messages[0])
            laps.lap("c_session")
            for message in messages[1:]:
                assert_fact(handle, message)
            laps.lap("c_facts")
            _, state = assert_fact(handle, trigger)
            laps.lap("c_trigger")
            started = durable_rules_engine.start_action_for_state(handle, state)
            laps.lap("c_actions")
            action = started[1] if started else None
            while action:
                hits.add(rule_of[durable_backend._action_name(action)])
                laps.lap("py_actions")
                action = durable_rules_engine.complete_and_start_action(handle, state)
                laps.lap("c_actions")
            durable_rules_engine.delete_state(handle, sid)
            laps.lap("c_delete")
    hits.discard(None)
    laps.lap("py_actions")
    return hits


def staged_evaluate(
    book: RuleBook,
    names: Iterable[str],
    facts: Sequence[Mapping[str, Any]],
    as_of: dt.date,
    laps: Laps,
) -> Decision:
    """``RuleBook.evaluate`` with ``Loaded.fired`` inlined; ``laps`` must be started."""
    used, outcomes = [], []
    for name in names:
        loaded = book.get(name)
        projected = project(loaded.ruleset, facts)
        laps.lap("projection")
        hits = _staged_engine(loaded.compiled, projected, laps)
        fired = {r.id for r in loaded.ruleset.rules if r.id in hits and r.in_force(as_of)}
        laps.lap("in_force")
        used.append(loaded.used)
        outcomes += [o for rule_id, o in loaded.outcomes.items() if rule_id in fired]
        laps.lap("decision")
    decision = Decision(as_of, tuple(used), tuple(outcomes))
    laps.lap("decision")
    return decision


def staged_validate(
    kernel: Kernel,
    process: str,
    document: Mapping[str, Any],
    laps: Laps,
    *,
    workflow: str | None = None,
    matter: str | None = None,
    transition: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> Decision:
    """``Kernel.validate`` for a document its schema accepts, one lap per stage."""
    laps.start()
    proc = kernel.process(process)
    wf = kernel._workflow(proc, workflow, matter)
    step = kernel._transition(wf, transition)
    schema_id = proc.schema_for(wf.name, matter)
    uri = kernel.schemas.resolve_id(schema_id, process) if schema_id else None
    as_of = clock.today()
    laps.lap("lookups")
    with one_decision():
        if uri is not None:
            document = kernel.schemas.normalise(uri, document)
            laps.lap("normalise")
            valid = not kernel.schemas.validate(uri, document)
            assert valid, "stages are timed on valid documents"
        laps.lap("schema")
        ctx = {"transition": step.name, **(context or {})}
        facts = kernel.facts(process, wf.name, matter, document, ctx)
        laps.lap("facts")
        decision = staged_evaluate(kernel.rules, step.rulesets, facts, as_of, laps)
    kernel.metrics.decision(process, decision)
    laps.lap("metrics")
    return decision


def session_probe_us(compiled: durable_backend.CompiledRuleSet, runs: int) -> float:
    """Median µs of opening a session with a fact no rule reads, per C ruleset.

    What the first ``assert_fact`` of an evaluation costs beyond its fact: the engine allocates
    the session's per-rule state then (``shared/notes/durable-rules.md`` §5). Each probe session
    is closed as the back end closes its own: trigger, ``_end``'s action, ``delete_state``.
    """
    engine, samples = compiled._engine, []
    with engine._lock:
        for n in range(runs):
            for handle in compiled._handles:
                sid = f"probe{next(engine._sids)}"
                start = time.perf_counter_ns()
                durable_rules_engine.assert_fact(
                    handle, json.dumps({"kind": "$probe", "sid": sid, "id": n})
                )
                samples.append((time.perf_counter_ns() - start) / 1000)
                trigger = json.dumps({**durable_backend.TRIGGER, "sid": sid, "id": "trg"})
                _, state = durable_rules_engine.assert_fact(handle, trigger)
                started = durable_rules_engine.start_action_for_state(handle, state)
                action = started[1] if started else None
                while action:
                    action = durable_rules_engine.complete_and_start_action(handle, state)
                durable_rules_engine.delete_state(handle, sid)
    return round(sorted(samples)[len(samples) // 2], 1)


def stage_us(run_once: Callable[[Laps], object], runs: int) -> dict[str, float]:
    """Mean µs per decision in each stage over ``runs`` staged decisions (after a warm-up)."""
    for _ in range(max(3, runs // 10)):
        run_once(Laps())
    laps = Laps()
    for _ in range(runs):
        run_once(laps)
    return {stage: ns / runs / 1000 for stage, ns in laps.ns.items()}


#: Coarse stages of the cProfile view (how each is read off the profile: ``profiled_shares``).
PROFILE_GROUPS = ("schema", "facts", "projection", "encode", "engine C", "metrics", "other Python")


def profiled_shares(fn: Callable[[], object], runs: int) -> dict[str, float]:
    """Percent of cProfile's total per coarse stage, over ``runs`` calls of the real ``fn``.

    schema, facts, projection and metrics: the cumulative time of ``SchemaRegistry.validate``,
    ``Kernel.facts``, ``facts.project`` and ``Metrics.decision``; encode:
    ``jsontext.dumps_text`` called from ``durable_backend``; engine C: every
    ``durable_rules_engine`` call; other Python: the rest (rule book, engine glue, action
    names, decision object, lookups).
    """
    profile = cProfile.Profile()
    profile.runcall(lambda: [fn() for _ in range(runs)])
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    found = dict.fromkeys(PROFILE_GROUPS, 0.0)
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (file, _, name), (_, _, tottime, cumtime, callers) in entries:
        if file.endswith("kernel/schemas.py") and name == "validate":
            found["schema"] += cumtime
        elif file.endswith("kernel/core.py") and name == "facts":
            found["facts"] += cumtime
        elif file.endswith("kernel/rules/facts.py") and name == "project":
            found["projection"] += cumtime
        elif file.endswith("kernel/metrics.py") and name == "decision":
            found["metrics"] += cumtime
        elif "durable_rules_engine." in name:
            found["engine C"] += tottime
        elif name == "dumps_text" and file.endswith("kernel/jsontext.py"):
            found["encode"] += sum(
                c[3] for caller, c in callers.items() if caller[0].endswith("durable_backend.py")
            )
    found["other Python"] = max(0.0, total - sum(found.values()))
    return {group: 100 * seconds / total for group, seconds in found.items()}
