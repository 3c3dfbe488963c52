"""The service under HTTP load (issue #4 part 2): the dry-run ``validate`` and a ``submit``.

wrk, a separate process on loopback, drives 1, 16 and 64 connections for a bounded time (dry
run) or a bounded count (submissions): requests per second, p50/p99 latency, failed requests.
The baseline runs in the same run with exactly the same wrk settings: a bare aiohttp handler
(``benchmarks.bare_server``) answering a JSON body as large as the real decision.

Submissions need one draft each at version 1; they are made through the API before the cell
(untimed), on a fresh service per cell, and wrk walks their ids (``wrk/submit.lua``).

The event-loop stall, the longest one decision holds the loop, is measured twice: in-process,
timing the validate handler's synchronous work and the most expensive built-in rule case many
times (p99 and max); and in a served process of our own with a probe task that sleeps 1 ms and
records how late it wakes, idle and under validate load.

Run: ``python -m benchmarks.http_load [--quick]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from .common import (
    DEMO_UNIT,
    HERE,
    Report,
    Table,
    Target,
    child_server,
    machine,
    percentiles,
    ratio,
    sampled,
    served,
    token,
)

CONNECTIONS = (1, 16, 64)
#: Drafts of the extra submit row: what a unit with few applications costs to submit.
FEW_DRAFTS = 100
VALIDATE = "/api/processes/codeassign/validate"
WRK = HERE / "wrk"
LAG_PATH = "/_bench/lag"
LAG_CONNECTIONS = (1, 16)

#: A change with one real and one unchanged item, as a unit typed it.
DRY_RUN_DOCUMENT = {
    "matter": "change",
    "unit_name": "北京市某某区机关事务管理局",
    "uscc": "1110000000004JUR69",
    "handler": "张三",
    "handler_mobile": "13800138000",
    "change_items": [
        {"item": "address", "old": "东大街1号", "new": "西大街2号"},
        {"item": "name", "old": "北京市某某区机关事务管理局", "new": "北京市某某区机关事务管理局"},
    ],
}
#: The demo unit's own change (README): with its long-term certificate it submits (200).
SUBMIT_DOCUMENT = {**DRY_RUN_DOCUMENT, "change_items": DRY_RUN_DOCUMENT["change_items"][:1]}


def dry_run_body() -> dict[str, Any]:
    """A dry run with six outcomes: no commitment, password login, unchanged item, two
    attachments missing for a fixed-term certificate, and that certificate expiring in 20 days."""
    from kernel import clock  # the rules count days in China, whatever the zone here

    expires = (clock.today() + dt.timedelta(days=20)).isoformat()
    return {
        "document": DRY_RUN_DOCUMENT,
        "context": {
            "unit": {"certificate_validity": "fixed", "certificate_expires": expires},
            "login_method": "password",
        },
    }


# -- wrk -----------------------------------------------------------------------------------------


def wrk_threads(connections: int) -> int:
    """Two threads (one per core) once there is more than one connection to spread."""
    return 1 if connections == 1 else 2


def run_wrk(
    url: str,
    script: str,
    args: Sequence[str],
    connections: int,
    seconds: float,
    on_line: Callable[[str, subprocess.Popen], None] | None = None,
) -> dict[str, Any]:
    """One wrk run; the figures its script printed (``WRK_JSON``), with requests per second.

    ``on_line`` sees every line wrk prints while it runs (submit.lua says when it is done).
    """
    command = [
        "wrk",
        f"-t{wrk_threads(connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK / script),
        url,
        "--",
        *args,
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as p:
        found = None
        for line in p.stdout:
            if line.startswith("WRK_JSON "):
                found = json.loads(line.removeprefix("WRK_JSON "))
            elif on_line is not None:
                on_line(line, p)
    if found is None:
        raise RuntimeError(f"wrk printed no figures: {' '.join(command)}")
    return _figures(found)


def _figures(raw: dict[str, Any]) -> dict[str, Any]:
    """Requests per second over the time the requests took, latencies in ms, errors summed."""
    seconds = (raw["span_us"] or raw["duration_us"]) / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": raw["non_2xx"] + raw["socket_errors"],
        "statuses": raw["statuses"],
        "wrk": raw,
    }


def post_load(url: str, body_file: Path, connections: int, seconds: float) -> dict[str, Any]:
    return run_wrk(url, "post.lua", [str(body_file)], connections, seconds)


# -- the servers ---------------------------------------------------------------------------------


@contextlib.contextmanager
def python_server(command: list[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """A Python server of ours on a free port (``{port}`` in ``command``); its base URL."""
    environment = {**os.environ, **(env or {})}
    with (
        tempfile.TemporaryFile() as log,
        child_server([sys.executable, *command], environment, log) as base,
    ):
        yield base


def bare_server(size: int) -> contextlib.AbstractContextManager[str]:
    return python_server(["-m", "benchmarks.bare_server", "--port", "{port}", "--size", str(size)])


def serve_probed(port: int) -> None:
    """What ``govflow serve`` runs, plus a task that measures how late a 1 ms sleep wakes.

    Run in a child process (``probed_server``); ``GET /_bench/lag`` answers the lateness
    since the last call (µs: p50, p99, max) and starts again.
    """
    from aiohttp import web

    from kernel import logs
    from kernel.app import create_app
    from kernel.config import Config

    logs.configure(os.environ.get("GOVFLOW_LOG_LEVEL", "INFO"))
    app = create_app(Config.from_env())
    samples: list[float] = []

    async def probe(app: web.Application):
        async def sleeper() -> None:
            clock = time.perf_counter
            while True:
                start = clock()
                await asyncio.sleep(0.001)
                samples.append((clock() - start - 0.001) * 1e6)

        task = asyncio.create_task(sleeper())
        yield
        task.cancel()

    async def lag(request: web.Request) -> web.Response:
        taken = list(samples)
        samples.clear()
        return web.json_response({**percentiles(taken), "max_us": round(max(taken, default=0))})

    app.cleanup_ctx.append(probe)
    app.router.add_get(LAG_PATH, lag)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None)


def probed_server(data_dir: str) -> contextlib.AbstractContextManager[str]:
    code = (
        "import sys; from benchmarks.http_load import serve_probed; serve_probed(int(sys.argv[1]))"
    )
    env = {"GOVFLOW_DATA_DIR": data_dir, "GOVFLOW_SENDERS": "log"}
    return python_server(["-c", code, "{port}"], env)


def get_json(url: str) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def post_json(url: str, body: dict[str, Any]) -> bytes:
    import urllib.request

    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read()


# -- validate against the bare handler -----------------------------------------------------------


def validate_cells(seconds: float, workdir: Path) -> tuple[list[dict[str, Any]], int]:
    """Bare, then validate, at each connection count: same wrk settings, interleaved."""
    body_file = workdir / "dry-run.json"
    body_file.write_text(json.dumps(dry_run_body(), ensure_ascii=False), "utf-8")
    cells = []
    with served() as (base, _):
        decision = post_json(base + VALIDATE, dry_run_body())
        outcomes = len(json.loads(decision)["outcomes"])
        with bare_server(len(decision)) as bare:
            for url in (bare + VALIDATE, base + VALIDATE):  # warm both up: imports, caches
                post_load(url, body_file, 16, 1)
            for connections in CONNECTIONS:
                cells.append(
                    {
                        "connections": connections,
                        "bare": post_load(bare + VALIDATE, body_file, connections, seconds),
                        "validate": post_load(base + VALIDATE, body_file, connections, seconds),
                        "response_bytes": len(decision),
                        "outcomes": outcomes,
                    }
                )
    return cells, len(decision)


# -- submit --------------------------------------------------------------------------------------


async def make_drafts(
    base: str, bearer: str, registrar: str, count: int, parallel: int = 16
) -> list[int]:
    """The registry records the unit's certificate as long-term valid (else it must upload two
    scans first), the unit agrees to the login commitment and creates ``count`` drafts, all
    the API's way."""
    headers = {"Authorization": f"Bearer {bearer}"}
    ids: list[int] = []
    async with aiohttp.ClientSession(base) as registry:  # CA-07: its certificate is long-term
        url = f"/api/codeassign/units/{DEMO_UNIT}/certificate"
        body = {"certificate_validity": "long_term"}
        auth = {"Authorization": f"Bearer {registrar}"}
        async with registry.put(url, json=body, headers=auth) as answer:
            answer.raise_for_status()
    async with aiohttp.ClientSession(base, headers=headers) as session:
        commitment = {"text_id": "codeassign.login", "version": "2024-01"}
        async with session.post("/api/auth/agreements", json=commitment) as answer:
            answer.raise_for_status()
        gate = asyncio.Semaphore(parallel)
        draft = {"process": "codeassign", "matter": "change", "data": SUBMIT_DOCUMENT}

        async def create() -> None:
            async with gate, session.post("/api/applications", json=draft) as answer:
                answer.raise_for_status()
                ids.append((await answer.json())["id"])

        await asyncio.gather(*(create() for _ in range(count)))
    return sorted(ids)


