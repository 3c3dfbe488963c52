"""Each lever of issue #13 measured before and after, in process, on the real dry run.

The served comparison (``peer_load``) says how far govflow is from the services a user would
write; this says what each change to the request path bought. Every lever is timed as two
callables doing the same work the old way and the new way, on the same inputs, alternated
over several repeats (the median repeat is reported, so another process on the machine
colours both alike):

- the access line: ``logging.StreamHandler`` formatting with ``json`` and writing a line per
  record, against ``BackgroundHandler`` (queued; a thread formats with orjson and writes many
  lines at once). Both the caller's time and the whole process's CPU per line.
- the answer and the body as JSON: ``json`` against ``kernel.jsontext`` (orjson).
- Prometheus: prometheus-client's metrics with ``labels()`` per count, against the kernel's
  tally (plain numbers, handed to Prometheus at scrape time).
- the route pattern: read three times (two middlewares, one of them twice), against once.
- the outcome dicts: built per answer, against built once per loaded rule and copied.
- identifier answers: a decision where every check runs each time it is asked, against one
  where each value is checked once (``identifiers.one_decision``); with the number of checks.

Run: ``python -m benchmarks.edge_levers [--quick]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import json
import logging
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import make_mocked_request
from prometheus_client import CollectorRegistry, Counter, Histogram

from kernel import core, jsontext, logs
from kernel.api.http import _strict_json, strict_loads
from kernel.config import Config
from kernel.core import Kernel
from kernel.decision import Outcome
from kernel.metrics import route_pattern

from .common import Report, Table, cli
from .decision_inputs import SUBMISSIONS
from .http_load import dry_run_body

Work = Callable[[], object]


def alternated(before: Work, after: Work, runs: int, repeats: int) -> tuple[float, float]:
    """Median µs per call of each, over ``repeats`` alternated batches of ``runs`` calls."""
    taken: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(repeats):
        for name, work in (("before", before), ("after", after)):
            started = time.perf_counter()
            for _ in range(runs):
                work()
            taken[name].append((time.perf_counter() - started) / runs * 1e6)
    return statistics.median(taken["before"]), statistics.median(taken["after"])


def _row(lever: str, before: float, after: float, note: str = "") -> list[Any]:
    return [lever, round(before, 2), round(after, 2), round(before - after, 2), note]


# -- the access line ----------------------------------------------------------------------------


class _StdlibJsonFormatter(logs.JsonFormatter):
    """The formatter as it was: the same fields, written by ``json``."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.fields(record), ensure_ascii=False, default=str)


def _access_line(logger: logging.Logger) -> Work:
    extra = {"method": "POST", "route": "/api/processes/{process}/validate", "status": 200}

    def line() -> None:
        logger.info("%s %s %s", "POST", extra["route"], 200, extra={**extra, "ms": 0.4})

    return line


def access_lines(runs: int, repeats: int) -> list[list[Any]]:
    """Caller µs per line, and process CPU µs per line (all threads), each way, to a file."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        caller, cpu = {}, {}
        for name in ("before", "after"):
            stream = open(Path(tmp) / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115
            if name == "before":
                handler: logging.Handler = logging.StreamHandler(stream)
                handler.setFormatter(_StdlibJsonFormatter())
            else:
                handler = logs.BackgroundHandler(stream)
            logger = logging.getLogger(f"bench.access.{name}")
            logger.propagate, logger.level = False, logging.INFO
            logger.addHandler(handler)
            line, caller_us, cpu_us = _access_line(logger), [], []
            for _ in range(repeats):
                cpu_started, started = time.process_time(), time.perf_counter()
                for _ in range(runs):
                    line()
                caller_us.append((time.perf_counter() - started) / runs * 1e6)
                handler.flush()
                cpu_us.append((time.process_time() - cpu_started) / runs * 1e6)
            handler.close()
            stream.close()
            caller[name], cpu[name] = statistics.median(caller_us), statistics.median(cpu_us)
        rows.append(_row("access line: event loop's time", caller["before"], caller["after"]))
        rows.append(
            _row(
                "access line: CPU of the process",
                cpu["before"],
                cpu["after"],
                "the writer thread's formatting included",
            )
        )
    return rows


# -- JSON ---------------------------------------------------------------------------------------


def json_levers(kernel: Kernel, runs: int, repeats: int) -> list[list[Any]]:
    body = dry_run_body()
    decision = kernel.validate("codeassign", body["document"], context=body["context"])
    answer = decision.as_dict()
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    old_dumps, new_dumps = alternated(
        lambda: json.dumps(answer, ensure_ascii=False, default=str).encode("utf-8"),
        lambda: jsontext.dumps(answer),
        runs,
        repeats,
    )
    old_loads, new_loads = alternated(
        lambda: _strict_json(raw.decode("utf-8")), lambda: strict_loads(raw), runs, repeats
    )
    size = len(jsontext.dumps(answer))
    return [
        _row("answer as JSON (the dry run's decision)", old_dumps, new_dumps, f"{size:,} bytes"),
        _row("body read from JSON (depth checked)", old_loads, new_loads, f"{len(raw):,} bytes"),
    ]


# -- Prometheus, route, outcome dicts -----------------------------------------------------------


def metrics_lever(kernel: Kernel, runs: int, repeats: int) -> list[Any]:
    """What one served dry run counts: the request, its time, the decision and its outcomes;
    before, with prometheus-client's ``Counter``/``Histogram`` and ``labels()`` per count."""
    body = dry_run_body()
    decision = kernel.validate("codeassign", body["document"], context=body["context"])
    metrics, route = kernel.metrics, "/api/processes/{process}/validate"
    registry = CollectorRegistry()
    requests = Counter("requests", "", ["method", "route", "status"], registry=registry)
    latency = Histogram("latency", "", ["method", "route"], registry=registry)
    decisions = Counter("decisions", "", ["process", "outcome"], registry=registry)
    outcomes = Counter("outcomes", "", ["process", "kind"], registry=registry)

    def before() -> None:
        requests.labels("POST", route, "200").inc()
        latency.labels("POST", route).observe(0.0004)
        decisions.labels("codeassign", "blocked").inc()
        for outcome in decision.outcomes:
            outcomes.labels("codeassign", outcome.kind).inc()

    def after() -> None:
        metrics.request("POST", route, 200, 0.0004)
        metrics.decision("codeassign", decision)

    note = f"{len(decision.outcomes)} outcomes"
    return _row("Prometheus: one dry run's counts", *alternated(before, after, runs, repeats), note)


