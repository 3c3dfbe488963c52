"""Memory of the rules engine over a long life: 100,000 decisions and 100 reloads.

RSS of this process with every plugin's rules loaded, sampled as decisions and reloads go by.
Run: ``python -m benchmarks.engine_memory``; results go to ``benchmarks/results/``.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from kernel.config import PROJECT_ROOT, Config
from kernel.core import Kernel

HERE = Path(__file__).parent
DOCUMENT = {
    "matter": "change",
    "unit_name": "某某市机关事务管理局",
    "uscc": "1110000000004JUR69",
    "handler": "张三",
    "handler_mobile": "13800138000",
    "change_items": [{"item": "address", "old": "东大街1号", "new": "西大街2号"}],
}
CONTEXTS = [
    {"unit": {"certificate_validity": "fixed"}, "login_method": "password"},
    {
        "unit": {"certificate_validity": "long_term"},
        "login_method": "qr_image",
        "commitment": {"version": "1"},
    },
]


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return round(int(statm.read().split()[1]) * resource.getpagesize() / 2**20, 1)


def main(decisions: int = 100_000, reloads: int = 100) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        shutil.copytree(PROJECT_ROOT / "rules", rules)
        kernel = Kernel.build(Config(rules_dir=rules, watch_rules=False))
        samples = {"loaded": rss_mb()}
        started = time.perf_counter()
        for n in range(1, decisions + 1):
            kernel.validate("codeassign", DOCUMENT, context=CONTEXTS[n % 2])
            if n in (1_000, 10_000, 50_000, decisions):
                samples[f"after_{n}_decisions"] = rss_mb()
        per_decision_us = (time.perf_counter() - started) / decisions * 1e6
        submit = rules / "codeassign" / "submit.yaml"
        text = submit.read_text("utf-8")
        for n in range(reloads):
            submit.write_text(text + f"\n# reload {n}\n", "utf-8")
            assert kernel.rules.refresh().loaded == ["codeassign.submit"]
        samples[f"after_{reloads}_reloads"] = rss_mb()
        for _ in range(10_000):
            kernel.validate("codeassign", DOCUMENT, context=CONTEXTS[1])
        samples["after_10000_more_decisions"] = rss_mb()
        kernel.close()
    first = samples["after_1000_decisions"]
    last = samples["after_10000_more_decisions"]
    record = {
        "benchmark": "engine_memory",
        "date": dt.date.today().isoformat(),
        "command": "python -m benchmarks.engine_memory",
        "rss_mb": samples,
        "growth_after_warmup_percent": round((last - first) / first * 100, 1),
        "mean_decision_us": round(per_decision_us, 1),
    }
    out = HERE / "results" / f"{record['date']}-engine-memory.json"
    out.write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    print(json.dumps(record, indent=2))
    return record


if __name__ == "__main__":
    main()
