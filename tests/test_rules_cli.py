"""``govflow rules check`` and ``govflow rules test``, as policy staff run them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from kernel.config import PROJECT_ROOT


def govflow(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command as policy staff run it; by default on an empty data folder of its own, so
    that ``rules check`` probes no database a developer happens to have under ``data/``."""
    env = env or {"GOVFLOW_DATA_DIR": tempfile.mkdtemp(prefix="govflow-rules-")}
    return subprocess.run(
        [sys.executable, "-m", "kernel.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or PROJECT_ROOT,
        env={**os.environ, **env},
    )


def test_the_repository_rules_are_clean():
    result = govflow("rules", "check", "rules/")
    assert result.returncode == 0, result.stdout
    assert " 0 errors" in result.stdout


def test_the_repository_rule_cases_pass():
    result = govflow("rules", "test", "rules/")
    assert result.returncode == 0, result.stdout
    assert result.stdout.rstrip().splitlines()[-1].endswith(" 0 failed")


def test_check_names_file_and_line_of_an_error_in_a_folder_outside_the_repository(tmp_path):
    rules = tmp_path / "policy" / "rules"
    shutil.copytree(PROJECT_ROOT / "rules" / "codeassign", rules / "codeassign")
    submit = rules / "codeassign" / "submit.yaml"
    lines = submit.read_text("utf-8").splitlines()
    number = next(
        i for i, line in enumerate(lines) if "certificate_validity, equals: fixed" in line
    )
    lines[number] = lines[number].replace("equals: fixed", "equals: forever")
    submit.write_text("\n".join(lines) + "\n", "utf-8")
    result = govflow("rules", "check", str(rules), cwd=tmp_path)
    assert result.returncode == 1
    assert f"policy/rules/codeassign/submit.yaml:{number + 1}: error:" in result.stdout
    assert "never-true" in result.stdout


AGREED_AT = """
  - id: codeassign.login.commitment-age
    kind: notice
    message: {zh: 承诺已同意, en: The commitment was agreed}
    when:
      fact: commitment
      where:
        - {field: agreed_at, exists: true}
"""


def test_check_warns_of_a_fact_field_the_server_never_builds(tmp_path, database_url):
    """``commitment.agreed_at`` is in the fact schema, but no server-built context fills it:
    a rule reading it would never hold in production, whatever its rule tests say."""
    env = {"GOVFLOW_DATA_DIR": str(tmp_path / "data"), "GOVFLOW_DATABASE_URL": database_url}
    assert govflow("demo", env=env).returncode == 0
    rules = tmp_path / "codeassign"
    shutil.copytree(PROJECT_ROOT / "rules" / "codeassign", rules)
    submit = rules / "submit.yaml"
    submit.write_text(submit.read_text("utf-8").rstrip() + "\n" + AGREED_AT, "utf-8")
    line = len(submit.read_text("utf-8").splitlines())

    result = govflow("rules", "check", str(rules), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout  # warnings do not fail the check
    # Every stored subject of the demo is probed (codeassign's and the other processes').
    assert re.search(r"server facts: probed [0-9]+ stored subjects", result.stdout)
    warned = [w for w in result.stdout.splitlines() if "[never-built]" in w]
    assert any(
        w.startswith(f"codeassign/submit.yaml:{line}: warning: 'commitment.agreed_at'")
        for w in warned
    ), result.stdout
    # The demo unit's certificate has no end date recorded: the expiry notice cannot fire.
    assert any("'unit.days_to_expiry'" in w for w in warned)
    assert len(warned) == 2, "every other field a codeassign rule tests is built"


def test_check_says_when_there_is_no_database_to_probe(tmp_path):
    result = govflow("rules", "check", "rules/codeassign", env={"GOVFLOW_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0
    assert "server facts: not probed, no database at" in result.stdout


def test_check_reports_an_unknown_field(tmp_path):
    rules = tmp_path / "codeassign"
    shutil.copytree(PROJECT_ROOT / "rules" / "codeassign", rules)
    submit = rules / "submit.yaml"
    submit.write_text(submit.read_text("utf-8").replace("field: unchanged", "field: unchnged"))
    result = govflow("rules", "check", str(rules), cwd=tmp_path)
    assert result.returncode == 1 and "unknown-field" in result.stdout
    assert "codeassign/submit.yaml:" in result.stdout


def test_a_failing_case_prints_a_readable_diff_and_fails(tmp_path):
    rules = tmp_path / "codeassign"
    shutil.copytree(PROJECT_ROOT / "rules" / "codeassign", rules)
    cases = rules / "tests" / "create.yaml"
    cases.write_text(
        cases.read_text("utf-8").replace(
            "outcomes: [codeassign.matter.counter-only]", "outcomes: []"
        )
    )
    result = govflow("rules", "test", str(rules), cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL codeassign/tests/create.yaml:" in result.stdout
    assert "+ held, not expected:     codeassign.matter.counter-only" in result.stdout
    assert "note: no case shows rule codeassign.matter.counter-only holding" in result.stdout
