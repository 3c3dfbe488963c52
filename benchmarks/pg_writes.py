"""Writes under contention on PostgreSQL (issue #4 part 3): 1, 2 and 4 worker processes.

For each worker count, on a fresh database that ``govflow serve --workers N`` serves:

- *Distinct applications*: codeassign change drafts, each of its own unit (with its QR-image
  session and the login commitment agreed, as the submit rules ask), are submitted by 16
  concurrent connections — ``POST …/transitions/submit`` with ``If-Match: "1"``, each request
  its own application — for a bounded time. Transitions/s, p50/p99, errors, ratio to 1 worker.
- *One hot application*: 16 clients each loop GET (read the version) then PUT a save with that
  ``If-Match``. Afterwards, from the database: the final version is 1 + the number of 200s,
  the audit trail has one record per version with consecutive seqs, the successes' versions
  are exactly 2..final once each, and the stored document is the last winner's (no lost
  update).
- *Submit races*: 16 simultaneous submits of one fresh draft, all ``If-Match: "1"``, repeated:
  exactly one 200 per draft, 409 for the rest.

Drafts are written straight into the tables (``COPY``): real drafts the API then accepts, as
``workflow.create`` would leave them (application version 1, audit seq 1). The load comes from
an asyncio aiohttp client in its own process (``benchmarks/loadclient.py`` says why not wrk).
Run: ``python -m benchmarks.pg_writes [--quick]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Report,
    Table,
    Target,
    cli,
    machine,
    percentiles,
    process_cpu_s,
    ratio,
    served,
    server_pids,
)
from benchmarks.generate_applications import (
    ACCOUNT_COLUMNS,
    APPLICATION_COLUMNS,
    AUDIT_COLUMNS,
    _pg_dsn,
    document,
    fresh_postgres,
)
from benchmarks.loadclient import (
    Call,
    in_subprocess,
    run_closed_loop,
    run_races,
    run_read_then_write,
)

WORKERS = (1, 2, 4)
CONNECTIONS = 16
RACERS = 16
BEIJING = ("110101", "110102", "110105", "110106", "110108")
TOKEN_COLUMNS = ("token_hash", "login_method", "created_at", "expires_at", "account_id")
AGREEMENT_COLUMNS = ("text_id", "version", "agreed_at", "account_id")
#: The unit in codeassign's register, its certificate long-term valid (else it must upload two
#: scans before it may submit: CA-07).
UNIT_COLUMNS = ("account_id", "uscc", "name", "certificate_validity", "updated_at")


def govflow(*args: str, env: dict[str, str]) -> None:
    exe = str(Path(sys.executable).with_name("govflow"))
    subprocess.run([exe, *args], env=env, check=True, capture_output=True)


# --- seeding -------------------------------------------------------------------------------


async def _next_ids(conn) -> dict[str, int]:
    return {
        t: await conn.fetchval(f"SELECT coalesce(max(id), 0) + 1 FROM {t}")
        for t in ("account", "application", "audit_record")
    }


def _draft_rows(n: int, ids: dict[str, int], now: dt.datetime, rng: random.Random):
    """Account, token, agreement, application, audit and register rows of ``n`` drafts; the
    tokens."""
    rows: dict[str, list[tuple]] = {
        k: [] for k in ("account", "token", "agreement", "app", "audit", "unit")
    }
    tokens, codes = [], set()
    for i in range(n):
        account, app = ids["account"] + i, ids["application"] + i
        region = BEIJING[i % len(BEIJING)]
        doc = document(rng, "codeassign", "change")
        while doc["uscc"] in codes:  # the register holds each code once
            doc = document(rng, "codeassign", "change")
        codes.add(doc["uscc"])
        rows["unit"].append((account, doc["uscc"], doc["unit_name"], "long_term", now))
        profile = json.dumps({"certificate_validity": "long_term"})
        rows["account"].append(
            (account, f"writes-unit-{i:06d}", "unit", doc["unit_name"], "!", '["unit"]', "[]",
             region, profile, True, 0, None, now)
        )  # fmt: skip
        secret = secrets.token_urlsafe(32)
        tokens.append((app, secret))
        digest = hashlib.sha256(secret.encode()).hexdigest()
        rows["token"].append((digest, "qr_image", now, now + dt.timedelta(hours=3), account))
        rows["agreement"].append(("codeassign.login", "2024-01", now, account))
        rows["app"].append(
            (app, "codeassign", "application", "change", "draft", json.dumps(doc), region, 1,
             now, now, None, account)
        )  # fmt: skip
        rows["audit"].append(
            (ids["audit_record"] + i, 1, now, "create", None, None, "draft", None, None, account,
             app)
        )  # fmt: skip
    return rows, tokens


async def seed_drafts(url: str, n: int, seed: int = 4) -> list[tuple[int, str]]:
    """``n`` submittable drafts, one unit each: (application id, bearer token) pairs."""
    import asyncpg

    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        rows, tokens = _draft_rows(
            n, await _next_ids(conn), dt.datetime.now(dt.UTC), random.Random(seed)
        )
        async with conn.transaction():
            for table, key, columns in (
                ("account", "account", ACCOUNT_COLUMNS),
                ("token", "token", TOKEN_COLUMNS),
                ("agreement", "agreement", AGREEMENT_COLUMNS),
                ("application", "app", APPLICATION_COLUMNS),
                ("audit_record", "audit", AUDIT_COLUMNS),
                ("codeassign_unit", "unit", UNIT_COLUMNS),
            ):
                await conn.copy_records_to_table(table, records=rows[key], columns=columns)
            for table in ("account", "application", "audit_record"):
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return tokens


# --- looking at the server while it works --------------------------------------------------


def _port(base: str) -> str:
    return base.rsplit(":", 1)[1]


def connections_per_worker(base: str) -> dict[str, int]:
    """Established client connections on the port, per server process (SO_REUSEPORT spread)."""
    done = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{_port(base)} )"],
        capture_output=True,
        text=True,
    )
    pids = re.findall(r"pid=(\d+)", done.stdout)
    return dict(Counter(pids))


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def background_busy_percent(seconds: float = 1.0) -> float:
    """Machine CPU busy while this benchmark sends nothing: other work on a shared machine."""
    before = machine_ticks()
    time.sleep(seconds)
    after = machine_ticks()
    return round(100 * (after[0] - before[0]) / max(1, after[1] - before[1]), 1)


class CpuWatch:
    """Machine CPU busy share and the server processes' CPU seconds over one phase."""

    def __init__(self, base: str):
        self.pids = server_pids(base)
        self.start_ticks = machine_ticks()
        self.start_cpu = process_cpu_s(self.pids)

    def done(self) -> dict[str, float]:
        busy, total = machine_ticks()
        share = (busy - self.start_ticks[0]) / max(1, total - self.start_ticks[1])
        return {
            "machine_busy_percent": round(share * 100, 1),
            "server_cpu_s": round(process_cpu_s(self.pids) - self.start_cpu, 2),
        }


