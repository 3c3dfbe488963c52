"""Rules at scale (issue #4 part 5): 1,000 rules loaded, and one edited file reloaded under load.

A copy of the repository's ``rules/`` gets 1,000 synthetic codeassign rules: 100 appended to
``codeassign/submit.yaml`` (the ruleset guarding the submission, so every dry run evaluates
them) and 900 in nine more files beside it (loaded and compiled, guarding no transition, as a
ruleset being prepared would be). They use the codeassign facts and pass lint and the cases.

1. Load and compile: ``RuleBook.refresh()`` on the copy, in a fresh interpreter each run (so
   RSS growth is that of the rules), against the same refresh of the unmodified copy; and the
   refresh after editing ``submit.yaml``, which runs on the service's event loop.
2. Reload under load: ``govflow serve`` on the copy (watching is on), wrk at 64 connections on
   the dry run; meanwhile ``submit.yaml`` is edited three times, each edit adding a rule the
   dry-run document meets, and a poller (this process, its own connection) sends the dry run
   every 20 ms after the write until the answer has the new rule: time to in force.

Run: ``python -m benchmarks.rules_reload [--quick]``.
"""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .common import ROOT, Report, Table, Target, cli, machine, percentiles, served
from .http_load import VALIDATE, dry_run_body, run_wrk

SYNTHETIC_FILES = 10  # submit.yaml plus nine more
RULES_PER_FILE = 100
MATTERS = ["change", "reissue", "replacement", "revocation"]
EDITS = 3
POLL_SECONDS = 0.02
IN_FORCE_TIMEOUT = 10.0
CONNECTIONS = 64


# -- the rules -----------------------------------------------------------------------------------


def synthetic_rules(prefix: str, start: int, count: int) -> list[str]:
    """``count`` rule entries (YAML lines) in the rule-file language, ids ``prefix.rNNNN``.

    Each asks of an online matter whether the application lists more than 100 + n change items
    for a unit with a fixed-term certificate: real facts and fields, a join of two facts, and
    never true of a real form, so the built-in cases still pass. Thresholds differ per rule:
    the engine holds 1,000 distinct tests. (A fact passing more than 64 distinct comparisons
    under one test breaks the engine, error 303, so these thresholds are ones no fact passes.)
    """
    lines = []
    for n in range(start, start + count):
        lines += [
            f"  - id: codeassign.{prefix}.r{n:04d}",
            "    kind: notice",
            "    message:",
            f"      zh: 变更事项超过{100 + n}项的，请分批申请（合成规则{n}）",
            f"      en: More than {100 + n} change items must be split (synthetic rule {n})",
            "    fields: [/change_items]",
            "    when:",
            "      all:",
            "        - fact: application",
            "          where:",
            f"            - {{field: matter, equals: {MATTERS[n % len(MATTERS)]}}}",
            f"            - {{field: change_item_count, gt: {100 + n}}}",
            "        - fact: unit",
            "          where:",
            "            - {field: certificate_validity, equals: fixed}",
        ]
    return lines


def build_rules(target: Path, synthetic: bool) -> Path:
    """A copy of ``rules/`` under ``target``; with the 1,000 synthetic rules when asked."""
    rules = target / "rules"
    shutil.copytree(ROOT / "rules", rules)
    if not synthetic:
        return rules
    folder = rules / "codeassign"
    submit = folder / "submit.yaml"
    extra = synthetic_rules("synthetic.submit", 0, RULES_PER_FILE)
    submit.write_text(submit.read_text("utf-8") + "\n" + "\n".join(extra) + "\n", "utf-8")
    for f in range(1, SYNTHETIC_FILES):
        head = [f"title: {{zh: 合成规则集{f}, en: Synthetic ruleset {f}}}", "rules:"]
        body = synthetic_rules(f"synthetic.s{f:02d}", f * RULES_PER_FILE, RULES_PER_FILE)
        (folder / f"synthetic_{f:02d}.yaml").write_text("\n".join(head + body) + "\n", "utf-8")
    return rules


