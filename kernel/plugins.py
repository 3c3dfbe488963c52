"""Building the plugin manager: the kernel's defaults, then every installed plugin.

Made by a factory, never at import time, so each app and each test has its own.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "govflow.plugins"

#: The kernel's own contributions, registered like any plugin.
DEFAULT_PLUGINS = ("kernel.default_formats",)


class PluginError(RuntimeError):
    """A plugin that cannot be used; the message names it."""


def make_plugin_manager(
    *, autoload: bool = True, extra: Iterable[tuple[str, Any]] = ()
) -> pluggy.PluginManager:
    """Defaults, then entry-point plugins (unless ``autoload`` is off), then ``extra``."""
    pm = pluggy.PluginManager("govflow")
    pm.add_hookspecs(hookspecs)
    for module in DEFAULT_PLUGINS:
        _register(pm, module, importlib.import_module(module))
    if autoload:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin '{ep.name}' ({ep.value}) failed to load: {type(exc).__name__}: {exc}"
                ) from exc
            _register(pm, ep.name, plugin)
    for name, plugin in extra:
        _register(pm, name, plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginError(f"plugin '{name}' has an unknown hook: {exc}") from exc
    return pm


def _register(pm: pluggy.PluginManager, name: str, plugin: Any) -> None:
    if pm.has_plugin(name):
        raise PluginError(f"two plugins are named '{name}'")
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin '{name}' is broken: {exc}") from exc


def owner_caller(pm: pluggy.PluginManager, hook: str, owner: str) -> Any:
    """``hook`` of the one plugin named ``owner``: the kernel asks a process's plugin only."""
    others = [p for name, p in pm.list_name_plugin() if name != owner]
    return pm.subset_hook_caller(hook, remove_plugins=others)


async def await_me_maybe(value: Any) -> Any:
    """A hook may return its value or an awaitable of it: the one convention, in one place."""
    if inspect.isawaitable(value):
        return await value
    return value


def plugin_info(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Name, distribution and hooks of each registered plugin, for ``govflow plugins``."""
    dists = {ep.name: ep.dist for ep in entry_points(group=ENTRY_POINT_GROUP)}
    rows = []
    for name, plugin in pm.list_name_plugin():
        dist = dists.get(name)
        rows.append(
            {
                "name": name,
                "module": getattr(plugin, "__name__", type(plugin).__name__),
                "distribution": f"{dist.metadata['Name']} {dist.version}" if dist else None,
                "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or ()),
            }
        )
    return rows