# --- the three phases ----------------------------------------------------------------------


def submit_calls(drafts: list[tuple[int, str]]) -> list[Call]:
    return [
        Call(
            "POST",
            f"/api/applications/{app}/transitions/submit",
            {"Authorization": f"Bearer {secret}", "If-Match": '"1"'},
        )
        for app, secret in drafts
    ]


@dataclass
class Setup:
    """One served database: its drafts, handed out in order so none is submitted twice."""

    workers: int
    base: str
    url: str
    drafts: list[tuple[int, str]]
    hot_draft: tuple[int, str]
    race_drafts: list[tuple[int, str]]
    taken: int = 0

    def take(self, n: int) -> list[tuple[int, str]]:
        chunk = self.drafts[self.taken : self.taken + n]
        self.taken += len(chunk)
        return chunk


@contextlib.contextmanager
def setup(workers: int, sizes: dict[str, Any]) -> Iterator[Setup]:
    """A fresh database, migrated, with the demo and the drafts, served by ``workers``."""
    with fresh_postgres(f"govflow_bench_writes_w{workers}") as url:
        env = {"GOVFLOW_DATABASE_URL": url}
        with tempfile.TemporaryDirectory() as data:
            prepared = {**os.environ, **env, "GOVFLOW_DATA_DIR": data}
            govflow("migrate", env=prepared)
            govflow("demo", env=prepared)
        load = sizes["warm"] + sizes["rounds"] * slice_cap(sizes)
        drafts = asyncio.run(seed_drafts(url, load + sizes["races"] + 1))
        with served(env, workers=workers) as (base, _):
            yield Setup(
                workers,
                base,
                url,
                drafts[sizes["races"] + 1 :],
                drafts[sizes["races"]],
                drafts[: sizes["races"]],
            )


def slice_cap(sizes: dict[str, Any]) -> int:
    """Drafts per slice: more than 2 cores can submit in its time (then it ends early)."""
    return int(sizes["seconds"] * 600)