def submit_cell(connections: int, drafts: int, cap_seconds: float, workdir: Path) -> dict:
    """Submit ``drafts`` new drafts of the demo unit at ``connections``, on a fresh service.

    Fresh, so that every cell starts with the unit owning the same number of applications
    (a submission reads all of them: see the note). wrk stops when the drafts are used up.
    """
    with served() as (base, env):
        bearer = token(env, DEMO_UNIT, login_method="qr_image")  # CA-02: QR-image login
        registrar = token(env, "registry-demo")
        ids = asyncio.run(make_drafts(base, bearer, registrar, drafts))
        ids_file = workdir / f"ids-{connections}-{drafts}.txt"
        ids_file.write_text("".join(f"{i}\n" for i in ids), "utf-8")
        threads = wrk_threads(connections)
        exhausted = [0]

        def on_line(line: str, wrk: subprocess.Popen) -> None:
            if line.startswith("WRK_EXHAUSTED"):
                exhausted[0] += 1
                if exhausted[0] == threads:
                    wrk.send_signal(signal.SIGINT)  # wrk then reports as at the end of -d

        figures = run_wrk(
            base,
            "submit.lua",
            [str(ids_file), bearer, str(threads)],
            connections,
            cap_seconds,
            on_line,
        )
    return {"connections": connections, "drafts": drafts, **figures}


