"""The ``govflow`` command: plugins, rules check/test, serve."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import Config
from .core import Kernel
from .db import database
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
    except database.DatabaseUnavailable as exc:
        print(f"govflow: {exc}", file=sys.stderr)
        return 4
    except Exception as exc:
        from .errors import unavailable

        if not unavailable(exc):
            raise
        # A PostgreSQL server that refuses, a database gone: said plainly, not a traceback.
        url = database.masked(Config.from_env().database_url or "")
        print(f"govflow: the database {url} is unavailable: {exc}", file=sys.stderr)
        return 4


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
    check.add_argument(
        "--no-server",
        action="store_true",
        help="do not probe the database for the facts the server builds",
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
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than one: PostgreSQL)"
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the database's tables")
    migrate.set_defaults(run=_migrate)
    demo = commands.add_parser("demo", help="load demo accounts and applications (idempotent)")
    demo.set_defaults(run=_demo)
    token = commands.add_parser("token", help="issue a session token for an account (operators)")
    token.add_argument("username")
    token.add_argument(
        "--login-method",
        default="password",
        help="how the session counts as logged in, e.g. qr_image (rules may ask)",
    )
    token.add_argument("--minutes", type=int, default=60)
    token.set_defaults(run=_token)
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
    if not args.no_server:
        probed, said = asyncio.run(_server_facts(config, result.rulesets))
        result.problems += probed
        print(said)
    for problem in result.problems:
        print(problem)
    rules = sum(len(r.rules) for r in result.rulesets)
    print(
        f"{len(result.rulesets)} rulesets, {rules} rules: "
        f"{len(result.errors)} errors, {len(result.problems) - len(result.errors)} warnings"
    )
    return 1 if result.errors else 0


async def _server_facts(config: Config, rulesets: list) -> tuple[list, str]:
    """Warnings for the fact fields the rules test and the server never builds (see
    ``kernel/built_facts.py``), probed on the configured database."""
    from . import built_facts

    url = database.database_url(config.database_url, config.data_dir)
    if database.is_sqlite(url) and not Path(url.removeprefix("sqlite://")).exists():
        return [], f"server facts: not probed, no database at {url} (run govflow demo)"
    kernel = Kernel.build(config, load_rules=False)
    try:
        async with database.connected(url, database.plugin_models(kernel.pm)):
            built = await built_facts.probe(kernel)
        problems = [p for r in rulesets for p in built_facts.unbuilt(r, built)]
        problems += built_facts.not_probed(
            {r.process for r in rulesets} & set(kernel.processes), built, str(config.rules_dir)
        )
    finally:
        kernel.close()
    n = sum(built.subjects.values())
    return problems, f"server facts: probed {n} stored subjects in {database.masked(url)}"


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
    for rule in tested.without_near_miss:
        print(f"note: no near-miss case for rule {rule} (see docs/rules.md)")
    passed = len(tested.results) - len(tested.failed)
    print(f"{passed} passed, {len(tested.failed)} failed")
    return 0 if tested.ok else 1


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(Config.from_env(), args.host, args.port, args.workers)


def _migrate(args: argparse.Namespace) -> int:
    from .db import database

    config = Config.from_env()
    url = database.database_url(config.database_url, config.data_dir)

    asyncio.run(database.upgrade(url))
    print(f"database up to date: {database.masked(url)}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from . import demo
    from .db import database

    config = Config.from_env()
    url = database.database_url(config.database_url, config.data_dir)

    async def run() -> demo.Loaded:
        await database.upgrade(url)
        async with database.connected(url):
            kernel = Kernel.build(dataclasses.replace(config, watch_rules=False))
            try:
                return await demo.load(kernel)
            finally:
                kernel.close()

    loaded = asyncio.run(run())
    print(
        f"demo data: {len(loaded.accounts)} new accounts, {len(loaded.applications)} new "
        f"applications; every demo account's password is {demo.PASSWORD}"
    )
    for path in loaded.files:
        print(f"demo file: {path}")
    return 0


def _token(args: argparse.Namespace) -> int:
    from . import auth
    from .db import database
    from .db.models import Account

    config = Config.from_env()
    url = database.database_url(config.database_url, config.data_dir)

    async def run() -> str | None:
        async with database.connected(url):
            account = await Account.get_or_none(username=args.username, active=True)
            if account is None:
                return None
            token, _ = await auth.issue_token(account, args.minutes, args.login_method)
            return token

    token = asyncio.run(run())
    if token is None:
        print(f"govflow: no active account {args.username!r}", file=sys.stderr)
        return 1
    print(token)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