def one_slice(s: Setup, sizes: dict[str, Any]) -> dict[str, Any]:
    """Submit the next drafts for ``sizes["seconds"]``; with the CPU it took."""
    idle = background_busy_percent()
    seen: dict[str, int] = {}
    watch = CpuWatch(s.base)
    outcome = in_subprocess(
        run_closed_loop,
        s.base,
        submit_calls(s.take(slice_cap(sizes))),
        CONNECTIONS,
        sizes["seconds"],
        during=lambda: seen.update(connections_per_worker(s.base)),
    )
    return {
        "outcome": outcome,
        "background_busy_percent": idle,
        "connections_per_worker": sorted(seen.values(), reverse=True),
        **watch.done(),
    }


def combined(slices: list[dict[str, Any]], warm: int) -> dict[str, Any]:
    """The slices of one worker count as one figure: totals, pooled latencies, each rate."""
    outcomes = [x["outcome"] for x in slices]
    ok = sum(o.ok for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    stats = percentiles([us for o in outcomes for us in o.ok_us])
    statuses = Counter()
    for o in outcomes:
        statuses.update(o.statuses)
    return {
        "transitions": ok,
        "seconds": round(seconds, 2),
        "per_s": round(ok / seconds, 1),
        "per_s_each_slice": [round(o.ok / o.seconds, 1) for o in outcomes],
        "p50_ms": round(stats["p50_us"] / 1000, 1),
        "p99_ms": round(stats["p99_us"] / 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": sum(v for k, v in statuses.items() if k != 200)
        + sum(len(o.failures) for o in outcomes),
        "failures": [f for o in outcomes for f in o.failures][:5],
        "client_cpu_s": round(sum(o.client_cpu_s for o in outcomes), 2),
        "server_cpu_s": round(sum(x["server_cpu_s"] for x in slices), 2),
        "machine_busy_percent": round(
            sum(x["machine_busy_percent"] * x["outcome"].seconds for x in slices) / seconds, 1
        ),
        "background_busy_percent": [x["background_busy_percent"] for x in slices],
        "connections_per_worker": slices[0]["connections_per_worker"],
        "warm": warm,
    }


def distinct(setups: list[Setup], sizes: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Every worker count warmed up, then short slices in turn (1, 2, 4, 4, 2, 1, ...).

    Interleaving spreads whatever else the shared machine is doing over all worker counts,
    instead of letting it land on one of them.
    """
    for s in setups:
        in_subprocess(run_closed_loop, s.base, submit_calls(s.take(sizes["warm"])), CONNECTIONS)
    slices: dict[int, list[dict[str, Any]]] = {s.workers: [] for s in setups}
    for n in range(sizes["rounds"]):
        for s in setups if n % 2 == 0 else reversed(setups):
            slices[s.workers].append(one_slice(s, sizes))
    return {w: combined(found, sizes["warm"]) for w, found in slices.items()}


async def _trail(url: str, app_id: int) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        row = await conn.fetchrow("SELECT version, data FROM application WHERE id = $1", app_id)
        audit = await conn.fetch(
            "SELECT seq, action FROM audit_record WHERE application_id = $1 ORDER BY seq", app_id
        )
    finally:
        await conn.close()
    return {
        "version": row["version"],
        "reason": json.loads(row["data"]).get("reason"),
        "seqs": [r["seq"] for r in audit],
        "saves": sum(1 for r in audit if r["action"] == "save"),
    }


def verify_hot(trail: dict[str, Any], successes: list[tuple[int, str]]) -> dict[str, Any]:
    """The invariants: the stored rows (no lost update) and what the 200s said (their ETags)."""
    versions = Counter(v for v, _ in successes)
    final = trail["version"]
    last_winner = max(successes)[1] if successes else None
    stored = {
        "final_version_is_1_plus_successes": final == 1 + len(successes),
        "trail_consecutive_without_gaps": trail["seqs"] == list(range(1, final + 1)),
        "one_save_record_per_success": trail["saves"] == len(successes),
        "stored_document_is_last_winners": trail["reason"] == last_winner,
    }
    return {
        **stored,
        "no_lost_update": all(stored.values()),
        # Each 200's ETag names the version that request wrote: 2..final, once each.
        "one_success_per_version": sorted(versions.elements()) == list(range(2, final + 1)),
        "etag_versions_twice": sorted(v for v, n in versions.items() if n > 1)[:20],
        "etag_versions_missing": sorted(set(range(2, final + 1)) - set(versions))[:20],
        "final_version": final,
    }


def hot(base: str, url: str, draft: tuple[int, str], seconds: float) -> dict[str, Any]:
    app_id, secret = draft
    data = document(random.Random(app_id), "codeassign", "change")
    watch = CpuWatch(base)
    outcome = in_subprocess(
        run_read_then_write,
        base,
        f"/api/applications/{app_id}",
        {"Authorization": f"Bearer {secret}"},
        data,
        CONNECTIONS,
        seconds,
    )
    cpu = watch.done()
    verdict = verify_hot(asyncio.run(_trail(url, app_id)), outcome.successes)
    verdict["bodies_of_another_write"] = len(outcome.foreign_bodies)
    verdict["bodies_of_another_write_examples"] = outcome.foreign_bodies[:5]
    attempts = sum(outcome.statuses.values())
    stats = percentiles(outcome.write_us)
    return {
        "writes": len(outcome.successes),
        "attempts": attempts,
        "seconds": round(outcome.seconds, 2),
        "writes_per_s": round(len(outcome.successes) / outcome.seconds, 1),
        "conflict_share_percent": round(100 * outcome.statuses.get(409, 0) / max(1, attempts), 1),
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "other_errors": sum(v for k, v in outcome.statuses.items() if k not in (200, 409))
        + len(outcome.failures),
        "write_p50_ms": round(stats["p50_us"] / 1000, 1),
        "write_p99_ms": round(stats["p99_us"] / 1000, 1),
        **verdict,
        **cpu,
    }


def submit_races(base: str, drafts: list[tuple[int, str]]) -> dict[str, Any]:
    rounds = [submit_calls([d] * RACERS) for d in drafts]
    statuses = in_subprocess(run_races, base, rounds)
    winners = [s.count(200) for s in statuses]
    return {
        "rounds": len(rounds),
        "racers": RACERS,
        "winners_per_round": dict(Counter(winners)),
        "statuses": dict(Counter(str(x) for s in statuses for x in s)),
        "exactly_one_winner": all(w == 1 for w in winners)
        and all(x in (200, 409) for s in statuses for x in s),
    }


# --- one worker count ----------------------------------------------------------------------


def measure(sizes: dict[str, Any]) -> list[dict[str, Any]]:
    """All worker counts served at once; distinct slices in turn, then hot and races each."""
    with contextlib.ExitStack() as stack:
        setups = [stack.enter_context(setup(w, sizes)) for w in WORKERS]
        rates = distinct(setups, sizes)
        return [
            {
                "workers": s.workers,
                "distinct": rates[s.workers],
                "hot": hot(s.base, s.url, s.hot_draft, sizes["hot_seconds"]),
                "races": submit_races(s.base, s.race_drafts),
            }
            for s in setups
        ]


# --- the report ----------------------------------------------------------------------------


def _spread(values: list[float]) -> str:
    return f"{min(values):g}–{max(values):g}" if len(values) > 1 else f"{values[0]:g}"


def distinct_table(results: list[dict[str, Any]]) -> Table:
    base = results[0]["distinct"]["per_s"]
    table = Table(
        f"Submit transitions on distinct applications ({CONNECTIONS} connections)",
        [
            "workers", "transitions", "seconds", "transitions/s", "÷ 1 worker", "each slice /s",
            "p50 ms", "p99 ms",
            "errors", "machine CPU busy (idle before)", "server CPU s", "client CPU s",
            "connections/worker",
        ],
    )  # fmt: skip
    for r in results:
        d = r["distinct"]
        table.rows.append(
            [r["workers"], d["transitions"], d["seconds"], d["per_s"], ratio(d["per_s"], base),
             " / ".join(f"{x:.0f}" for x in d["per_s_each_slice"]), d["p50_ms"], d["p99_ms"],
             d["errors"],
             f"{d['machine_busy_percent']} % ({_spread(d['background_busy_percent'])} %)",
             d["server_cpu_s"], d["client_cpu_s"],
             "/".join(str(c) for c in d["connections_per_worker"])]
        )  # fmt: skip
    table.note = (
        'Each request its own draft (If-Match "1"), after a warm-up of '
        f"{results[0]['distinct']['warm']} submits that is not counted. All worker counts are "
        "served at once and measured in interleaved slices (1, 2, 4, 4, 2, 1, …); the figures "
        "pool the slices. Machine CPU busy: both cores together (100 % = both full), server, "
        "PostgreSQL and client included; in brackets, the range of the same over 1 s with no "
        "load just before each slice (others' work on the shared machine). "
        "Server CPU: the govflow worker processes only. Connections/worker: how SO_REUSEPORT "
        "spread the client's kept-alive connections, seen once during the run."
    )
    return table


def _etags(h: dict[str, Any]) -> str:
    if h["one_success_per_version"]:
        return "yes"
    twice, missing = h["etag_versions_twice"], h["etag_versions_missing"]
    return (
        f"**no**: ETag twice {twice}, never {missing}; "
        f"{h['bodies_of_another_write']} 200s answered with another write's document"
    )


def hot_table(results: list[dict[str, Any]]) -> Table:
    table = Table(
        f"One hot application: {CONNECTIONS} clients, GET then PUT with If-Match, in a loop",
        [
            "workers", "writes (200)", "attempts", "writes/s", "409 share", "other errors",
            "write p50 ms", "write p99 ms", "final version", "no lost update",
            "one 200 per version (ETags)",
        ],
    )  # fmt: skip
    for r in results:
        h = r["hot"]
        table.rows.append(
            [r["workers"], h["writes"], h["attempts"], h["writes_per_s"],
             f"{h['conflict_share_percent']} %", h["other_errors"], h["write_p50_ms"],
             h["write_p99_ms"], h["final_version"], "yes" if h["no_lost_update"] else "**no**",
             _etags(h)]
        )  # fmt: skip
    table.note = (
        "No lost update (from PostgreSQL) = all of: final version = 1 + 200s; audit seqs "
        "1..final without gaps, one save record per 200; the stored document carries the "
        "marker of the highest-version 200. One 200 per version: the ETags of the 200s are "
        "2..final, once each (a 200 names the version it wrote)."
    )
    return table


def race_table(results: list[dict[str, Any]]) -> Table:
    table = Table(
        f'Submit races: {RACERS} simultaneous submits of one draft, If-Match "1"',
        ["workers", "drafts", "winners per draft", "statuses", "exactly one winner"],
    )
    for r in results:
        x = r["races"]
        table.rows.append(
            [r["workers"], x["rounds"], json.dumps(x["winners_per_round"]),
             json.dumps(x["statuses"]), "yes" if x["exactly_one_winner"] else "**no**"]
        )  # fmt: skip
    return table


def targets(results: list[dict[str, Any]]) -> list[Target]:
    by = {r["workers"]: r for r in results}
    one, two = by[1]["distinct"], by[2]["distinct"]
    growth = ratio(two["per_s"], one["per_s"]) or 0
    found = [
        Target(
            "Throughput grows from 1 to 2 workers",
            "2-worker transitions/s > 1-worker (× > 1.1)",
            f"{one['per_s']} → {two['per_s']} /s (× {growth})",
            growth > 1.1,
        ),
        Target(
            "Distinct-application submits without errors",
            "0 non-200",
            ", ".join(f"{r['workers']}w: {r['distinct']['errors']}" for r in results),
            all(r["distinct"]["errors"] == 0 for r in results),
        ),
        Target(
            "Hot application: no lost update",
            "stored rows consistent at every worker count; only 200 and 409",
            ", ".join(
                f"{r['workers']}w: {'yes' if r['hot']['no_lost_update'] else 'no'}"
                f" ({r['hot']['writes']} writes, {r['hot']['other_errors']} other errors)"
                for r in results
            ),
            all(r["hot"]["no_lost_update"] and not r["hot"]["other_errors"] for r in results),
        ),
        Target(
            "Hot application: exactly one 200 per version",
            "the 200s' ETags are 2..final, once each",
            ", ".join(f"{r['workers']}w: {_etags(r['hot'])}" for r in results),
            all(r["hot"]["one_success_per_version"] for r in results),
        ),
        Target(
            "Submit races: exactly one winner per draft",
            "one 200, the rest 409",
            ", ".join(f"{r['workers']}w: {r['races']['winners_per_round']}" for r in results),
            all(r["races"]["exactly_one_winner"] for r in results),
        ),
    ]
    if 4 in by:
        four = by[4]["distinct"]
        found.append(
            Target(
                "4 workers on 2 cores: the cores are full",
                "machine CPU busy ≥ 90 % at the best worker count",
                ", ".join(
                    f"{r['workers']}w: {r['distinct']['machine_busy_percent']} %" for r in results
                )
                + f"; 4w ÷ 2w × {ratio(four['per_s'], two['per_s'])}",
                max(r["distinct"]["machine_busy_percent"] for r in results) >= 90,
            )
        )
    return found


def run(quick: bool) -> Report:
    sizes = (
        {"warm": 100, "rounds": 2, "seconds": 3, "hot_seconds": 3, "races": 10}
        if quick
        else {"warm": 300, "rounds": 3, "seconds": 7, "hot_seconds": 10, "races": 30}
    )
    results = measure(sizes)
    return Report(
        name="Writes under contention on PostgreSQL",
        command="python -m benchmarks.pg_writes" + (" --quick" if quick else ""),
        tables=[distinct_table(results), hot_table(results), race_table(results)],
        targets=targets(results),
        raw={"sizes": sizes, "machine": machine(), "results": results},
    )


if __name__ == "__main__":
    cli(run)
