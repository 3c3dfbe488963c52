"""The plugin contract: built-ins and third parties load the same way; broken ones are named."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from kernel.config import Config
from kernel.core import Kernel
from kernel.plugins import PluginError, make_plugin_manager

from .conftest import install_dist

BUILT_IN = {"codeassign", "foreignwork", "engineers", "websites"}


def test_the_four_built_in_processes_are_loaded_through_entry_points():
    kernel = Kernel.build(Config(watch_rules=False))
    try:
        assert set(kernel.processes) >= BUILT_IN
        for name in BUILT_IN:
            process = kernel.processes[name]
            assert process.plugin == name
            assert process.title.zh and process.workflows
            for wf in process.workflows.values():
                assert all(s.title.zh for s in wf.states)
        guarded = {r for p in kernel.processes.values() for r in p.rulesets()}
        assert guarded <= set(kernel.rules.names()), "a transition names a ruleset with no file"
    finally:
        kernel.close()


def test_a_third_party_plugin_is_loaded_and_its_rules_are_evaluated(with_example):
    kernel = Kernel.build(Config(watch_rules=False))
    try:
        assert "parking" in kernel.processes
        assert kernel.processes["parking"].plugin == "parking"
        decision = kernel.validate(
            "parking",
            {"plate": "京A12345", "vehicle_type": "new_energy"},
            context={"permits": ["京B54321"]},
        )
        assert [o.rule for o in decision.outcomes] == [
            "parking.one-permit-per-household",
            "parking.new-energy-discount",
        ]
        assert decision.outcomes[0].source == "govflow_example/rules/submit.yaml:3"
        # its own format checker runs on its own schema
        bad = kernel.validate("parking", {"plate": "ABC", "vehicle_type": "petrol"})
        assert [(o.fields, o.rule) for o in bad.outcomes] == [
            (("/plate",), "format.cn-plate.format")
        ]
        assert bad.outcomes[0].message.zh == "车牌号码格式不正确"
        assert bad.outcomes[0].message.en == "The plate number is invalid"
    finally:
        kernel.close()


def test_a_plugin_that_fails_to_import_is_named(site, monkeypatch):
    install_dist(site, "govflow_broken", "broken = govflow_broken_missing_module")
    with pytest.raises(PluginError, match=r"'broken' .* failed to load: ModuleNotFoundError"):
        make_plugin_manager()


def test_a_misspelt_hook_stops_start_up_naming_the_plugin(site, monkeypatch):
    (site / "govflow_typo.py").write_text(
        textwrap.dedent(
            """
            from kernel import hookimpl

            @hookimpl
            def govflow_proceses():
                return []
            """
        )
    )
    install_dist(site, "govflow_typo", "typo = govflow_typo")
    with pytest.raises(
        PluginError, match=r"(?s)plugin .typo. has an unknown hook.*govflow_proceses"
    ):
        make_plugin_manager()
    sys.modules.pop("govflow_typo", None)


def test_a_hook_with_a_wrong_parameter_is_refused(site):
    (site / "govflow_params.py").write_text(
        "from kernel import hookimpl\n\n@hookimpl\ndef govflow_facts(process, applicant):\n"
        "    return None\n"
    )
    install_dist(site, "govflow_params", "params = govflow_params")
    with pytest.raises(PluginError, match=r"(?s)plugin .params. is broken.*applicant"):
        make_plugin_manager()
    sys.modules.pop("govflow_params", None)


def test_autoload_can_be_switched_off():
    pm = make_plugin_manager(autoload=False)
    assert [name for name, _ in pm.list_name_plugin()] == ["kernel.default_formats"]


def test_govflow_plugins_lists_the_four_processes():
    out = subprocess.run(
        [sys.executable, "-m", "kernel.cli", "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {row["name"]: row for row in json.loads(out)}
    for name in BUILT_IN:
        assert rows[name]["processes"] == [name]
        assert "govflow_processes" in rows[name]["hooks"]