def edit_rule(n: int) -> str:
    """Edit ``n``: a notice for a two-item change by a unit whose certificate ends within 30
    days (the dry-run document; no built-in case is both, so the cases still pass)."""
    return "\n".join(
        [
            "",
            f"  - id: codeassign.reload.edit-{n}",
            "    kind: notice",
            f"    message: {{zh: 第{n}次修改加入的提醒, en: Notice added by edit {n}}}",
            "    when:",
            "      all:",
            "        - fact: application",
            "          where: [{field: change_item_count, equals: 2}]",
            "        - fact: unit",
            "          where: [{field: days_to_expiry, lte: 30}]",
            "",
        ]
    )


# -- 1. load and compile, in a fresh interpreter -------------------------------------------------


def measure_load(rules_dir: str, reloads: int) -> None:
    """Child process: one cold refresh of ``rules_dir`` and ``reloads`` edits of submit.yaml;
    prints the figures as JSON. Run by ``load_run``."""
    import gc

    from kernel.config import Config
    from kernel.core import Kernel

    from .common import rss_mb

    kernel = Kernel.build(Config(rules_dir=Path(rules_dir), watch_rules=False), load_rules=False)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    report = kernel.rules.refresh()
    seconds = time.perf_counter() - started
    after = rss_mb()
    book = kernel.rules
    submit = Path(rules_dir) / "codeassign" / "submit.yaml"
    text = submit.read_text("utf-8")
    reload_us = []
    for n in range(reloads):
        submit.write_text(text + f"\n# edit {n}\n", "utf-8")
        started = time.perf_counter()
        assert book.refresh().loaded == ["codeassign.submit"]
        reload_us.append((time.perf_counter() - started) * 1e6)
    submit.write_text(text, "utf-8")
    figures = {
        "seconds": seconds,
        "rss_before_mb": before,
        "rss_after_mb": after,
        "rulesets": len(book.names()),
        "rules": sum(len(book.get(name).ruleset.rules) for name in book.names()),
        "problems": [str(p) for p in report.problems],
        "reload_us": reload_us,
    }
    kernel.close()
    print(json.dumps(figures))


