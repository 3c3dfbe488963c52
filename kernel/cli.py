"""The ``govflow`` command: plugins, rules check/test, serve."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import Config
from .core import Kernel
from .plugins import PluginError, plugin_info


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except PluginError as exc:
        print(f"govflow: {exc}", file=sys.stderr)
        return 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govflow", description=__doc__)
    commands = parser.add_subparsers(title="commands")

    plugins = commands.add_parser("plugins", help="list loaded plugins and their processes")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    plugins.set_defaults(run=_plugins)

    rules = commands.add_parser("rules", help="tools for rule files").add_subparsers()
    check = rules.add_parser("check", help="lint rule files and their tests")
    check.add_argument(
        "path", nargs="?", type=Path, help="rules folder (default: GOVFLOW_RULES_DIR)"
    )
    check.set_defaults(run=_rules_check)
    test = rules.add_parser("test", help="run the YAML test cases beside the rules")
    test.add_argument(
        "path", nargs="?", type=Path, help="rules folder (default: GOVFLOW_RULES_DIR)"
    )
    test.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    test.set_defaults(run=_rules_test)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(run=_serve)
    return parser


def _plugins(args: argparse.Namespace) -> int:
    kernel = Kernel.build(Config.from_env(), load_rules=False)
    try:
        rows = plugin_info(kernel.pm)
        by_plugin: dict[str, list[str]] = {}
        for process in kernel.processes.values():
            by_plugin.setdefault(process.plugin, []).append(process.name)
        if args.json:
            for row in rows:
                row["processes"] = by_plugin.get(row["name"], [])
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        for row in rows:
            processes = by_plugin.get(row["name"], [])
            titles = ", ".join(
                f"{p} ({kernel.processes[p].title.zh} / {kernel.processes[p].title.en})"
                for p in processes
            )
            print(
                f"{row['name']:<14} {row['distribution'] or '(built in)':<18} "
                f"{titles or 'hooks: ' + ', '.join(row['hooks'])}"
            )
        return 0
    finally:
        kernel.close()


def _fields_and_processes(config: Config):
    kernel = Kernel.build(config, load_rules=False)
    kernel.close()
    return kernel.fact_fields, set(kernel.processes)


def _rules_check(args: argparse.Namespace) -> int:
    from .rules.tooling import check

    config = Config.from_env()
    fields_of, processes = _fields_and_processes(config)
    result = check(args.path or config.rules_dir, fields_of, processes)
    for problem in result.problems:
        print(problem)
    rules = sum(len(r.rules) for r in result.rulesets)
    print(
        f"{len(result.rulesets)} rulesets, {rules} rules: "
        f"{len(result.errors)} errors, {len(result.problems) - len(result.errors)} warnings"
    )
    return 1 if result.errors else 0


def _rules_test(args: argparse.Namespace) -> int:
    from .rules.tooling import run_tests

    config = Config.from_env()
    fields_of, _ = _fields_and_processes(config)
    tested = run_tests(args.path or config.rules_dir, fields_of)
    for problem in tested.problems:
        print(problem)
    for result in tested.results:
        if not result.passed:
            print("FAIL", result.diff())
        elif not args.quiet:
            print(f"ok   {result.case.source}: {result.case.name}")
    for rule in tested.unexercised:
        print(f"note: no case shows rule {rule} holding")
    passed = len(tested.results) - len(tested.failed)
    print(f"{passed} passed, {len(tested.failed)} failed")
    return 0 if tested.ok else 1


def _serve(args: argparse.Namespace) -> int:
    import os

    from aiohttp import web

    from . import logs
    from .app import create_app

    logs.configure(os.environ.get("GOVFLOW_LOG_LEVEL", "INFO"))
    # The kernel writes its own JSON access line per request (with route and request id).
    web.run_app(create_app(Config.from_env()), host=args.host, port=args.port, access_log=None)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
