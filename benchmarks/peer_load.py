"""govflow beside the services a user would write by hand instead (issue #13 point 1).

Four servers, each a process of its own pinned to core 0 (wrk pinned to core 1):

- **govflow**: ``govflow serve``, one worker, as in production: the default log level INFO
  (its JSON access line per request), Prometheus metrics and request ids on.
- **hand-written**: ``benchmarks.peer_handwritten``, aiohttp + jsonschema-rs + ``if``s.
- **zen**: ``benchmarks.peer_zen``, the same with the rules as GoRules zen-engine decisions.
- **bare**: ``benchmarks.bare_server``, aiohttp parsing the body and answering a fixed JSON
  body as large as govflow's mean answer: the floor of any aiohttp service.

First every dry run of ``benchmarks.peer_bodies`` (25 codeassign, 18 websites submissions) is
posted to govflow and to both peers and their answers are compared (as_of, ok, rulesets, and
each outcome's rule, kind, fields, messages, requirement, params, basis and source, in order);
any difference stops the benchmark, printed, before anything is timed. Then interleaved rounds:
in each, every server at 1, 16 and 64 connections for each process, wrk sending that
process's dry runs round-robin (``wrk/bodies.lua``); the order of servers and connection
counts rotates from round to round, so a slow spell of the shared machine does not fall on
one server. Ratios are of the mean of the rounds.

Run: ``python -m benchmarks.peer_load [--quick]``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .common import HERE, Report, Table, Target, child_server, machine, ratio, served
from .http_load import _figures
from .peer_bodies import CODEASSIGN, WEBSITES, Body, bodies
from .peer_common import answer_differences

CONNECTIONS = (1, 16, 64)
SERVERS = ("bare", "govflow", "hand-written", "zen")
PEERS = {"hand-written": "benchmarks.peer_handwritten", "zen": "benchmarks.peer_zen"}
PROCESSES = {CODEASSIGN: "codeassign", WEBSITES: "websites"}
#: The targets of the issue, at these connection counts.
TARGET_CONNECTIONS = (16, 64)
WRK = HERE / "wrk"


def cores() -> tuple[set[int] | None, list[str]]:
    """Servers on core 0 and wrk on core 1, if this machine has two cores to give."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, []
    return {available[0]}, ["taskset", "-c", str(available[1])]


# -- the servers ---------------------------------------------------------------------------------


@contextlib.contextmanager
def python_server(args: list[str], cpus: set[int] | None) -> Iterator[str]:
    """``python args`` (``{port}`` in them) pinned to ``cpus``; its base URL."""
    with (
        tempfile.TemporaryFile() as log,
        child_server([sys.executable, *args], dict(os.environ), log, cpus) as base,
    ):
        yield base


def start_servers(stack: contextlib.ExitStack, cpus: set[int] | None) -> dict[str, dict]:
    """govflow and both peers, pinned to ``cpus``: for each, the URL of each process's dry run."""
    base, _ = stack.enter_context(served({"GOVFLOW_LOG_LEVEL": "INFO"}, demo=False, cpus=cpus))
    urls = {"govflow": {path: base + path for path in PROCESSES}}
    for name, module in PEERS.items():
        peer = stack.enter_context(python_server(["-m", module, "--port", "{port}"], cpus))
        urls[name] = {path: peer + path for path in PROCESSES}
    return urls


def start_bare(
    stack: contextlib.ExitStack, sizes: dict[str, int], cpus: set[int] | None
) -> dict[str, str]:
    """One bare server per process, answering as many bytes as govflow does on average."""
    urls = {}
    for path, size in sizes.items():
        args = ["-m", "benchmarks.bare_server", "--port", "{port}", "--size", str(size)]
        urls[path] = stack.enter_context(python_server(args, cpus)) + path
    return urls


def post(url: str, body: Body) -> tuple[int, dict[str, Any], int]:
    """Status, JSON answer and its size in bytes."""
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw), len(raw)
    except urllib.error.HTTPError as refused:  # its status is compared, not raised
        raw = refused.read()
        return refused.code, json.loads(raw or b"{}"), len(raw)


# -- the same answers first ----------------------------------------------------------------------