def load_run(rules: Path, reloads: int) -> dict[str, Any]:
    code = (
        "import sys; from benchmarks.rules_reload import measure_load; "
        "measure_load(sys.argv[1], int(sys.argv[2]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(rules), str(reloads)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_cells(workdir: Path, runs: int, reloads: int) -> dict[str, dict[str, Any]]:
    """Built-in rules alone, then with the 1,000: p50 of ``runs`` cold refreshes each."""
    cells = {}
    for label, synthetic in (("built-in", False), ("built-in + 1,000", True)):
        rules = build_rules(workdir / label.replace(" ", "").replace(",", ""), synthetic)
        results = [load_run(rules, reloads) for _ in range(runs)]
        if any(r["problems"] for r in results):
            raise RuntimeError(f"the rules were refused: {results[0]['problems'][:3]}")
        cells[label] = {
            "rules": results[0]["rules"],
            "rulesets": results[0]["rulesets"],
            "refresh_s": statistics.median(r["seconds"] for r in results),
            "rss_growth_mb": statistics.median(
                r["rss_after_mb"] - r["rss_before_mb"] for r in results
            ),
            "reload": {
                **percentiles([us for r in results for us in r["reload_us"]]),
                "max_us": round(max(us for r in results for us in r["reload_us"]), 1),
            },
            "runs": results,
        }
    return cells


# -- 2. reload under load ------------------------------------------------------------------------


class Poller:
    """The dry run on one keep-alive connection of its own, every ``POLL_SECONDS``."""

    def __init__(self, base: str) -> None:
        url = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        self.body = json.dumps(dry_run_body(), ensure_ascii=False).encode()
        self.sent = 0
        self.failed = 0

    def rules(self) -> set[str]:
        """The rule ids of one answer (empty when it failed, which is counted)."""
        self.sent += 1
        try:
            self.connection.request(
                "POST", VALIDATE, self.body, {"Content-Type": "application/json"}
            )
            answer = self.connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            self.failed += 1
            self.connection.close()
            return set()
        if not 200 <= answer.status < 300:
            self.failed += 1
            return set()
        return {o["rule"] for o in json.loads(data)["outcomes"]}

    def until(self, rule: str, written: float) -> dict[str, Any]:
        """Poll until ``rule`` is in the answer: seconds from the write to that answer, and to
        the request before it (the last that did not show it): in force between the two."""
        last_without = written
        while time.monotonic() - written < IN_FORCE_TIMEOUT:
            asked = time.monotonic()
            if rule in self.rules():
                return {
                    "seconds": round(time.monotonic() - written, 3),
                    "not_yet_s": round(last_without - written, 3),
                    "polls": self.sent,
                }
            last_without = asked
            time.sleep(POLL_SECONDS)
        return {"seconds": None, "not_yet_s": round(last_without - written, 3), "polls": self.sent}


def healthz(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(base + "/healthz", timeout=10) as answer:
        return json.loads(answer.read())


def reload_under_load(workdir: Path, seconds: float, lead: float, gap: float) -> dict[str, Any]:
    """wrk at 64 connections for ``seconds``; three edits of submit.yaml while it runs."""
    rules = build_rules(workdir / "served", synthetic=True)
    body_file = workdir / "dry-run.json"
    body_file.write_text(json.dumps(dry_run_body(), ensure_ascii=False), "utf-8")
    submit = rules / "codeassign" / "submit.yaml"
    with served({"GOVFLOW_RULES_DIR": str(rules)}) as (base, _):
        health_before = healthz(base)
        # The same load with no edit: what the latencies are without a reload on the loop.
        control = run_wrk(base + VALIDATE, "post.lua", [str(body_file)], CONNECTIONS, seconds / 3)
        poller = Poller(base)
        assert poller.rules(), "the dry run does not answer"
        load: dict[str, Any] = {}
        wrk = threading.Thread(
            target=lambda: load.update(
                run_wrk(base + VALIDATE, "post.lua", [str(body_file)], CONNECTIONS, seconds)
            )
        )
        started = time.monotonic()
        wrk.start()
        time.sleep(lead)
        edits = []
        for n in range(1, EDITS + 1):
            submit.write_text(submit.read_text("utf-8") + edit_rule(n), "utf-8")
            written = time.monotonic()
            edits.append({"edit": n, "at_s": round(written - started, 2)})
            edits[-1].update(poller.until(f"codeassign.reload.edit-{n}", written))
            time.sleep(gap)
        edits_done = time.monotonic() - started
        wrk.join()
        health_after = healthz(base)
    return {
        "load": load,
        "control": control,
        "edits": edits,
        "edits_done_s": round(edits_done, 2),
        "poller": {"sent": poller.sent, "failed": poller.failed},
        "rulesets": health_before["rulesets"],
        "reload_errors_before": health_before["reload_errors"],
        "reload_errors_after": health_after["reload_errors"],
    }


# -- the report ----------------------------------------------------------------------------------


def load_table(cells: dict[str, dict[str, Any]], runs: int) -> Table:
    base = cells["built-in"]
    rows = [
        [
            label,
            c["rulesets"],
            c["rules"],
            round(c["refresh_s"] * 1000),
            c["rss_growth_mb"],
            round(c["reload"]["p50_us"] / 1000, 1),
            round(c["reload"]["max_us"] / 1000, 1),
        ]
        for label, c in cells.items()
    ]
    big = cells["built-in + 1,000"]
    return Table(
        "Loading and compiling 1,000 more rules (cold RuleBook.refresh, fresh interpreter)",
        [
            "rules folder",
            "rulesets",
            "rules",
            "refresh ms (p50)",
            "RSS growth MB",
            "submit.yaml reload ms p50",
            "reload max ms",
        ],
        rows,
        note=(
            f"p50 of {runs} run(s) each. The 1,000 cost "
            f"{round((big['refresh_s'] - base['refresh_s']) * 1000):,} ms and "
            f"{big['rss_growth_mb'] - base['rss_growth_mb']:.1f} MB more than the built-in rules "
            "alone; the refresh covers reading, parsing, lint, compiling, registering in "
            "durable_rules and running every ruleset's cases. *submit.yaml reload*: refresh "
            "after one edit of that file (all files re-read and hashed, one ruleset recompiled "
            "and its cases rerun): the service does this on its event loop."
        ),
    )


def reload_table(result: dict[str, Any]) -> Table:
    rows = [
        [
            e["edit"],
            e["at_s"],
            e["not_yet_s"],
            e["seconds"] if e["seconds"] is not None else "not in force",
            e["polls"],
        ]
        for e in result["edits"]
    ]
    load, control = result["load"], result["control"]
    return Table(
        f"Reloading submit.yaml while {CONNECTIONS} connections validate",
        [
            "edit",
            "written at s",
            "last answer without it, s",
            "in force by s (answer with it)",
            "polls so far",
        ],
        rows,
        note=(
            f"wrk -t2 -c{CONNECTIONS} on `POST {VALIDATE}` ({result['rulesets']} rulesets "
            f"loaded): {load['requests']:,} requests, {load['rps']:,.0f} req/s, p50 "
            f"{load['p50_ms']} ms, p99 {load['p99_ms']} ms, max {load['max_ms']} ms, "
            f"{load['errors']} failed (statuses {load['statuses']}); the same load without "
            f"edits just before: {control['rps']:,.0f} req/s, p99 {control['p99_ms']} ms, max "
            f"{control['max_ms']} ms, {control['errors']} failed. The poller sent "
            f"{result['poller']['sent']} dry runs on its own connection, "
            f"{result['poller']['failed']} failed. Seconds are from the end of the write; the "
            "rule came in force between the last answer without it and the first with it. "
            f"Reload errors after: {result['reload_errors_after'] or 'none'}."
        ),
    )


def targets(result: dict[str, Any]) -> list[Target]:
    failed = result["load"]["errors"] + result["poller"]["failed"] + result["control"]["errors"]
    times = [e["seconds"] for e in result["edits"]]
    in_force = [t for t in times if t is not None]
    worst = max(in_force) if len(in_force) == len(times) else None
    measured = (
        f"p50 {statistics.median(in_force):.2f} s, max {worst:.2f} s"
        if worst is not None
        else f"{len(times) - len(in_force)} of {len(times)} edits not in force"
    )
    return [
        Target(
            f"failed requests during the reloads ({CONNECTIONS} connections + poller)",
            "0",
            str(failed),
            failed == 0,
        ),
        Target(
            "edited rule in force (3 edits)", "< 2 s", measured, worst is not None and worst < 2
        ),
    ]


def run(quick: bool) -> Report:
    runs, reloads = (1, 3) if quick else (3, 5)
    seconds, lead, gap = (6, 1.0, 1.0) if quick else (12, 2.0, 2.0)
    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as tmp:
        workdir = Path(tmp)
        cells = load_cells(workdir, runs, reloads)
        reload = reload_under_load(workdir, seconds, lead, gap)
    return Report(
        name="Rules at scale: 1,000 rules, reload under load (issue #4 part 5)",
        command="python -m benchmarks.rules_reload" + (" --quick" if quick else ""),
        tables=[load_table(cells, runs), reload_table(reload)],
        targets=targets(reload),
        raw={"machine": machine(), "load": cells, "reload": reload},
    )


if __name__ == "__main__":
    cli(run)