# -- the event-loop stall ------------------------------------------------------------------------


def stall_timings(clock_fn: Callable[[], object], runs: int, warmup: int = 50) -> dict[str, float]:
    """p50/p99 and, for a stall, the max: the one figure that says how long the loop froze."""
    samples = sampled(clock_fn, runs, warmup)
    return {**percentiles(samples), "max_us": round(max(samples), 1)}


def in_process_stall(runs: int) -> dict[str, Any]:
    """The synchronous work of one dry-run request, and of the costliest built-in rule case."""
    from kernel.config import Config
    from kernel.core import Kernel

    kernel = Kernel.build(Config(watch_rules=False))
    raw = json.dumps(dry_run_body(), ensure_ascii=False).encode()

    def handler_work() -> str:  # what processes.validate does between awaits
        body = json.loads(raw)
        decision = kernel.validate("codeassign", body["document"], context=body["context"])
        return json.dumps(decision.as_dict(), ensure_ascii=False)

    book = kernel.rules
    costs = []
    for case in book.cases():
        once = stall_timings(lambda c=case: book.evaluate([c.ruleset], c.facts, c.as_of), 20, 5)
        costs.append((once["p50_us"], case))
    _, largest = max(costs, key=lambda pair: pair[0])
    result = {
        "handler": stall_timings(handler_work, runs),
        "case": stall_timings(
            lambda: book.evaluate([largest.ruleset], largest.facts, largest.as_of), runs
        ),
        "case_name": f"{largest.ruleset}: {largest.name} ({len(largest.facts)} facts)",
        "cases_timed": len(costs),
    }
    kernel.close()
    return result


def loop_lag(seconds: float, workdir: Path) -> dict[str, Any]:
    """The probe's lateness: idle, then under validate load at 1 and at 16 connections.

    At one connection the loop serves one request at a time, so the worst lateness is close to
    the longest single request; at 16, requests ready together run in one loop iteration.
    """
    body_file = workdir / "dry-run.json"
    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as data, probed_server(data) as base:
        post_load(base + VALIDATE, body_file, 16, 1)  # warm up
        get_json(base + LAG_PATH)
        time.sleep(1)
        result: dict[str, Any] = {"idle": get_json(base + LAG_PATH), "loaded": []}
        for connections in LAG_CONNECTIONS:
            load = post_load(base + VALIDATE, body_file, connections, seconds)
            lag = get_json(base + LAG_PATH)
            result["loaded"].append({"connections": connections, "load": load, "lag": lag})
    return result


# -- the report ----------------------------------------------------------------------------------


def validate_table(cells: list[dict[str, Any]], size: int) -> Table:
    rows = []
    for cell in cells:
        bare, real = cell["bare"], cell["validate"]
        rows.append(
            [
                cell["connections"],
                bare["rps"],
                real["rps"],
                ratio(real["rps"], bare["rps"]),
                bare["p50_ms"],
                bare["p99_ms"],
                real["p50_ms"],
                real["p99_ms"],
                real["errors"],
                bare["errors"],
            ]
        )
    return Table(
        "Dry-run validate vs a bare aiohttp handler (same wrk settings, same run)",
        [
            "connections",
            "bare req/s",
            "validate req/s",
            "validate ÷ bare",
            "bare p50 ms",
            "bare p99 ms",
            "validate p50 ms",
            "validate p99 ms",
            "validate errors",
            "bare errors",
        ],
        rows,
        note=(
            f"`POST {VALIDATE}`, the codeassign change with {cells[0]['outcomes']} outcomes "
            f"({size:,}-byte answer); the bare handler parses the same body and answers "
            f"{size:,} bytes. wrk -t1 at 1 connection, -t2 above; errors are socket errors "
            "plus non-2xx answers."
        ),
    )


