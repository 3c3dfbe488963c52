"""Putting edited rule files in force while the service runs.

watchfiles (inotify on Linux) wakes the task; the book then re-reads every file and keeps any
broken one out (``RuleBook.refresh``). Refreshing runs on the event loop, between requests, so
no evaluation ever sees a half-swapped ruleset.
"""

from __future__ import annotations

import asyncio
import logging

import watchfiles

from .book import RuleBook

log = logging.getLogger(__name__)

DEBOUNCE_MS = 150


async def watch(book: RuleBook, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
    """Refresh ``book`` after every change under its rule folders until ``stop`` is set."""
    folders = [s.directory for s in book.sources if s.directory.is_dir()]
    if not folders:
        return
    async for changes in watchfiles.awatch(
        *folders,
        stop_event=stop,
        debounce=DEBOUNCE_MS,
        step=20,
        rust_timeout=200,
        yield_on_timeout=True,  # an empty batch proves the watch is in place
    ):
        if not changes:
            if ready is not None:
                ready.set()
            continue
        log.debug("rule files changed: %s", sorted(p for _, p in changes))
        try:
            report = book.refresh()
        except Exception:  # a watcher that dies silently would freeze the rules: keep going
            log.exception("refreshing the rules failed")
            continue
        if report.loaded or report.removed:
            log.info("rules reloaded: %s, removed: %s", report.loaded, report.removed)
