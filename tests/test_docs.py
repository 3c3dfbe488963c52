"""Docs and contract stay honest: every hook is documented and exercised by the example plugin."""

from __future__ import annotations

import inspect
from pathlib import Path

from kernel import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = [
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("govflow_")
]


def test_every_hook_has_a_docstring_and_a_row_in_the_plugin_guide():
    guide = (ROOT / "docs" / "plugins.md").read_text("utf-8")
    for name in HOOKS:
        assert len(inspect.getdoc(getattr(hookspecs, name)) or "") > 200, name
        assert f"`{name}(" in guide, f"{name} missing from docs/plugins.md"


def test_the_example_plugin_implements_every_hook():
    package = ROOT / "tests" / "example_plugin" / "govflow_example"
    source = "\n".join(f.read_text("utf-8") for f in sorted(package.glob("*.py")))
    for name in HOOKS:
        assert f"def {name}(" in source, f"the example plugin does not exercise {name}"