def submit_table(cells: list[dict[str, Any]]) -> Table:
    rows = [
        [
            c["connections"],
            c["drafts"] + 1,
            c["requests"],
            c["rps"],
            c["p50_ms"],
            c["p99_ms"],
            c["max_ms"],
            c["errors"],
            ", ".join(f"{k}: {v}" for k, v in sorted(c["statuses"].items())),
        ]
        for c in cells
    ]
    return Table(
        "Submit (draft → awaiting acceptance) on SQLite, one fresh service per row",
        [
            "connections",
            "unit's applications",
            "submits answered",
            "req/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "errors",
            "statuses",
        ],
        rows,
        note=(
            "Each row: the demo unit (QR-image session, commitment agreed) owns its demo "
            "application plus that row's drafts, made through the API before the row; wrk "
            'submits each draft once (`If-Match: "1"`) and every submit is answered, so req/s '
            "is over the span from the first request to the last answer. The last row has a "
            "tenth of the unit's applications: a submission's server context once read all of "
            "them (now only for a process that asks, websites), so the rows should not differ."
        ),
    )


def stall_table(stall: dict[str, Any], lag: dict[str, Any]) -> Table:
    def row(what: str, t: dict[str, Any]) -> list[Any]:
        return [what, t["p50_us"], t["p99_us"], t["max_us"], t["runs"]]

    rows = [
        row("validate handler's synchronous work (parse, validate, JSON)", stall["handler"]),
        row(f"costliest built-in case: {stall['case_name']}", stall["case"]),
        row("1 ms timer lateness in the served process, idle", lag["idle"]),
    ]
    rows += [
        row(
            f"1 ms timer lateness, validate load at {cell['connections']} connection(s) "
            f"({cell['load']['rps']:,.0f} req/s, {cell['load']['errors']} errors)",
            cell["lag"],
        )
        for cell in lag["loaded"]
    ]
    return Table(
        "Event-loop stall: how long one decision holds the loop",
        ["what", "p50 µs", "p99 µs", "max µs", "samples"],
        rows,
        note=(
            "The first two rows run in this process, one call at a time "
            f"({stall['cases_timed']} built-in rule cases ranked by p50 to find the costliest; "
            "`RuleBook.evaluate` alone). The lateness rows come from a task in a served app of "
            "ours (`create_app` plus the probe, in its own process, wrk in another) that sleeps "
            "1 ms and records how late it wakes: the longest stretch the loop ran callbacks "
            "without looking at its timers. At one connection that is about one request; at 16, "
            "the requests that were ready together."
        ),
    )


def targets(validate: list[dict[str, Any]], submits: list[dict[str, Any]]) -> list[Target]:
    concurrent = [c for c in validate if c["connections"] > 1]
    ratios = [ratio(c["validate"]["rps"], c["bare"]["rps"]) or 0.0 for c in concurrent]
    at16 = next(c["validate"] for c in validate if c["connections"] == 16)
    validate_errors = sum(c["validate"]["errors"] for c in validate)
    submit_errors = sum(c["errors"] for c in submits)
    return [
        Target(
            "validate throughput vs bare handler (16 and 64 connections)",
            "≥ 0.50",
            ", ".join(
                f"{r:.2f} at {c['connections']}" for r, c in zip(ratios, concurrent, strict=True)
            ),
            all(r >= 0.5 for r in ratios),
        ),
        Target(
            "validate p99 at 16 connections", "< 20 ms", f"{at16['p99_ms']} ms", at16["p99_ms"] < 20
        ),
        Target(
            "failed requests, every cell (validate and submit)",
            "0",
            f"validate {validate_errors}, submit {submit_errors}",
            validate_errors == 0 and submit_errors == 0,
        ),
    ]


def run(quick: bool) -> Report:
    seconds = 2 if quick else 8
    drafts = 150 if quick else 1000
    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as tmp:
        workdir = Path(tmp)
        validate, size = validate_cells(seconds, workdir)
        submits = [submit_cell(c, drafts, 30, workdir) for c in CONNECTIONS]
        if not quick:  # the same at 16, for a unit with few applications
            submits.append(submit_cell(16, FEW_DRAFTS, 30, workdir))
        lag = loop_lag(seconds, workdir)
    stall = in_process_stall(500 if quick else 3000)
    return Report(
        name="HTTP load: dry-run validate and submit (issue #4 part 2)",
        command="python -m benchmarks.http_load" + (" --quick" if quick else ""),
        tables=[validate_table(validate, size), submit_table(submits), stall_table(stall, lag)],
        targets=targets(validate, submits),
        raw={
            "machine": machine(),
            "seconds_per_cell": seconds,
            "validate": validate,
            "submit": submits,
            "loop_lag": lag,
            "in_process_stall": stall,
        },
    )


if __name__ == "__main__":
    from .common import cli

    cli(run)
