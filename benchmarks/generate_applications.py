"""Fill a migrated govflow database with N synthetic applications, in bounded time.

For the data-scale benchmark (issue #4 part 4): applications spread over the four processes,
10,000 applicant accounts (units, legal persons, natural persons) plus the demo accounts, so
the demo unit owns a few thousand of them and ``registry-demo``'s queue is long; states and
trails taken from the real workflow definitions, 6-digit region codes, realistic documents.

Rows go straight into the tables ``govflow migrate`` created (column names as in
``kernel/db/migrations/0001_initial.py``): PostgreSQL through asyncpg ``COPY`` (secondary
indexes dropped and rebuilt, foreign-key triggers off for the session: the rows are consistent
by construction), SQLite through ``executemany`` in large transactions. Afterwards the id
sequences are moved past the new rows, so the API keeps creating applications normally.

Run alone, after ``govflow migrate`` and ``govflow demo`` on the same database::

    python -m benchmarks.generate_applications --url postgres://postgres@127.0.0.1:5432/db \
        --count 1000000
    python -m benchmarks.generate_applications --url sqlite:///path/govflow.sqlite3 --count 100000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2

from benchmarks.common import DEMO_UNIT
from kernel.config import Config
from kernel.core import Kernel
from kernel.identifiers.documents import organisation_check_character
from kernel.process import Workflow

#: County-level codes (GB/T 2260) with a weight: Beijing heavy, so its reviewer has a queue.
REGIONS: list[tuple[str, int]] = [
    ("110101", 4), ("110102", 4), ("110105", 6), ("110106", 3), ("110108", 6),
    ("110114", 2), ("110115", 2), ("120101", 2), ("120104", 2), ("310101", 3),
    ("310104", 3), ("310115", 5), ("320102", 2), ("320505", 2), ("330106", 3),
    ("330110", 2), ("370102", 2), ("410105", 2), ("420106", 2), ("430104", 2),
    ("440103", 3), ("440106", 3), ("440305", 4), ("440306", 3), ("500103", 2),
    ("510107", 3), ("610113", 2), ("650102", 1),
]  # fmt: skip
REGION_NAMES = {
    "11": "北京市", "12": "天津市", "31": "上海市", "32": "江苏省", "33": "浙江省",
    "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省",
    "50": "重庆市", "51": "四川省", "61": "陕西省", "65": "新疆维吾尔自治区",
}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉"
BUREAUS = [
    "机关事务管理局", "人民政府办公室", "发展和改革委员会", "教育局", "科学技术局",
    "民政局", "司法局", "财政局", "人力资源和社会保障局", "生态环境局", "交通运输局",
    "水务局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "应急管理局",
    "审计局", "市场监督管理局", "统计局", "医疗保障局", "档案馆", "总工会", "妇女联合会",
]  # fmt: skip
COMPANY = ["建筑设计研究院有限公司", "工程咨询有限公司", "勘察设计有限公司", "科技有限公司"]
STREETS = ["东大街", "西大街", "人民路", "建设路", "中山路", "解放路", "和平街", "朝阳路"]
PROFESSIONS = ["structural_1", "geotechnical", "utilities", "electrical", "chemical"]
MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "158", "159", "177", "186", "188"]
REPLIES = ["材料齐全，予以受理", "请补充变更事项的批准文件", "经复核符合要求", "请携带原件到窗口"]

#: The workflows generated per process, the owner kind and the matters (None: no matter).
PROCESSES: dict[str, tuple[str, str, tuple[str | None, ...]]] = {
    "codeassign": ("application", "unit", ("change", "reissue", "replacement", "revocation")),
    "websites": ("application", "unit", ("new_site", "recheck")),
    "engineers": ("declaration", "legal_person", ("engineer", "architect")),
    "foreignwork": ("person_profile", "natural_person", (None,)),
}
#: Process share of the rows (per 20): codeassign is the busiest.
PROCESS_WEIGHTS = {"codeassign": 7, "websites": 4, "engineers": 5, "foreignwork": 4}
#: The demo reviewer of each process: the actor of reviewer transitions.
REVIEWERS = {
    "codeassign": "registry-demo",
    "websites": "establishment-demo",
    "engineers": "province-demo",
    "foreignwork": "platform-demo",
}
KIND_ROLES = {"unit": "unit", "legal_person": "enterprise", "natural_person": "natural_person"}
#: Each kind's share of the generated applicant accounts (per 4).
KIND_SHARE = {"unit": 2, "legal_person": 1, "natural_person": 1}
DOCUMENT_POOL = 4096
CHUNK = 50_000
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Trail:
    """How an application reaches a state: the transition into it, from where, by whom."""

    state: str
    weight: int
    transition: str | None = None
    source: str | None = None
    by_owner: bool = True
    reply: bool = False
    decision: str | None = None


@dataclass
class Plan:
    """What to generate, and the ids it starts from (read from the database)."""

    count: int
    accounts: int = 10_000
    seed: int = 2026
    demo_owned: int = 0
    first_account: int = 1
    first_application: int = 1
    first_audit: int = 1
    demo: dict[str, int] = field(default_factory=dict)
    password_hash: str = "!"


@dataclass
class Owner:
    id: int
    kind: str
    region: str | None


def default_demo_owned(count: int) -> int:
    """The demo unit's share: a twentieth, at most 10,000 (1M: 10,000; 100k: 5,000)."""
    return min(10_000, count // 20)


def trails(workflow: Workflow, roles: set[str]) -> list[Trail]:
    """Every state of ``workflow`` with one way in; finals weigh most (old applications)."""
    found = [Trail(workflow.initial.name, 3)]
    for state in workflow.states:
        step = next((t for t in workflow.transitions if t.target == state.name), None)
        if state.initial or step is None:
            continue
        decision = None
        if step.rulesets:
            decision = json.dumps(
                {
                    "as_of": "2026-11-01",
                    "ok": True,
                    "rulesets": [
                        {
                            "name": r,
                            "sha256": sha256(r.encode()).hexdigest(),
                            "source": r,
                            "version": 1,
                        }
                        for r in step.rulesets
                    ],
                    "outcomes": [],
                },
                separators=(",", ":"),
            )
        found.append(
            Trail(
                state.name,
                6 if state.final else 2,
                step.name,
                step.source[0],
                bool(roles & set(step.roles)),
                step.reply != "none",
                decision,
            )
        )
    return found


def _json(value: Any) -> str:
    """As tortoise's JSONField writes it: compact."""
    return json.dumps(value, separators=(",", ":"))


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    return f"010-6{rng.randrange(10**7):07d}"


def unit_name(rng: random.Random, region: str) -> str:
    return f"{REGION_NAMES.get(region[:2], '某某省')}某某区{rng.choice(BUREAUS)}"


def uscc(rng: random.Random, region: str) -> str:
    """A code that passes the kernel's check (authority 1 = organ, both check characters)."""
    body = f"{rng.randrange(10**8):08d}"
    first = f"11{region}{body}{organisation_check_character(body)}"
    return first + stdnum_uscc.calc_check_digit(first)


def id_number(rng: random.Random, region: str) -> str:
    """A resident ID number with a real birth date and its mod 11-2 check character."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16000))
    first = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first + mod_11_2.calc_check_digit(first)


def document(rng: random.Random, process: str, matter: str | None) -> dict[str, Any]:
    """A plausible document of ``process``: the fields its schema requires, Chinese values."""
    region = rng.choice(REGIONS)[0]
    if process == "codeassign":
        street = rng.choice(STREETS)
        return {
            "matter": matter,
            "unit_name": unit_name(rng, region),
            "uscc": uscc(rng, region),
            "handler": person(rng),
            "handler_mobile": mobile(rng),
            "change_items": [
                {
                    "item": "address",
                    "old": f"{street}{rng.randint(1, 200)}号",
                    "new": f"{rng.choice(STREETS)}{rng.randint(201, 400)}号",
                }
            ]
            if matter == "change"
            else [],
        }
    if process == "websites":
        name = unit_name(rng, region)
        return {
            "application_type": "new" if matter == "new_site" else "recheck",
            "unit_name": name,
            "function_intro": "负责本单位政务公开、政务服务和互动交流",
            "handler_phone": landline(rng),
            "handler_mobile": mobile(rng),
            "handler_email": f"web{rng.randrange(10**5)}@example.gov.cn",
            "manager_name": person(rng),
            "manager_phone": landline(rng),
            "manager_mobile": mobile(rng),
            "manager_email": f"admin{rng.randrange(10**5)}@example.gov.cn",
            "website_name": f"{name}门户网站",
            "ipv4": f"123.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "website_intro": "发布本单位政策文件、工作动态和办事指南",
            "english_domain": f"www.site{rng.randrange(10**6)}.gov.cn",
        }
    if process == "engineers":
        return {
            "declaration_no": f"SB{rng.randrange(10**10):010d}",
            "person_name": person(rng),
            "id_type": "resident_id",
            "id_number": id_number(rng, region),
            "mobile": mobile(rng),
            "profession": rng.choice(PROFESSIONS) if matter == "engineer" else "architect_1",
            "registration_type": rng.choice(["initial", "renewal", "change"]),
            "employer_name": f"{REGION_NAMES.get(region[:2], '某某省')}某某{rng.choice(COMPANY)}",
            "employer_uscc": uscc(rng, region),
        }
    return {
        "name": person(rng),
        "gender": rng.choice(["male", "female"]),
        "mobile": mobile(rng),
        "identity_type": "mainland",
        "id_type": "resident_id",
        "id_number": id_number(rng, region),
        "email": f"user{rng.randrange(10**6)}@example.com",
        "id_valid_from": f"{rng.randint(2015, 2024)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "id_long_term": True,
    }


def document_pool(rng: random.Random) -> dict[tuple[str, str | None], list[str]]:
    """A few thousand distinct documents per matter, as JSON text (encoding 1M is the cost)."""
    pool = {}
    for process, (_, _, matters) in PROCESSES.items():
        for matter in matters:
            pool[process, matter] = [
                json.dumps(document(rng, process, matter), separators=(",", ":"))
                for _ in range(DOCUMENT_POOL // len(matters))
            ]
    return pool


def workflow_trails() -> dict[str, list[Trail]]:
    """States and ways in, per generated process, from the loaded plugins' definitions."""
    kernel = Kernel.build(Config.from_env(), load_rules=False)
    try:
        return {
            process: trails(kernel.process(process).workflows[wf], {KIND_ROLES[kind]})
            for process, (wf, kind, _) in PROCESSES.items()
        }
    finally:
        kernel.close()


def owner_accounts(plan: Plan, rng: random.Random) -> tuple[list[tuple], dict[str, list[Owner]]]:
    """The generated applicant accounts as rows, and the owners by kind."""
    rows, by_kind = [], {kind: [] for kind in KIND_SHARE}
    kinds = [k for k, share in KIND_SHARE.items() for _ in range(share)]
    regions = [code for code, weight in REGIONS for _ in range(weight)]
    created = dt.datetime(2023, 1, 1, tzinfo=SHANGHAI)
    for n in range(plan.accounts):
        account_id = plan.first_account + n
        kind = kinds[n % len(kinds)]
        region = None if kind == "natural_person" else rng.choice(regions)
        name = unit_name(rng, region) if region else person(rng)
        profile = {"certificate_validity": "long_term"} if kind == "unit" else {}
        rows.append(
            (
                account_id, f"bench-{kind}-{n:06d}", kind, name, plan.password_hash,
                _json([KIND_ROLES[kind]]), "[]", region, _json(profile), True, 0, None, created,
            )
        )  # fmt: skip
        by_kind[kind].append(Owner(account_id, kind, region))
    return rows, by_kind


ACCOUNT_COLUMNS = (
    "id", "username", "kind", "display_name", "password_hash", "roles", "scopes", "region",
    "profile", "active", "failed_logins", "locked_until", "created_at",
)  # fmt: skip
APPLICATION_COLUMNS = (
    "id", "process", "workflow", "matter", "state", "data", "region", "version",
    "created_at", "updated_at", "submitted_at", "owner_id",
)  # fmt: skip
AUDIT_COLUMNS = (
    "id", "seq", "at", "action", "transition", "from_state", "to_state", "reply", "decision",
    "actor_id", "application_id",
)  # fmt: skip


class Rows:
    """Application and audit rows, ``CHUNK`` applications at a time, ids ascending with time."""

    def __init__(self, plan: Plan, by_kind: dict[str, list[Owner]], seed_offset: int = 1):
        self.plan = plan
        self.rng = random.Random(plan.seed + seed_offset)
        self.by_kind = by_kind
        self.pool = document_pool(self.rng)
        self.trails = workflow_trails()
        self.processes = [p for p, w in PROCESS_WEIGHTS.items() for _ in range(w)]
        self.demo_every = plan.count // plan.demo_owned if plan.demo_owned else 0
        self.demo_owner = Owner(plan.demo.get(DEMO_UNIT, 0), "unit", "110108")
        # Three years of applications ending two days ago: the last trails are in the past too.
        self.start = dt.datetime.now(dt.UTC) - dt.timedelta(days=3 * 365 + 2)
        self.step = dt.timedelta(days=3 * 365) / max(plan.count, 1)
        self.audit_id = plan.first_audit

    def chunks(self) -> Iterator[tuple[list[tuple], list[tuple]]]:
        for begin in range(0, self.plan.count, CHUNK):
            apps: list[tuple] = []
            audit: list[tuple] = []
            for n in range(begin, min(begin + CHUNK, self.plan.count)):
                self.one(n, apps, audit)
            yield apps, audit

    def pick(self, n: int) -> tuple[str, Owner]:
        if self.demo_every and self.demo_owner.id and n % self.demo_every == 0:
            return ("codeassign" if n % 3 else "websites"), self.demo_owner
        process = self.processes[n % len(self.processes)]
        owners = self.by_kind[PROCESSES[process][1]]
        return process, owners[self.rng.randrange(len(owners))]

    def one(self, n: int, apps: list[tuple], audit: list[tuple]) -> None:
        rng = self.rng
        process, owner = self.pick(n)
        workflow, _, matters = PROCESSES[process]
        matter = matters[rng.randrange(len(matters))]
        options = self.trails[process]
        trail = rng.choices(options, weights=[t.weight for t in options])[0]
        app_id = self.plan.first_application + n
        created = self.start + self.step * n
        records = self.trail_records(app_id, process, owner, trail, created)
        at_last = records[-1][2]
        submitted = records[-1][2] if trail.transition else None
        docs = self.pool[process, matter]
        apps.append(
            (
                app_id, process, workflow, matter, trail.state, docs[rng.randrange(len(docs))],
                owner.region, len(records), created, at_last, submitted, owner.id,
            )
        )  # fmt: skip
        audit.extend(records)

    def trail_records(
        self, app_id: int, process: str, owner: Owner, trail: Trail, created: dt.datetime
    ) -> list[tuple]:
        """1-3 records: created, maybe saved, then the transition into the current state."""
        initial = self.trails[process][0].state
        create = (self.audit_id, 1, created, "create", None, None, initial, None, None)
        records = [(*create, owner.id, app_id)]
        self.audit_id += 1
        if trail.transition is None or self.rng.random() < 0.4:
            at = created + dt.timedelta(minutes=self.rng.randint(1, 600))
            state = trail.source or initial
            records.append(
                (self.audit_id, 2, at, "save", None, state, state, None, None, owner.id, app_id)
            )
            self.audit_id += 1
        if trail.transition is not None:
            actor = owner.id if trail.by_owner else self.plan.demo.get(REVIEWERS[process], owner.id)
            reply = REPLIES[app_id % len(REPLIES)] if trail.reply else None
            records.append(
                (
                    self.audit_id, len(records) + 1, records[-1][2] + dt.timedelta(hours=20),
                    "transition", trail.transition, trail.source, trail.state, reply,
                    trail.decision, actor, app_id,
                )
            )  # fmt: skip
            self.audit_id += 1
        return records


# --- PostgreSQL ----------------------------------------------------------------------------

#: The server the benchmarks create their databases on (``GOVFLOW_BENCH_PG`` to change it).
PG_SERVER = os.environ.get("GOVFLOW_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_dsn(PG_SERVER + "/postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """A new, empty database ``<prefix>_<pid>`` on ``PG_SERVER``, dropped on the way out."""
    name = f"{prefix}_{os.getpid()}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _pg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


async def _pg_plan(conn, count: int, accounts: int, demo_owned: int | None) -> Plan:
    from kernel.auth import hash_password
    from kernel.demo import PASSWORD

    if await conn.fetchval("SELECT count(*) FROM account WHERE username LIKE 'bench-%'"):
        raise SystemExit("this database already holds generated rows: use a fresh one")
    demo = dict(await conn.fetch("SELECT username, id FROM account"))
    return Plan(
        count=count,
        accounts=accounts,
        demo_owned=default_demo_owned(count) if demo_owned is None else demo_owned,
        first_account=(await conn.fetchval("SELECT coalesce(max(id), 0) FROM account")) + 1,
        first_application=(await conn.fetchval("SELECT coalesce(max(id), 0) FROM application")) + 1,
        first_audit=(await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_record")) + 1,
        demo=demo,
        password_hash=hash_password(PASSWORD),
    )


async def _pg_drop_indexes(conn) -> list[str]:
    """The secondary (non-constraint) indexes of the two big tables: dropped, to rebuild."""
    rows = await conn.fetch(
        """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
           FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid
           WHERE i.indrelid IN ('application'::regclass, 'audit_record'::regclass)
             AND c.oid IS NULL"""
    )
    for row in rows:
        await conn.execute(f"DROP INDEX {row['name']}")
    return [row["ddl"] for row in rows]


async def _pg_session(conn) -> None:
    """No per-row foreign-key triggers (superuser only; else they run) and no commit waits."""
    import asyncpg

    await conn.execute("SET synchronous_commit = off")
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await conn.execute("SET session_replication_role = replica")


async def _run_all(conn, statements: list[str]) -> None:
    for statement in statements:
        await conn.execute(statement)


async def fill_postgres(
    url: str, count: int, accounts: int = 10_000, demo_owned: int | None = None
) -> dict[str, Any]:
    """Generate into PostgreSQL with COPY; returns counts and the seconds of each phase."""
    import asyncpg

    times: dict[str, float] = {}
    started = time.perf_counter()
    conn = await asyncpg.connect(_pg_dsn(url))
    side = await asyncpg.connect(_pg_dsn(url))
    try:
        plan = await _pg_plan(conn, count, accounts, demo_owned)
        for c in (conn, side):
            await _pg_session(c)
        account_rows, by_kind = owner_accounts(plan, random.Random(plan.seed))
        await conn.copy_records_to_table("account", records=account_rows, columns=ACCOUNT_COLUMNS)
        indexes = await _pg_drop_indexes(conn)
        rows, audits = Rows(plan, by_kind), 0
        times["prepare_s"] = time.perf_counter() - started
        for apps, audit in rows.chunks():
            await asyncio.gather(
                conn.copy_records_to_table(
                    "application", records=apps, columns=APPLICATION_COLUMNS
                ),
                side.copy_records_to_table("audit_record", records=audit, columns=AUDIT_COLUMNS),
            )
            audits += len(audit)
        times["copy_s"] = time.perf_counter() - started - times["prepare_s"]
        mark = time.perf_counter()
        await asyncio.gather(_run_all(conn, indexes[::2]), _run_all(side, indexes[1::2]))
        times["indexes_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for table in ("account", "application", "audit_record"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        await asyncio.gather(
            conn.execute("VACUUM (ANALYZE) application"),
            side.execute("VACUUM (ANALYZE) audit_record"),
        )
        await conn.execute("ANALYZE account")
        times["vacuum_analyze_s"] = time.perf_counter() - mark
    finally:
        await conn.close()
        await side.close()
    return _summary(plan, audits, started, times)


def _summary(plan: Plan, audits: int, started: float, times: dict[str, float]) -> dict[str, Any]:
    seconds = time.perf_counter() - started
    return {
        "applications": plan.count,
        "audit_records": audits,
        "accounts": plan.accounts,
        "demo_owned": plan.demo_owned,
        "first_application": plan.first_application,
        "seconds": round(seconds, 1),
        "applications_per_s": round(plan.count / seconds),
        **{k: round(v, 1) for k, v in times.items()},
    }


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_time(value: dt.datetime | None) -> str | None:
    """As tortoise writes it: local time (Asia/Shanghai) with its offset."""
    return None if value is None else value.astimezone(SHANGHAI).isoformat(sep=" ")


def _sqlite_plan(db: sqlite3.Connection, count: int, accounts: int, demo_owned: int | None):
    from kernel.auth import hash_password
    from kernel.demo import PASSWORD

    if db.execute("SELECT count(*) FROM account WHERE username LIKE 'bench-%'").fetchone()[0]:
        raise SystemExit("this database already holds generated rows: use a fresh one")
    top = {
        t: db.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]
        for t in ("account", "application", "audit_record")
    }
    return Plan(
        count=count,
        accounts=accounts,
        demo_owned=default_demo_owned(count) if demo_owned is None else demo_owned,
        first_account=top["account"] + 1,
        first_application=top["application"] + 1,
        first_audit=top["audit_record"] + 1,
        demo=dict(db.execute("SELECT username, id FROM account").fetchall()),
        password_hash=hash_password(PASSWORD),
    )


def _insert(db: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: list[tuple]):
    times = {i for i, c in enumerate(columns) if c.endswith("_at") or c in ("at", "locked_until")}
    converted = [
        tuple(_sqlite_time(v) if i in times else v for i, v in enumerate(row)) for row in rows
    ]
    marks = ", ".join("?" * len(columns))
    names = ", ".join(f'"{c}"' for c in columns)
    db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', converted)


def fill_sqlite(
    path: str, count: int, accounts: int = 10_000, demo_owned: int | None = None
) -> dict[str, Any]:
    """Generate into a SQLite file; one transaction per chunk of ``CHUNK`` applications."""
    started = time.perf_counter()
    times: dict[str, float] = {}
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous = OFF")
        plan = _sqlite_plan(db, count, accounts, demo_owned)
        account_rows, by_kind = owner_accounts(plan, random.Random(plan.seed))
        db.execute("BEGIN")
        _insert(db, "account", ACCOUNT_COLUMNS, account_rows)
        db.execute("COMMIT")
        rows, audits = Rows(plan, by_kind), 0
        times["prepare_s"] = time.perf_counter() - started
        for apps, audit in rows.chunks():
            db.execute("BEGIN")
            _insert(db, "application", APPLICATION_COLUMNS, apps)
            _insert(db, "audit_record", AUDIT_COLUMNS, audit)
            db.execute("COMMIT")
            audits += len(audit)
        times["insert_s"] = time.perf_counter() - started - times["prepare_s"]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return _summary(plan, audits, started, times)


def generate(
    url: str, count: int, accounts: int = 10_000, demo_owned: int | None = None
) -> dict[str, Any]:
    """Fill the database at ``url`` (``postgres://…`` or ``sqlite:///path``) with ``count``."""
    if url.startswith("sqlite:"):
        return fill_sqlite(url.split("://", 1)[1], count, accounts, demo_owned)
    return asyncio.run(fill_postgres(url, count, accounts, demo_owned))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="postgres://user@host:port/db or sqlite:///f")
    parser.add_argument("--count", type=int, default=1_000_000, help="applications to add")
    parser.add_argument("--accounts", type=int, default=10_000, help="applicant accounts to add")
    parser.add_argument(
        "--demo-owned", type=int, help="applications of the demo unit (default: count/20, ≤10,000)"
    )
    args = parser.parse_args()
    print(json.dumps(generate(args.url, args.count, args.accounts, args.demo_owned), indent=2))


if __name__ == "__main__":
    main()
