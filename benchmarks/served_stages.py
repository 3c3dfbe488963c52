"""Where a served dry run's time goes: CPU per request of govflow's parts, beside the peers.

``peer_load`` says govflow answers fewer dry runs per second than the service a user writes by
hand; this says which stage holds it back. Each server is its own process pinned to core 0,
wrk on core 1, and the figure is the server process's CPU time (all its threads, from
``/proc``) divided by the requests it answered: the cost of one request wherever it was spent.
The cells, alternated over the rounds, on the six-outcome codeassign dry run of ``http_load``:

- ``bare``: aiohttp parsing the body and answering as many bytes as govflow (the floor);
- govflow's app (``create_app``, as ``govflow serve`` runs it) answering a probe route with a
  fixed answer through all its middlewares, at log level INFO and at WARNING (no access line);
- the same app's dry run, at INFO and at WARNING;
- the hand-written and zen peers' dry run.

The differences are the stages: the middlewares and body handling (probe at WARNING − bare),
the access line (INFO − WARNING), the handler and the decision (dry run − probe). In the same
app, at WARNING, the decision's own stages are timed in place (``decision_stages``): served, a
decision pays for the caches the rest of the request has emptied, so they are higher than in
``decision_cost``.

Run: ``python -m benchmarks.served_stages [--quick]``.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import Report, Table, child_server, process_cpu_s, server_pids
from .decision_stages import STAGES
from .http_load import dry_run_body, get_json
from .peer_load import PEERS, cores, wrk

PROBE = "/_bench/probe"
STAGES_PATH = "/_bench/stages"
VALIDATE = "/api/processes/codeassign/validate"
CONNECTIONS = 16


def serve_staged(port: int) -> None:
    """``govflow serve``'s app plus a probe route and, with ``STAGED=1``, its dry runs decided
    stage by stage (``decision_stages.staged_validate``, same answers); ``GET /_bench/stages``
    answers the mean µs per stage."""
    from aiohttp import web

    from kernel import logs
    from kernel.api.http import json_response, strict_loads
    from kernel.app import create_app
    from kernel.config import Config
    from kernel.keys import KERNEL

    from .decision_stages import Laps, staged_validate

    logs.configure(os.environ.get("GOVFLOW_LOG_LEVEL", "INFO"))
    app = create_app(Config.from_env())
    kernel, laps, decided = app[KERNEL], Laps(), [0]
    answer = {"pad": "x" * int(os.environ["BENCH_ANSWER_BYTES"])}

    if os.environ.get("STAGED"):

        def validate(process, document, *, workflow=None, matter=None, transition=None,
                     context=None, as_of=None):  # fmt: skip
            decided[0] += 1
            return staged_validate(
                kernel, process, document, laps, workflow=workflow, matter=matter,
                transition=transition, context=context,
            )  # fmt: skip

        kernel.validate = validate  # type: ignore[method-assign]

    async def probe(request: web.Request) -> web.Response:
        strict_loads(await request.read())
        return json_response(answer)

    async def stages(request: web.Request) -> web.Response:
        runs = max(1, decided[0])
        return json_response({k: ns / 1000 / runs for k, ns in laps.ns.items()} | {"runs": runs})

    app.router.add_post(PROBE, probe)
    app.router.add_get(STAGES_PATH, stages)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


@contextlib.contextmanager
def _server(args: list[str], env: dict[str, str], cpus: set[int] | None):
    with tempfile.TemporaryFile() as log, child_server(args, env, log, cpus) as base:
        yield base


#: The app of ``serve_staged`` in a child: ``python -c STAGED_APP PORT``.
STAGED_APP = (
    "import sys; from benchmarks.served_stages import serve_staged; serve_staged(int(sys.argv[1]))"
)


def run(quick: bool) -> Report:
    seconds, rounds = (3, 1) if quick else (8, 3)
    cpus, pin = cores()
    body = dry_run_body()
    size = _answer_size(body)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        bodies = Path(tmp) / "bodies.jsonl"
        bodies.write_text(json.dumps(body, ensure_ascii=False) + "\n", "utf-8")
        common = {**os.environ, "GOVFLOW_SENDERS": "log", "BENCH_ANSWER_BYTES": str(size)}

        def start(args: list[str], **env: str) -> str:
            return stack.enter_context(_server([sys.executable, *args], {**common, **env}, cpus))

        def app(name: str, level: str, **env: str) -> str:
            data = str(Path(tmp) / name)
            return start(["-c", STAGED_APP, "{port}"], GOVFLOW_DATA_DIR=data,
                         GOVFLOW_LOG_LEVEL=level, **env)  # fmt: skip

        info, warning = app("info", "INFO"), app("warning", "WARNING")
        staged = app("staged", "WARNING", STAGED="1")
        bare = start(["-m", "benchmarks.bare_server", "--port", "{port}", "--size", str(size)])
        peers = {name: start(["-m", module, "--port", "{port}"]) for name, module in PEERS.items()}
        cells = {  # name -> (the server's base URL, the path sent)
            "bare": (bare, VALIDATE),
            "govflow probe, log INFO": (info, PROBE),
            "govflow probe, log WARNING": (warning, PROBE),
            "govflow dry run, log INFO": (info, VALIDATE),
            "govflow dry run, log WARNING": (warning, VALIDATE),
            **{f"{name} dry run": (url, VALIDATE) for name, url in peers.items()},
        }
        found: dict[str, list[tuple[float, float]]] = {name: [] for name in cells}
        for r in range(rounds):
            for name in list(cells) if r % 2 == 0 else list(reversed(cells)):
                base, path = cells[name]
                pids = server_pids(base)
                before = process_cpu_s(pids)
                figures = wrk(pin, base + path, bodies, CONNECTIONS, seconds)
                spent = process_cpu_s(pids) - before
                found[name].append((figures["rps"], 1e6 * spent / max(1, figures["requests"])))
        wrk(pin, staged + VALIDATE, bodies, CONNECTIONS, seconds)
        stage_us = get_json(staged + STAGES_PATH)
    return _report(found, stage_us, seconds, rounds, size)


def _answer_size(body: dict[str, Any]) -> int:
    from kernel import jsontext
    from kernel.config import Config
    from kernel.core import Kernel

    kernel = Kernel.build(Config.from_env())
    try:
        decision = kernel.validate("codeassign", body["document"], context=body["context"])
        return len(jsontext.dumps(decision.as_dict()))
    finally:
        kernel.close()


def _report(found, stage_us, seconds, rounds, size) -> Report:
    cpu = {name: statistics.mean(c for _, c in runs) for name, runs in found.items()}
    rps = {name: statistics.mean(r for r, _ in runs) for name, runs in found.items()}
    cells = Table(
        f"CPU per served request, {CONNECTIONS} connections "
        f"(mean of {rounds} rounds × {seconds} s)",
        ["server and route", "req/s", "CPU µs per request"],
        [[name, round(rps[name]), round(cpu[name])] for name in found],
        note=(
            f"The six-outcome codeassign dry run (answer {size:,} bytes; the probe and bare "
            "servers answer as many). CPU is the server process's, all threads, from /proc."
        ),
    )
    probe_warning = cpu["govflow probe, log WARNING"]
    dry_warning = cpu["govflow dry run, log WARNING"]
    parts = [
        ["aiohttp and the socket (bare)", round(cpu["bare"])],
        ["govflow's middlewares, request id, metrics, body (probe WARNING − bare)",
         round(probe_warning - cpu["bare"])],
        ["the access line (INFO − WARNING, mean of probe and dry run)",
         round(statistics.mean([cpu["govflow probe, log INFO"] - probe_warning,
                                cpu["govflow dry run, log INFO"] - dry_warning]))],
        ["the handler and the decision (dry run WARNING − probe WARNING)",
         round(dry_warning - probe_warning)],
        ["govflow's dry run, in all (INFO)", round(cpu["govflow dry run, log INFO"])],
        *[[f"{name}'s dry run, in all", round(cpu[f"{name} dry run"])] for name in PEERS],
    ]  # fmt: skip
    split = Table(
        "The served request, stage by stage (CPU µs per request)",
        ["stage", "µs"],
        parts,
        note="Differences of the cells above: each stage's cost where it really runs.",
    )
    runs = stage_us.pop("runs")
    stages = Table(
        f"Inside the served decision, at WARNING (µs per decision, mean of {runs:,})",
        ["stage", "what", "µs"],
        [[k, STAGES[k], round(v, 1)] for k, v in stage_us.items()],
        note="`decision_stages.staged_validate` in place of `Kernel.validate` in the served app.",
    )
    return Report(
        name="served_stages",
        command="python -m benchmarks.served_stages",
        tables=[cells, split, stages],
        raw={"cells": found, "stages_us": stage_us, "size": size},
    )


if __name__ == "__main__":
    from .common import cli

    cli(run)
