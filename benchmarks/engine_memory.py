"""Memory of one worker over a long life: every plugin loaded, 100,000 decisions, 100 reloads.

RSS of this process, which builds the kernel exactly as a worker does (all four plugins, their
schemas and rules), sampled as decisions and reloads go by. The baseline is the same process
before the kernel is built, with the same modules imported, so the ratio shows what the
kernel's own data costs. Run: ``python -m benchmarks.engine_memory [--quick]``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.common import Report, Table, Target, cli, ratio, rss_mb
from benchmarks.decision_inputs import CHANGE_DOCUMENT
from kernel.config import PROJECT_ROOT, Config
from kernel.core import Kernel

DOCUMENT = CHANGE_DOCUMENT
#: A refused and an accepted case, alternating, so both paths of the rules stay exercised.
CONTEXTS = [
    {"unit": {"certificate_validity": "fixed"}, "login_method": "password"},
    {
        "unit": {"certificate_validity": "long_term"},
        "login_method": "qr_image",
        "commitment": {"version": "1"},
    },
]


def run(quick: bool) -> Report:
    decisions, reloads = (10_000, 20) if quick else (100_000, 100)
    checkpoints = sorted({decisions // 100, decisions // 10, decisions // 2, decisions})
    samples: list[tuple[str, float]] = [("modules imported, no kernel", rss_mb())]
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        shutil.copytree(PROJECT_ROOT / "rules", rules)
        kernel = Kernel.build(Config(rules_dir=rules, watch_rules=False))
        samples.append(("all plugins loaded", rss_mb()))
        started = time.perf_counter()
        for n in range(1, decisions + 1):
            kernel.validate("codeassign", DOCUMENT, context=CONTEXTS[n % 2])
            if n in checkpoints:
                samples.append((f"after {n:,} decisions", rss_mb()))
        mean_us = (time.perf_counter() - started) / decisions * 1e6
        submit = rules / "codeassign" / "submit.yaml"
        text = submit.read_text("utf-8")
        for n in range(reloads):
            submit.write_text(text + f"\n# reload {n}\n", "utf-8")
            assert kernel.rules.refresh().loaded == ["codeassign.submit"]
        samples.append((f"after {reloads} reloads", rss_mb()))
        for n in range(decisions // 10):
            kernel.validate("codeassign", DOCUMENT, context=CONTEXTS[n % 2])
        samples.append((f"after {decisions // 10:,} more decisions", rss_mb()))
        kernel.close()
    return _report(samples, decisions, reloads, mean_us)


def _report(
    samples: list[tuple[str, float]], decisions: int, reloads: int, mean_us: float
) -> Report:
    baseline, loaded, final = samples[0][1], samples[1][1], samples[-1][1]
    growth = (final - loaded) / loaded * 100
    table = Table(
        "RSS of one worker",
        ["point", "RSS MB", "÷ loaded"],
        [[point, f"{mb:.1f}", ratio(mb, loaded)] for point, mb in samples],
        note=f"Mean full validation (schema + facts + rules + decision) {mean_us:.0f} µs over "
        f"{decisions:,} decisions. Growth: the last point against 'all plugins loaded'.",
    )
    return Report(
        name="Memory of one worker",
        command="python -m benchmarks.engine_memory",
        tables=[table],
        targets=[
            Target(
                "RSS growth",
                f"< 10 % after {decisions:,} decisions and {reloads} reloads",
                f"{growth:+.1f} %",
                growth < 10,
            ),
            Target("RSS total", "< 200 MB", f"{final:.0f} MB", final < 200),
        ],
        raw={
            "rss_mb": dict(samples),
            "kernel_mb": round(loaded - baseline, 1),
            "growth_percent": round(growth, 2),
            "mean_decision_us": round(mean_us, 1),
        },
    )


if __name__ == "__main__":
    cli(run)
