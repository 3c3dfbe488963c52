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


def test_the_plugin_guide_shows_every_hook_with_the_arguments_it_really_takes():
    """A plugin author copies the signature from docs/plugins.md: it must be the hook's own,
    so a hook that gains, loses or renames an argument fails here until the guide says so."""
    guide = (ROOT / "docs" / "plugins.md").read_text("utf-8")
    for name in HOOKS:
        hook = getattr(hookspecs, name)
        signature = f"`{name}({', '.join(inspect.signature(hook).parameters)})`"
        assert signature in guide, f"docs/plugins.md does not show {signature}"
        assert inspect.getdoc(hook), f"{name} has no docstring"


def test_the_example_plugin_implements_every_hook():
    package = ROOT / "tests" / "example_plugin" / "govflow_example"
    source = "\n".join(f.read_text("utf-8") for f in sorted(package.glob("*.py")))
    for name in HOOKS:
        assert f"def {name}(" in source, f"the example plugin does not exercise {name}"
