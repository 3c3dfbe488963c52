"""The kernel assembled: plugins, processes, schemas and rules, with nothing global.

``Kernel.build`` is what the app factory, the CLI and the tests call; everything a request
needs hangs off the one object it returns.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from . import clock
from .config import Config
from .decision import Decision
from .identifiers import one_decision
from .manifest import load_manifest
from .metrics import Metrics
from .plugins import PluginError, make_plugin_manager, owner_caller
from .process import KERNEL_ROLES, Process
from .rules.book import RuleBook, RuleSource
from .rules.facts import ContextShapeError, FactError
from .rules.lint import FactFields, known_types, make_linter
from .schemas import SchemaRegistry

log = logging.getLogger(__name__)


class UnknownName(LookupError):
    """A process, workflow, matter or transition that does not exist."""


@dataclass
class Kernel:
    config: Config
    pm: pluggy.PluginManager
    processes: dict[str, Process]
    schemas: SchemaRegistry
    rules: RuleBook
    #: This kernel's (so this app's) Prometheus registry: decisions and transitions count here.
    metrics: Metrics = field(default_factory=Metrics)
    #: Documents derived once from the kernel and its app (the OpenAPI description), rebuildable.
    cache: dict[str, Any] = field(default_factory=dict)
    #: The outside services, by adapter name, as the operator chose them (``GOVFLOW_ADAPTERS``).
    adapters: dict[str, Any] = field(default_factory=dict)
    #: Which implementation each adapter uses, for ``/healthz`` and ``govflow plugins``.
    adapter_choices: dict[str, str] = field(default_factory=dict)
    _owner_hooks: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        config: Config | None = None,
        pm: pluggy.PluginManager | None = None,
        *,
        load_rules: bool = True,
    ) -> Kernel:
        """Load every plugin's process, its schemas and its rules (refusing broken ones)."""
        config = config or Config.from_env()
        pm = pm or make_plugin_manager(autoload=config.autoload_plugins)
        processes = _processes(pm, config)
        formats: dict[str, Any] = {}
        # pluggy calls the last-registered plugin first: reversed, a later plugin replaces.
        for contributed in reversed(pm.hook.govflow_formats()):
            formats.update(contributed or {})
        schema_dirs = [("common", config.schemas_dir / "common")]
        schema_dirs += [(p.name, p.schemas_dir) for p in processes.values()]
        schemas = SchemaRegistry.from_dirs([d for d in schema_dirs if d[1].is_dir()], formats)
        kernel = cls(config, pm, processes, schemas, RuleBook([]))
        kernel.adapters, kernel.adapter_choices = _adapters(pm, config)
        sources = [
            RuleSource(p.name, p.rules_dir, known_types(kernel.fact_fields(p.name) or {}))
            for p in processes.values()
        ]
        kernel.rules = RuleBook(sources, lint=make_linter(kernel.fact_fields))
        if load_rules:
            kernel.rules.refresh()
        return kernel

    def close(self) -> None:
        self.rules.close()
        self.rules.engine.close()

    # -- lookups -----------------------------------------------------------------------------

    def process(self, name: str) -> Process:
        try:
            return self.processes[name]
        except KeyError:
            raise UnknownName(f"no process '{name}'") from None

    def hook(self, process: str, name: str) -> Any:
        """Hook ``name`` of the plugin that owns ``process``: per-process hooks ask it alone."""
        key = (process, name)
        if key not in self._owner_hooks:
            self._owner_hooks[key] = owner_caller(self.pm, name, self.process(process).plugin)
        return self._owner_hooks[key]

    def fact_fields(self, process: str) -> FactFields | None:
        """Fields of each fact kind the process declares, from its schemas."""
        found = self.processes.get(process)
        if found is None or not found.facts:
            return None
        return {
            kind: self.schemas.fields(self.schemas.resolve_id(ref, process))
            for kind, ref in found.facts.items()
        }

    # -- the work ----------------------------------------------------------------------------

    def facts(
        self,
        process: str,
        workflow: str,
        matter: str | None,
        document: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> list[Mapping[str, Any]]:
        """Every plugin's facts about one subject, for the rules engine.

        A dry run's context comes from the client: a plugin that trips over a value of the wrong
        shape (``"unit": 5``) is a bad request, not a crash. The traceback is still logged, since
        the same error from a server-built context is the plugin's bug.
        """
        try:
            results = self.hook(process, "govflow_facts")(
                process=process,
                workflow=workflow,
                matter=matter,
                document=document,
                context=context,
            )
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            if isinstance(exc, FactError):
                raise
            log.warning("facts of %s could not be built", process, exc_info=True)
            raise ContextShapeError(
                f"the context is not of the shape {process} reads: {exc}"
            ) from None
        return [fact for facts in results if facts for fact in facts]

    def validate(
        self,
        process: str,
        document: Mapping[str, Any],
        *,
        workflow: str | None = None,
        matter: str | None = None,
        transition: str | None = None,
        context: Mapping[str, Any] | None = None,
        as_of: dt.date | None = None,
    ) -> Decision:
        """Schema, then the rulesets guarding ``transition``: every outcome at once.

        Without a transition, the first one leaving the workflow's initial state (the
        submission) is checked. Rules only see a document that passed its schema, except the
        rules that judge the step's input alone (``_input_rules``), and only with its
        identifiers in canonical form (``SchemaRegistry.normalise``), whoever calls.
        """
        with one_decision():  # an identifier is checked once, however many ask
            proc = self.process(process)
            wf = self._workflow(proc, workflow, matter)
            step = self._transition(wf, transition)
            ctx = {"transition": step.name, **(context or {})}
            schema_id = proc.schema_for(wf.name, matter)
            if schema_id is not None:
                uri = self.schemas.resolve_id(schema_id, process)
                document = self.schemas.normalise(uri, document)
                violations = self.schemas.validate(uri, document)
                if violations:
                    decision = Decision(as_of or clock.today(), (), tuple(violations))
                    inputs = self._input_rules(process, wf, matter, step, ctx, as_of)
                    decision = decision.merged(inputs)
                    self.metrics.decision(process, decision)
                    return decision
            facts = self.facts(process, wf.name, matter, document, ctx)
            decision = self.rules.evaluate(step.rulesets, facts, as_of)
            self.metrics.decision(process, decision)
            return decision

    def _input_rules(self, process, wf, matter, step, ctx, as_of) -> Decision:
        """The outcomes of the rules that name only the step's ``input`` fields (``/input/…``),
        when the document failed its schema: such a rule judges what was typed for the step
        (a password), not the document, so it is told together with the schema's violations
        (一次性告知). Their facts are built over an empty document; no other rule is kept."""

        def judges_input(outcome) -> bool:
            return bool(outcome.fields) and all(f.startswith("/input/") for f in outcome.fields)

        rules = [o for n in step.rulesets for o in self.rules.get(n).outcomes.values()]
        if not ctx.get("input") or not any(judges_input(o) for o in rules):
            return Decision(as_of or clock.today(), (), ())
        facts = self.facts(process, wf.name, matter, {}, ctx)
        decided = self.rules.evaluate(step.rulesets, facts, as_of)
        kept = tuple(o for o in decided.outcomes if judges_input(o))
        return Decision(decided.as_of, decided.rulesets, kept)

    def _workflow(self, proc: Process, workflow: str | None, matter: str | None):
        if matter is not None:
            try:
                workflow = workflow or proc.matter(matter).workflow
            except StopIteration:
                raise UnknownName(f"process '{proc.name}' has no matter '{matter}'") from None
        name = workflow or next(iter(proc.workflows))
        if name not in proc.workflows:
            raise UnknownName(f"process '{proc.name}' has no workflow '{name}'")
        return proc.workflows[name]

    def _transition(self, wf, transition: str | None):
        if transition is None:
            leaving = wf.leaving(wf.initial.name)
            if not leaving:
                raise UnknownName(f"workflow '{wf.name}' has no transition out of its start")
            return leaving[0]
        try:
            return wf.transition(transition)
        except StopIteration:
            raise UnknownName(f"workflow '{wf.name}' has no transition '{transition}'") from None


def _adapters(pm: pluggy.PluginManager, config: Config) -> tuple[dict[str, Any], dict[str, str]]:
    """Each declared adapter built with the implementation configured for it."""
    wanted = dict(
        item.split("=", 1) for item in config.adapters.replace(" ", "").split(",") if "=" in item
    )
    built: dict[str, Any] = {}
    chosen: dict[str, str] = {}
    for adapter in (a for contributed in pm.hook.govflow_adapters() for a in contributed or ()):
        if adapter.name in built:
            raise PluginError(f"two plugins declare the adapter '{adapter.name}'")
        impl = wanted.pop(adapter.name, adapter.default)
        if impl not in adapter.implementations:
            raise PluginError(
                f"adapter '{adapter.name}' has no implementation '{impl}' "
                f"(it has {', '.join(sorted(adapter.implementations))})"
            )
        built[adapter.name] = adapter.implementations[impl](config)
        chosen[adapter.name] = impl
    if wanted:
        raise PluginError(f"GOVFLOW_ADAPTERS names unknown adapters: {', '.join(sorted(wanted))}")
    return built, chosen


def _check_roles(processes: dict[str, Process]) -> None:
    """A role belongs to one process, so an account of one process cannot act in another."""
    owners: dict[str, str] = {}
    for process in processes.values():
        for role in set(process.roles) - KERNEL_ROLES:
            if role in owners:
                raise PluginError(
                    f"role '{role}' is declared by both '{owners[role]}' and '{process.name}': "
                    "a role belongs to one process"
                )
            owners[role] = process.name


def _processes(pm: pluggy.PluginManager, config: Config) -> dict[str, Process]:
    processes: dict[str, Process] = {}
    for impl in pm.hook.govflow_processes.get_hookimpls():
        for path in impl.function() or ():
            process = load_manifest(
                Path(path),
                rules_root=config.rules_dir,
                schemas_root=config.schemas_dir,
                plugin=impl.plugin_name,
            )
            if process.name in processes:
                raise PluginError(f"two plugins provide process '{process.name}'")
            processes[process.name] = process
    for process in processes.values():
        missing = [r for r in process.requires if r not in processes]
        if missing:
            raise PluginError(f"process '{process.name}' requires {missing}, not installed")
    _check_roles(processes)
    return processes
