"""``make bench``: every benchmark, one after another, into one record and ``RESULTS.md``.

Each benchmark runs in a process of its own (so one's memory, threads and servers cannot
colour the next) and hands back its report as JSON. The record of the whole run goes to
``results/<date>.json``; the figures part of ``RESULTS.md``, between the two markers, is
rewritten from it, and what people wrote around the markers (the reading of the figures) is
kept. A benchmark that fails is recorded as failed and the others still run.

Run: ``python -m benchmarks.run [--quick] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import HERE, RESULTS, ROOT, Report, Table, Target, machine, today

#: In the order they run: the cheap in-process ones first, the long PostgreSQL ones last.
BENCHMARKS = [
    "decision_cost",
    "engine_memory",
    "http_load",
    "peer_load",
    "served_stages",
    "edge_levers",
    "rules_reload",
    "pg_writes",
    "data_scale",
]
BEGIN = "<!-- figures: written by `make bench` (benchmarks/run.py); edit outside these markers -->"
END = "<!-- /figures -->"


def run_one(name: str, quick: bool) -> dict:
    """One benchmark in a child process; its report, or why it has none."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.json"
        command = [sys.executable, "-m", f"benchmarks.{name}", "--json", str(out)]
        started = time.perf_counter()
        done = subprocess.run(command + (["--quick"] if quick else []), cwd=ROOT)
        seconds = round(time.perf_counter() - started, 1)
        if done.returncode != 0 or not out.exists():
            return {"name": name, "failed": f"exit status {done.returncode}", "seconds": seconds}
        return json.loads(out.read_text("utf-8"))


def render(record: dict) -> str:
    """The figures section of RESULTS.md for one run."""
    quick = " (quick run: not for citing)" if record["quick"] else ""
    lines = [
        BEGIN,
        "",
        f"## Figures of {record['date']}{quick}",
        "",
        f"Machine: {_machine_line(record['machine'])}. Command: `{record['command']}`, "
        f"{record['seconds'] / 60:.1f} min in all. Raw: `results/{record['file']}`.",
        "",
        "| benchmark | target | goal | measured | met |",
        "|---|---|---|---|---|",
    ]
    for report in record["reports"]:
        if "failed" in report:
            lines.append(f"| {report['name']} | — | runs | failed: {report['failed']} | **no** |")
        for t in report.get("targets", []):
            met = "yes" if t["met"] else "**no**"
            lines.append(
                f"| {report['name']} | {t['what']} | {t['goal']} | {t['measured']} | {met} |"
            )
    lines.append("")
    for report in record["reports"]:
        if "failed" not in report:
            lines.append(_as_report(report).markdown())
    lines.append(END)
    return "\n".join(lines) + "\n"


def _machine_line(m: dict) -> str:
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"CPython {m['python']}"
    )


def _as_report(data: dict) -> Report:
    return Report(
        name=data["name"],
        command=data["command"],
        tables=[Table(**t) for t in data["tables"]],
        targets=[Target(**t) for t in data["targets"]],
        raw=data.get("raw", {}),
        seconds=data.get("seconds", 0.0),
    )


def write_results_md(figures: str, path: Path = HERE / "RESULTS.md") -> None:
    """Replace the figures between the markers; keep everything written around them."""
    text = path.read_text("utf-8") if path.exists() else "# Benchmark results\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + figures.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + figures
    path.write_text(text, "utf-8")


def _command(args: argparse.Namespace) -> str:
    if not args.quick and not args.only:
        return "make bench"
    return (
        "python -m benchmarks.run"
        + (" --quick" if args.quick else "")
        + (f" --only {' '.join(args.only)}" if args.only else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs: to try, not to cite")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run just these")
    args = parser.parse_args()
    names = args.only or BENCHMARKS
    started = time.perf_counter()
    reports = []
    for name in names:
        print(f"== {name}", flush=True)
        reports.append(run_one(name, args.quick))
    suffix = "-quick" if args.quick else ""
    record = {
        "date": today(),
        "quick": args.quick,
        "command": _command(args),
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "file": f"{today()}{suffix}.json",
        "reports": reports,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / record["file"]).write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    if not args.quick and not args.only:
        write_results_md(render(record))
    else:
        print(render(record))
    failed = [r["name"] for r in reports if "failed" in r]
    print(
        f"written: benchmarks/results/{record['file']}" + (f"; FAILED: {failed}" if failed else "")
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