def route_lever(kernel: Kernel, runs: int, repeats: int) -> list[Any]:
    from kernel.app import create_app

    app = create_app(Config.from_env())
    request = make_mocked_request("POST", "/api/processes/codeassign/validate", app=app)
    match = asyncio.run(app.router.resolve(request))
    request._match_info = match  # what aiohttp sets before the middlewares run

    def three() -> None:
        route_pattern(request), route_pattern(request), route_pattern(request)

    before, after = alternated(three, lambda: route_pattern(request), runs, repeats)
    return _row("route pattern read", before, after, "3 times before, once after")


def outcome_dicts_lever(kernel: Kernel, runs: int, repeats: int) -> list[Any]:
    body = dry_run_body()
    outcomes = kernel.validate("codeassign", body["document"], context=body["context"]).outcomes
    build = Outcome._dict.func  # type: ignore[attr-defined]  # the dict made afresh

    before, after = alternated(
        lambda: [build(o) for o in outcomes], lambda: [o.as_dict() for o in outcomes], runs, repeats
    )
    return _row("outcome dicts of one answer", before, after, f"{len(outcomes)} outcomes")


# -- identifier answers -------------------------------------------------------------------------

#: Where the identifier checks live: their calls are counted in a profile of one decision.
_CHECK_FILES = ("identifiers/contact.py", "identifiers/documents.py", "identifiers/network.py")


def _checks_per_decision(decide: Work) -> int:
    profile = cProfile.Profile()
    profile.runcall(decide)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(
        calls
        for (file, _, name), (calls, *_rest) in stats.items()
        if file.endswith(_CHECK_FILES) and name.startswith("validate_")
    )


def identifier_levers(kernel: Kernel, runs: int, repeats: int) -> list[list[Any]]:
    rows = []
    for label in ("codeassign", "websites"):
        sub = next(s for s in SUBMISSIONS if s.process == label and "refused" not in s.label)

        def decide(sub=sub) -> object:
            return kernel.validate(sub.process, sub.document, **sub.kwargs())

        with _every_check_afresh():
            asked = _checks_per_decision(decide)
        checked = _checks_per_decision(decide)

        def before(decide=decide) -> None:
            with _every_check_afresh():
                decide()

        old, new = alternated(before, decide, max(1, runs // 20), repeats)
        rows.append(
            _row(
                f"{sub.label}: the whole decision",
                old,
                new,
                f"identifier checks: {asked} before, {checked} after",
            )
        )
    return rows


@contextlib.contextmanager
def _every_check_afresh():
    """The kernel as it was: no answers kept within a decision."""
    kept = core.one_decision
    core.one_decision = contextlib.nullcontext
    try:
        yield
    finally:
        core.one_decision = kept


def run(quick: bool) -> Report:
    runs, repeats = (2_000, 3) if quick else (20_000, 7)
    logging.getLogger("kernel").setLevel(logging.WARNING)
    kernel = Kernel.build(Config.from_env())
    with contextlib.redirect_stderr(io.StringIO()):
        rows = [
            *access_lines(runs, repeats),
            *json_levers(kernel, runs, repeats),
            metrics_lever(kernel, runs, repeats),
            route_lever(kernel, runs, repeats),
            outcome_dicts_lever(kernel, runs, repeats),
            *identifier_levers(kernel, runs, repeats),
        ]
    kernel.close()
    table = Table(
        "The levers of the request path, before and after (µs per call, median of alternated "
        "repeats)",
        ["lever", "before µs", "after µs", "saved µs", "note"],
        rows,
        note=(
            f"{repeats} repeats of {runs:,} calls each way (whole decisions: {runs // 20:,}). "
            "'before' is the old code path run on the same inputs: stdlib logging and `json`, "
            "prometheus-client's `labels()` per count, three route reads, outcome dicts built "
            "per answer, and a decision with `identifiers.one_decision` switched off."
        ),
    )
    return Report(
        name="edge_levers",
        command="python -m benchmarks.edge_levers",
        tables=[table],
        raw={"rows": rows, "runs": runs, "repeats": repeats},
    )


if __name__ == "__main__":
    cli(run)
