"""Rule cases in rules/*/tests/*.yaml run as part of the pytest suite."""

pytest_plugins = ["kernel.rules.pytest_cases"]
