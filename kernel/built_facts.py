"""Which fact fields the server really builds: the evidence behind a ``rules check`` warning.

A rule that reads a field no server-built context supplies is dead in production, however
green its rule tests (they hand the rules a context written by hand). The schemas cannot tell:
they say what a fact *may* hold. So ``govflow rules check`` asks the server itself: for every
subject stored in the database, and every guarded transition open from its state, the context
is built exactly as a real step builds it (``workflow.built_context``, with the way the actor
last logged in) for each guarded transition of its workflow, and the plugin's facts are made
from it. The actors are the owner and the first other stored account that has one of the
transition's roles and takes part in the subject (``govflow_takes_part``: the enterprise an
individual declared to), so that a fact built only for that party counts as built. A field
a rule tests that none of those facts carries is reported, with the number of subjects
looked at.

What this cannot see: fields that come from a transition's ``input`` (the probe sends none)
and kinds of subject the database does not hold (a unit whose certificate has an end date,
say). On a fresh machine the database is the demo's, so the demo data should hold a subject of
each kind its rules look at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import access, workflow
from .core import Kernel
from .db.models import Account, Application, Token
from .process import Transition
from .rules.compiler import iter_tests
from .rules.model import RuleSet
from .rules.problems import Problem


@dataclass
class Built:
    """Per process: how many subjects were probed, and fact kind -> the fields built."""

    subjects: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fields: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )

    def add(self, process: str, facts: Iterable[Mapping[str, object]]) -> None:
        for fact in facts:
            kind = str(fact.get("kind"))
            self.fields[process][kind].update(k for k in fact if k != "kind")


async def probe(kernel: Kernel) -> Built:
    """Build the context and facts of every stored subject for each guarded transition of its
    workflow, as its owner would take it and as a party with the transition's roles would."""
    built = Built()
    actors: dict[int, workflow.Actor] = {}
    accounts = await Account.all().order_by("id")
    async for application in Application.filter(deleted_at=None).order_by("id"):
        if application.process not in kernel.processes:
            continue
        process = kernel.process(application.process)
        wf = process.workflows.get(application.workflow)
        if wf is None:
            continue
        built.subjects[process.name] += 1
        for step in wf.transitions:  # from any state: the facts are about the subject
            if not step.rulesets:
                continue
            for account_id in await _takers(kernel, application, step, accounts):
                if account_id not in actors:
                    actors[account_id] = await _as_last_logged_in(account_id)
                context = await workflow.built_context(
                    kernel, actors[account_id], application, step
                )
                facts = kernel.facts(
                    process.name, wf.name, application.matter, application.data, context
                )
                built.add(process.name, facts)
    return built


async def _takers(
    kernel: Kernel, application: Application, step: Transition, accounts: list[Account]
) -> list[int]:
    """The owner, and the first account other than the owner that has one of the step's roles
    and takes part in the subject (none where no party does)."""
    for account in accounts:
        if account.id == application.owner_id or not set(account.roles) & set(step.roles):
            continue
        if await access.takes_part(kernel, account, application):
            return [application.owner_id, account.id]
    return [application.owner_id]


async def _as_last_logged_in(account_id: int) -> workflow.Actor:
    account = await Account.get(id=account_id)
    token = await Token.filter(account_id=account_id).order_by("-id").first()
    return workflow.Actor(account, login_method=token.login_method if token else "password")


def unbuilt(ruleset: RuleSet, built: Built) -> list[Problem]:
    """A warning for each fact kind and field the ruleset tests that the server never built."""
    process = ruleset.process
    if process not in built.subjects:
        return []
    kinds, n = built.fields.get(process, {}), built.subjects[process]
    seen: set[tuple[str, str]] = set()
    problems: list[Problem] = []

    def warn(line: int, key: tuple[str, str], what: str) -> None:
        if key in seen:
            return
        seen.add(key)
        problems.append(
            Problem(
                ruleset.path,
                line,
                "never-built",
                f"{what} is not built by the server for any of the {n} stored {process} "
                "subjects: only a hand-written context (a dry run, a rule test) supplies it",
                severity="warning",
            )
        )

    for rule in ruleset.rules:
        line = int(rule.source.rsplit(":", 1)[1])
        for alt in rule.alternatives:
            for pattern in alt.patterns:
                if pattern.kind not in kinds:
                    warn(line, (pattern.kind, ""), f"fact '{pattern.kind}'")
                    continue
                for test in iter_tests(pattern.test):
                    if test.field.split(".")[0] not in kinds[pattern.kind]:
                        key = (pattern.kind, test.field)
                        warn(test.line, key, f"'{pattern.kind}.{test.field}'")
    return problems


def not_probed(processes: Iterable[str], built: Built, where: str) -> list[Problem]:
    """A process with no stored subject could not be probed: say so rather than stay silent."""
    return [
        Problem(
            where,
            1,
            "not-probed",
            f"no {name} subject is stored, so no rule of {name} was checked against the facts "
            "the server builds (load the demo data: govflow demo)",
            severity="warning",
        )
        for name in sorted(processes)
        if name not in built.subjects
    ]
