"""``make mutation``: mutmut over the kernel's critical modules, each against its own tests.

A test suite that passes proves little until it fails when the code is wrong. mutmut changes
the code one small way at a time (a ``<`` for a ``<=``, a dropped argument, ``None`` for a
value) and runs the tests that reach the changed function; a change no test notices
"survives". Each module runs in a scratch copy of the repository under ``build/mutation/``
(mutmut keeps its mutants beside the code it mutates), on the tests listed in ``MODULES``
only, and within a time budget: whatever mutmut has not reached by then is reported as not
checked, never as killed. Not a CI gate: the record (``mutation/results.json``) and the report
(``docs/mutation.md``) say what was run when; every survivor there is either killed by a new
test or explained in ``mutation/explained.toml``.

Run: ``python -m mutation.run [--budget SECONDS] [--children N] [MODULE ...]``; modules not
named keep their previous record, so the machine can take one or two at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
WORK = ROOT / "build" / "mutation"
RESULTS = HERE / "results.json"
EXPLAINED = HERE / "explained.toml"
ADDRESSED = HERE / "addressed.toml"
REPORT = ROOT / "docs" / "mutation.md"
MUTMUT = Path(sys.executable).parent / "mutmut"

#: The critical modules and the tests that are about them (relevant tests only: time-bounded).
MODULES: dict[str, tuple[str, ...]] = {
    "kernel/masking.py": (
        "tests/test_masking_api.py",
        "tests/test_applications_api.py",
        "tests/test_operations.py",
    ),
    "kernel/access.py": (
        "tests/test_delegated_access.py",
        "tests/test_edit_rights.py",
        "tests/test_applications_api.py",
        "tests/test_attachments_api.py",
    ),
    "kernel/idempotency.py": ("tests/test_idempotency_api.py", "tests/test_applications_api.py"),
    "kernel/attachments.py": ("tests/test_attachments_api.py",),
    "kernel/workflow.py": (
        "tests/test_applications_api.py",
        "tests/test_codeassign_journey.py",
        "tests/test_delegated_access.py",
        "tests/test_attachments_api.py",  # attaching, detaching, deleting the material
    ),
    "kernel/rules/durable_backend.py": (
        "tests/test_engine_equivalence.py",
        "tests/test_rule_compiler.py",
        "tests/test_engine_resources.py",
    ),
    "kernel/rules/compiler.py": (
        "tests/test_rule_compiler.py",
        "tests/test_engine_equivalence.py",
        "tests/test_validate_api.py",
    ),
}
#: Where a module's run begins (mutmut's name patterns), so that the budget goes first to what
#: matters most; the rest of the module follows if the budget allows.
FOCUS: dict[str, tuple[str, ...]] = {
    # region_covers/region_prefix: rewritten with their tests under issue #12 (hardening).
    "kernel/access.py": (
        "kernel.access.x_acts_for*",
        "kernel.access.x_may_read*",
        "kernel.access.x_readable*",
        "kernel.access.x_check_may_act*",
        "kernel.access.x_check_may_edit*",
        "kernel.access.x_in_scope*",
    ),
    # Then, for each module, the functions whose survivors were addressed (issue #14): a rerun
    # within the budget confirms what the new tests kill before it reaches the rest.
    "kernel/idempotency.py": ("kernel.idempotency.x_once*", "kernel.idempotency.x__replay*"),
    "kernel/attachments.py": (
        "kernel.attachments.x__file_outcome*",
        "kernel.attachments.x__size*",
        "kernel.attachments.x_wrong_type*",
        "kernel.attachments.x_too_large*",
        "kernel.attachments.x_detach*",
    ),
    "kernel/workflow.py": (
        "kernel.workflow.x_check_open*",
        "kernel.workflow.x_save*",
        "kernel.workflow.x_delete_material*",
        "kernel.workflow.x__reply_required*",
    ),
    "kernel/rules/durable_backend.py": (
        "kernel.rules.durable_backend.x__complexity_problems*",
        "kernel.rules.durable_backend.x__groups*",
        "kernel.rules.durable_backend.x__nested_groups*",
        "kernel.rules.durable_backend.x__field_problems*",
        "kernel.rules.durable_backend.x*_TooWide*",
        "kernel.rules.durable_backend.x*Engine*close*",
    ),
    "kernel/rules/compiler.py": (
        "kernel.rules.compiler.x*_Context*problem*",
        "kernel.rules.compiler.x*_Context*use*",
        "kernel.rules.compiler.x__merge*",
        "kernel.rules.compiler.x__say*",
        "kernel.rules.compiler.x__most_specific*",
        "kernel.rules.compiler.x__param*",
    ),
}
#: What a module's scratch copy needs: the code, its data, the tests.
COPIED = ("kernel", "plugins", "rules", "schemas", "tests", "docs", "conftest.py", "pyproject.toml")
STATUS = re.compile(r"^\s*(?P<name>[\w.]+__mutmut_\d+): (?P<status>.+)$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="paths as in MODULES; default: all")
    parser.add_argument("--budget", type=int, default=300, help="seconds per module")
    parser.add_argument("--children", type=int, default=1, help="mutants run at once")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"not a module of the run: {', '.join(unknown)}; see MODULES")
    record = json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else {"modules": {}}
    for module in args.modules or list(MODULES):
        print(f"mutation: {module} (budget {args.budget} s)", flush=True)
        earlier = record["modules"].get(module)
        record["modules"][module] = run_module(module, args.budget, args.children)
        carry_over(earlier, record["modules"][module], WORK / _scratch_name(module))
        RESULTS.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", "utf-8")
    write_report(record)
    return 0


def run_module(module: str, budget: int, children: int) -> dict:
    scratch = WORK / _scratch_name(module)
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    ignored = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, ignore=ignored)
        else:
            shutil.copy2(source, scratch / name)
    with (scratch / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write(mutmut_config(module))
    started = time.monotonic()
    command = [str(MUTMUT), "run", "--max-children", str(children)]
    finished = run_bounded([*command, *FOCUS.get(module, ())], scratch, budget)
    left = budget - (time.monotonic() - started)
    if module in FOCUS and finished and left > 30:  # then the rest, in what is left
        finished = run_bounded(command, scratch, round(left))
    seconds = round(time.monotonic() - started)
    statuses = results(scratch)
    survivors = {name: show(name, scratch) for name, s in statuses.items() if s == "survived"}
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    # The FOCUS run may finish with too little left for the rest: the module is not finished.
    finished = finished and not counts.get("not checked")
    return {
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tests": list(MODULES[module]),
        "budget_seconds": budget,
        "seconds": seconds,
        "finished": finished,
        "mutants": len(statuses),
        "counts": counts,
        "survivors": survivors,
    }


def _scratch_name(module: str) -> str:
    return module.replace("/", "_").removesuffix(".py")


def carry_over(earlier: dict | None, run: dict, scratch: Path) -> None:
    """Keep listing what survived an earlier run and this run did not reach (its budget ran
    out first): it is still a survivor until a run checks it. Reached ones are decided anew."""
    if not earlier:
        return
    statuses = results(scratch)
    previous = {**earlier.get("survived_earlier", {})}
    previous.update(
        {n: {"run_at": earlier["run_at"], "diff": d} for n, d in earlier["survivors"].items()}
    )
    run["survived_earlier"] = {
        name: old
        for name, old in previous.items()
        if statuses.get(name) == "not checked" and name not in run["survivors"]
    }


def mutmut_config(module: str) -> str:
    tests = ", ".join(json.dumps(t) for t in MODULES[module])
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["kernel"]\n'
        f"only_mutate = [{json.dumps(module)}]\n"
        'also_copy = ["plugins", "rules", "schemas", "docs", "conftest.py"]\n'
        f"pytest_add_cli_args_test_selection = [{tests}]\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
        # Mutants are forked from a server that has only collected the tests, not from mutmut's
        # own process, which ran them: there the kernel's password-hashing pool
        # (auth._HASHING) has started its threads, and a fork has the pool without them, so a
        # login waits until the timeout and every mutant of a module that logs in "times out".
        'process_isolation = "forkserver"\n'
    )


def run_bounded(command: list[str], cwd: Path, budget: int) -> bool:
    """Run ``command``; past ``budget`` seconds stop it and the mutants it runs. True: finished."""
    log = (cwd / "mutmut.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        process.wait(timeout=budget)
        return process.returncode == 0
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return False
    finally:
        log.close()


def results(scratch: Path) -> dict[str, str]:
    """Every mutant of the module and its status (``not checked``: the budget ran out first)."""
    if not (scratch / "mutants").is_dir():
        return {}
    out = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"], cwd=scratch, capture_output=True, text=True
    ).stdout
    return {m["name"]: m["status"].strip() for m in map(STATUS.match, out.splitlines()) if m}


def show(name: str, scratch: Path) -> str:
    out = subprocess.run([str(MUTMUT), "show", name], cwd=scratch, capture_output=True, text=True)
    diff = out.stdout
    return diff[diff.find("@@") :].strip() if "@@" in diff else diff.strip()


# -- the report -------------------------------------------------------------------------------

BEGIN, END = "<!-- mutation:begin -->", "<!-- mutation:end -->"
UNEXPLAINED = "**Not explained yet: kill it with a test or explain it in mutation/explained.toml.**"


def write_report(record: dict) -> None:
    explained = tomllib.loads(EXPLAINED.read_text("utf-8")) if EXPLAINED.exists() else {}
    addressed = tomllib.loads(ADDRESSED.read_text("utf-8")) if ADDRESSED.exists() else {}
    lines = [
        BEGIN,
        "",
        "| module | run (UTC) | mutants | killed | survived | other | not checked | seconds |",
    ]
    lines.append("|---|---|---|---|---|---|---|---|")
    for module, run in record["modules"].items():
        c = dict(run["counts"])
        killed, survived = c.pop("killed", 0), c.pop("survived", 0)
        unchecked = c.pop("not checked", 0)
        other = ", ".join(f"{n} {s}" for s, n in sorted(c.items())) or "0"
        lines.append(
            f"| `{module}` | {run['run_at'][:16]} | {run['mutants']} | {killed} | {survived} | "
            f"{other} | {unchecked} | {run['seconds']}{'' if run['finished'] else ' (budget)'} |"
        )
    lines += ["", "### Survivors", ""]
    for module, run in record["modules"].items():
        for name, diff in run["survivors"].items():
            lines += [
                f"#### `{name}` ({module})",
                "",
                "```diff",
                diff,
                "```",
                "",
                _verdict(explained.get(name, {}), addressed.get(name, {}), run["run_at"]),
                "",
            ]
    for module, run in record["modules"].items():
        for name, old in run.get("survived_earlier", {}).items():
            lines += [
                f"#### `{name}` ({module}, survived the run of {old['run_at'][:16]})",
                "",
                "Not reached by the last run (its budget ran out first).",
                "",
                "```diff",
                old["diff"],
                "```",
                "",
                _verdict(explained.get(name, {}), addressed.get(name, {}), old["run_at"]),
                "",
            ]
    lines.append(END)
    text = (
        REPORT.read_text("utf-8") if REPORT.exists() else f"# Mutation testing\n\n{BEGIN}\n{END}\n"
    )
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    REPORT.write_text(head + "\n".join(lines) + tail, "utf-8")


def _verdict(explained: dict, addressed: dict, run_at: str) -> str:
    """What is known of a survivor: why it makes no difference, the test added since the run
    that kills it (until a rerun confirms it), or that it is still open."""
    if "why" in explained:
        return f"**Why it survives:** {explained['why']}"
    if "test" in addressed:
        return (
            f"**Killed by a test added after this run ({run_at[:10]}), not yet confirmed by a "
            f"rerun:** `{addressed['test']}`"
        )
    if "open" in addressed:
        return f"**Open:** {addressed['open']}"
    return "**Not explained yet: kill it or explain it.**"


if __name__ == "__main__":
    sys.exit(main())
