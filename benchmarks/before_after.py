"""govflow at an older revision against this checkout, served side by side (issue #13).

Not part of ``make bench``: it needs a checkout of the older revision (``git worktree add
/tmp/before REV``), served with this checkout's environment and its own code first on
``PYTHONPATH``. Both run ``govflow serve`` at log level INFO, pinned to core 0 (every thread), wrk
on core 1, on the ``peer_load`` dry runs, in interleaved rounds whose order alternates. The
figure per cell: req/s, the server's CPU µs per request (all threads, from ``/proc``) and p99.

Run: ``python -m benchmarks.before_after --before /tmp/before [--rounds 2] [--seconds 8]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
from pathlib import Path

from .common import process_cpu_s, served, server_pids
from .peer_bodies import CODEASSIGN, WEBSITES, codeassign_bodies, websites_bodies
from .peer_load import cores, wrk

PATHS = {"codeassign": CODEASSIGN, "websites": WEBSITES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, required=True, help="checkout of the old revision")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    cpus, pin = cores()
    found: dict[tuple[str, int, str], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        files = {}
        for name, bodies in (("codeassign", codeassign_bodies()), ("websites", websites_bodies())):
            files[name] = Path(tmp) / f"{name}.jsonl"
            lines = [json.dumps(body, ensure_ascii=False) for _, body in bodies]
            files[name].write_text("\n".join(lines) + "\n", "utf-8")
        level = {"GOVFLOW_LOG_LEVEL": "INFO"}
        old = {**level, "PYTHONPATH": os.pathsep.join([str(args.before.resolve()), os.getcwd()])}
        servers = {
            "before": stack.enter_context(served(old, demo=False, cpus=cpus))[0],
            "now": stack.enter_context(served(level, demo=False, cpus=cpus))[0],
        }
        pids = {name: server_pids(base) for name, base in servers.items()}
        for r in range(args.rounds):
            for process, path in PATHS.items():
                for connections in (16, 64):
                    for name in list(servers) if r % 2 == 0 else list(reversed(servers)):
                        spent = process_cpu_s(pids[name])
                        figures = wrk(pin, servers[name] + path, files[process], connections,
                                      args.seconds)  # fmt: skip
                        spent = process_cpu_s(pids[name]) - spent
                        cpu_us = 1e6 * spent / max(1, figures["requests"])
                        cell = (figures["rps"], cpu_us, figures["p99_ms"])
                        found.setdefault((process, connections, name), []).append(cell)
    print("| process | connections | req/s before | req/s now | now ÷ before "
          "| CPU µs per request before | now | p99 ms before | now |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for process in PATHS:
        for connections in (16, 64):
            b, n = found[(process, connections, "before")], found[(process, connections, "now")]
            mean = [statistics.mean(c[i] for c in b) for i in range(3)]
            now = [statistics.mean(c[i] for c in n) for i in range(3)]
            print(
                f"| {process} | {connections} | {mean[0]:,.0f} | {now[0]:,.0f} | "
                f"{now[0] / mean[0]:.2f} | {mean[1]:,.0f} | {now[1]:,.0f} | {mean[2]:.1f} | "
                f"{now[2]:.1f} |"
            )


if __name__ == "__main__":
    main()
