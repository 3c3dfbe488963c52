"""``make bench`` rewrites only the figures of RESULTS.md; what people wrote around them stays."""

from __future__ import annotations

from benchmarks.common import Report, Table, Target, percentiles
from benchmarks.run import BEGIN, END, render, write_results_md


def _record(measured: str, met: bool) -> dict:
    report = Report(
        name="Decision cost",
        command="python -m benchmarks.decision_cost",
        tables=[Table("cells", ["rules", "p50 µs"], [[10, 12.5]])],
        targets=[Target("within 5x the floor", "<= 5x", measured, met)],
    )
    machine = {"cpu": "x", "cores": 2, "memory_gib": 24, "kernel": "6", "python": "3.11"}
    return {
        "date": "2026-12-01",
        "quick": False,
        "command": "make bench",
        "machine": machine,
        "seconds": 60.0,
        "file": "2026-12-01.json",
        "reports": [report.as_dict(), {"name": "pg_writes", "failed": "exit status 1"}],
    }


def test_a_new_run_replaces_the_figures_and_keeps_the_reading(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text(
        f"# Results\n\nWhat we learned.\n\n{BEGIN}\nold figures\n{END}\n\nNext steps.\n"
    )
    write_results_md(render(_record("7.0x", False)), results)
    text = results.read_text()
    assert text.startswith("# Results\n\nWhat we learned.") and text.endswith("Next steps.\n")
    assert "old figures" not in text
    assert "| Decision cost | within 5x the floor | <= 5x | 7.0x | **no** |" in text
    assert "| pg_writes | — | runs | failed: exit status 1 | **no** |" in text
    write_results_md(render(_record("4.0x", True)), results)
    again = results.read_text()
    assert again.count(BEGIN) == 1 and "| 4.0x | yes |" in again and "7.0x" not in again


def test_percentiles_are_of_the_samples_given():
    figures = percentiles(list(range(1, 101)))
    assert figures == {"p50_us": 50.5, "p99_us": 99, "runs": 100}