def check_equal(urls: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Every dry run to govflow and both peers; the differences (empty when all agree), the
    count of bodies and govflow's mean answer size per process."""
    found: list[str] = []
    checked: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for path, labelled in bodies().items():
        total = 0
        for label, body in labelled:
            status, expected, size = post(urls["govflow"][path], body)
            total += size
            if status != 200:
                found.append(f"{label}: govflow answered {status}")
            for peer in PEERS:
                peer_status, answer, _ = post(urls[peer][path], body)
                if peer_status != status:
                    found.append(f"{label}: {peer} answered {peer_status}, govflow {status}")
                found += [f"{label}: {peer}: {d}" for d in answer_differences(expected, answer)]
        checked[PROCESSES[path]] = len(labelled)
        sizes[path] = round(total / len(labelled))
    return {"differences": found, "bodies": checked, "sizes": sizes}


# -- wrk -------------------------------------------------------------------------------------------


def wrk(pin: list[str], url: str, bodies_file: Path, connections: int, seconds: int) -> dict:
    """One wrk run of the dry runs in ``bodies_file`` (one thread: it has one core)."""
    command = [
        *pin,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK / "bodies.lua"),
        url,
        "--",
        str(bodies_file),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return _figures(json.loads(line.removeprefix("WRK_JSON ")))
    raise RuntimeError(f"wrk printed no figures: {' '.join(command)}\n{done.stdout}")


def rotated(items: Sequence[Any], by: int) -> list[Any]:
    by %= len(items)
    return [*items[by:], *items[:by]]


def rounds(
    urls: dict[str, dict[str, str]],
    files: dict[str, Path],
    count: int,
    seconds: int,
    pin: list[str],
) -> dict[str, dict[int, dict[str, list[dict]]]]:
    """``count`` rounds of every cell; figures by process path, connections, server, round."""
    cells: dict[str, dict[int, dict[str, list[dict]]]] = {
        path: {c: {s: [] for s in SERVERS} for c in CONNECTIONS} for path in PROCESSES
    }
    for path in PROCESSES:  # warm up: imports, caches, the first connections
        for server in SERVERS:
            wrk(pin, urls[server][path], files[path], 16, 1)
    for n in range(count):
        for path in rotated(list(PROCESSES), n):
            for connections in rotated(CONNECTIONS, n):
                for server in rotated(SERVERS, n):
                    figures = wrk(pin, urls[server][path], files[path], connections, seconds)
                    figures.pop("wrk", None)
                    cells[path][connections][server].append(figures)
                    print(
                        f"round {n + 1} {PROCESSES[path]} {connections:>2} {server:<12} "
                        f"{figures['rps']:>9,.0f} req/s  p99 {figures['p99_ms']} ms",
                        flush=True,
                    )
    return cells


# -- the report ------------------------------------------------------------------------------------


def summary(runs: list[dict]) -> dict[str, Any]:
    """The mean of the rounds (req/s, p50, p99), each round's req/s, and all errors."""
    n = len(runs)
    return {
        "rps": round(sum(r["rps"] for r in runs) / n, 1),
        "rounds": [r["rps"] for r in runs],
        "p50_ms": round(sum(r["p50_ms"] for r in runs) / n, 2),
        "p99_ms": round(sum(r["p99_ms"] for r in runs) / n, 2),
        "errors": sum(r["errors"] for r in runs),
    }


def cell_table(path: str, cells: dict[int, dict[str, dict]], count: int, size: int) -> Table:
    rows = [
        [
            connections,
            server,
            cell["rps"],
            " / ".join(f"{r:,.0f}" for r in cell["rounds"]),
            cell["p50_ms"],
            cell["p99_ms"],
            cell["errors"],
        ]
        for connections in CONNECTIONS
        for server, cell in cells[connections].items()
    ]
    return Table(
        f"{PROCESSES[path]} dry runs, four servers side by side",
        ["connections", "server", "req/s", "req/s per round", "p50 ms", "p99 ms", "errors"],
        rows,
        note=(
            f"`POST {path}`, the {count} dry runs of `benchmarks/peer_bodies.py` round-robin "
            f"(govflow's answers {size:,} bytes on average; the bare server answers that many). "
            "req/s, p50 and p99 are the means of the rounds; errors are socket errors plus "
            "non-2xx answers over all rounds."
        ),
    )


def ratio_rows(path: str, cells: dict[int, dict[str, dict]]) -> list[list[Any]]:
    rows = []
    for connections in CONNECTIONS:
        cell = cells[connections]
        govflow = cell["govflow"]
        rows.append(
            [
                PROCESSES[path],
                connections,
                ratio(govflow["rps"], cell["hand-written"]["rps"]),
                ratio(govflow["rps"], cell["zen"]["rps"]),
                ratio(govflow["rps"], cell["bare"]["rps"]),
                ratio(govflow["p99_ms"], cell["hand-written"]["p99_ms"]),
            ]
        )
    return rows


def targets(summaries: dict[str, dict[int, dict[str, dict]]], checked: dict) -> list[Target]:
    found = [
        Target(
            "outcomes equal to govflow's before timing (hand-written, zen)",
            "every dry run",
            ", ".join(f"{n} {process} bodies" for process, n in checked["bodies"].items())
            + ", all equal",
            not checked["differences"],
        )
    ]
    goals = (
        ("govflow ÷ zen req/s", "≥ 1.0", "zen", "rps", lambda r: r >= 1.0),
        ("govflow ÷ hand-written req/s", "≥ 0.8", "hand-written", "rps", lambda r: r >= 0.8),
        ("p99 govflow ÷ hand-written", "≤ 1.25", "hand-written", "p99_ms", lambda r: r <= 1.25),
    )
    for path, cells in summaries.items():
        for what, goal, peer, key, holds in goals:
            measured = {
                c: ratio(cells[c]["govflow"][key], cells[c][peer][key]) or 0.0
                for c in TARGET_CONNECTIONS
            }
            found.append(
                Target(
                    f"{PROCESSES[path]}: {what} (16 and 64 connections)",
                    goal,
                    ", ".join(f"{r:.2f} at {c}" for c, r in measured.items()),
                    all(holds(r) for r in measured.values()),
                )
            )
    errors = sum(
        cell["errors"]
        for cells in summaries.values()
        for by_server in cells.values()
        for cell in by_server.values()
    )
    found.append(Target("failed requests, every cell", "0", str(errors), errors == 0))
    return found


def run(quick: bool) -> Report:
    count, seconds = (1, 3) if quick else (2, 10)
    cpus, pin = cores()
    labelled = bodies()
    with (
        tempfile.TemporaryDirectory(prefix="govflow-peers-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        urls = start_servers(stack, cpus)
        checked = check_equal(urls)
        if checked["differences"]:
            print("The peers do not answer as govflow does:", file=sys.stderr)
            for line in checked["differences"]:
                print("  " + line, file=sys.stderr)
            raise SystemExit(f"{len(checked['differences'])} differences; nothing was timed")
        urls["bare"] = start_bare(stack, checked["sizes"], cpus)
        files = {}
        for path, items in labelled.items():
            files[path] = Path(tmp) / f"{PROCESSES[path]}.jsonl"
            files[path].write_text(
                "".join(json.dumps(b, ensure_ascii=False) + "\n" for _, b in items), "utf-8"
            )
        cells = rounds(urls, files, count, seconds, pin)
    summaries = {
        path: {c: {s: summary(runs) for s, runs in by_c.items()} for c, by_c in by_path.items()}
        for path, by_path in cells.items()
    }
    tables = [
        cell_table(path, summaries[path], len(labelled[path]), checked["sizes"][path])
        for path in PROCESSES
    ]
    tables.append(
        Table(
            "govflow ÷ its peers (mean req/s of the rounds; p99 ratio of the mean p99s)",
            [
                "process",
                "connections",
                "govflow ÷ hand-written",
                "govflow ÷ zen",
                "govflow ÷ bare",
                "p99 govflow ÷ p99 hand-written",
            ],
            [row for path in PROCESSES for row in ratio_rows(path, summaries[path])],
            note=(
                f"Before any timing, all {sum(checked['bodies'].values())} dry runs "
                f"({', '.join(f'{n} {p}' for p, n in checked['bodies'].items())}) were posted "
                "to govflow and both peers and the answers compared: as_of, ok, rulesets "
                "(name, sha256, source, version) and every outcome (rule, kind, fields, zh/en "
                "message, requirement, params, basis, source), in order; all equal. "
                f"{count} round(s) × {seconds} s per cell, every server at every connection "
                "count in each round, the order rotating between rounds; each server alone on "
                f"core {sorted(cpus)[0] if cpus else '(any)'}, wrk -t1 on "
                f"{pin[-1] if pin else '(any)'}. govflow: `govflow serve`, one worker, log level "
                "INFO (access line per request), metrics and request ids on; SQLite."
            ),
        )
    )
    return Report(
        name="govflow beside hand-written peers (issue #13)",
        command="python -m benchmarks.peer_load" + (" --quick" if quick else ""),
        tables=tables,
        targets=targets(summaries, checked),
        raw={
            "machine": machine(),
            "rounds": count,
            "seconds_per_cell": seconds,
            "bodies": checked["bodies"],
            "answer_bytes": {PROCESSES[p]: s for p, s in checked["sizes"].items()},
            "cells": {PROCESSES[p]: by_path for p, by_path in cells.items()},
        },
    )


if __name__ == "__main__":
    from .common import cli

    cli(run)
