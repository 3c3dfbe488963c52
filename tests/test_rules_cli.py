"""``govflow rules check`` and ``govflow rules test``, as policy staff run them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from kernel.config import PROJECT_ROOT


def govflow(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kernel.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or PROJECT_ROOT,
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
