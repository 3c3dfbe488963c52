"""The demo that ``make serve`` loads holds a subject of every kind the engineers rules look at.

``govflow rules check`` probes the stored subjects for the facts the server builds
(``kernel/built_facts.py``); on a fresh machine those are the demo's. An anomaly with its appeal,
a qualification correction and a declaration to the renamed enterprise make the probe build
``anomaly``, ``qualification_lookup``, ``declaration.corrected`` and ``other_declaration``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.cli import main


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOVFLOW_DATABASE_URL", database_url)


def test_rules_check_on_a_fresh_demo_finds_every_engineers_fact_built(env, capsys):
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["rules", "check"]) == 0
    said = capsys.readouterr().out
    assert "server facts: probed" in said
    unbuilt = [line for line in said.splitlines() if line.startswith("rules/engineers/")]
    assert unbuilt == []
