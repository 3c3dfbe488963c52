"""The job runner of the ``system`` actor: work no person does, once across workers.

A national-verification answer, a scheduled re-check, an expiry warning: a plugin declares them
as ``kernel.Job`` items (``govflow_jobs``) and they run as the recorded ``system`` account,
through the same guarded transitions and audit trail as a person's steps.

Why a table of our own (``job_run``) rather than a queue library: one mechanism on SQLite and
PostgreSQL alike, no second database driver beside asyncpg, no second schema to migrate. That
choice holds only if the table gives what a queue would, so:

- **Inserted once.** A periodic job's slot (its ``every``, counted from Monday 2000-01-03 00:00
  China time, so a daily slot begins at midnight in China) is a row with the unique key
  ``job@<slot>``, and a caller's ``key`` deduplicates an ``enqueue`` the same way. Both are
  written with ``INSERT … ON CONFLICT DO NOTHING``: however many workers insert at once, one
  row exists, and a duplicate never raises — which matters inside an effect's transaction,
  where a failed insert would abort the whole PostgreSQL transaction.
- **Claimed once.** A run is claimed by one conditional ``UPDATE job_run SET claimed_at = now …
  WHERE id = … AND done_at IS NULL AND failed_at IS NULL AND (claimed_at IS NULL OR claimed_at
  < now - lease)``; its row count names the winner. The database serialises updates of one
  row (on PostgreSQL the loser re-checks the condition against the winner's committed row and
  no longer matches), so this holds across processes without a lock held while the job runs —
  no transaction stays open during a run.
- **Leases expire.** A worker that dies leaves a claim that another worker takes over once the
  lease has run out; a live worker renews its lease while its job runs, so a long run is not
  started a second time beside it. A run is therefore done at least once, never twice at once.
- **Failures back off.** A run that raises is tried again after 30 s, 1 min, 2 min … (capped),
  with its error recorded, and is marked failed after ``max_attempts``. Attempts are counted
  when a run is claimed, so a run that kills its worker every time still ends up failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import traceback
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.expressions import F, Q

from . import clock, workflow
from .attachments import ORPHAN_JOB
from .contract import Job
from .db.models import Account, Application, JobRun
from .errors import NotFound
from .plugins import PluginError

if TYPE_CHECKING:
    import pluggy
    from tortoise.backends.base.client import BaseDBAsyncClient

    from .core import Kernel
    from .decision import Decision

log = logging.getLogger(__name__)

#: The account every job acts as; it has no password, so nobody can log in as it.
SYSTEM_USERNAME = "system"
#: Periodic slots are counted from this Monday midnight in China.
EPOCH = dt.datetime(2000, 1, 3, tzinfo=clock.CHINA)
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=1)
#: Due runs looked at in one pass; after a full batch the loop looks again at once.
BATCH = 20
#: How much of a failure's traceback is kept in ``last_error`` (its end: the exception).
ERROR_CHARS = 4000
#: Lengths of the ``job_run`` columns, checked before a write rather than truncated by it.
NAME_CHARS, KEY_CHARS, WORKER_CHARS = 64, 160, 64


def _now() -> dt.datetime:
    """The service's clock, in China time: SQLite compares stored times as text, so every time
    written or compared must carry the same offset."""
    return _china(clock.now())


def _china(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone: whose clock is it?")
    return moment.astimezone(clock.CHINA)


def slot_of(moment: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The start of the period of length ``every`` that ``moment`` falls in."""
    return EPOCH + ((_china(moment) - EPOCH) // every) * every


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, 4 min … at most 1 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


async def system_account() -> Account:
    """The ``system`` account, created on first use.

    Race-safe without a caught ``IntegrityError`` (which on PostgreSQL would abort a caller's
    transaction): the insert does nothing when another worker has just made the account, and
    the account is read back either way. An account of another kind under that username is
    refused: an applicant must never be recorded as the system actor.
    """
    account = await Account.get_or_none(username=SYSTEM_USERNAME)
    if account is None:
        made = Account(
            username=SYSTEM_USERNAME,
            kind="system",
            display_name="系统",
            password_hash="!",  # no hash of any password: no login possible
            roles=["system"],
        )
        await Account.bulk_create([made], ignore_conflicts=True)
        account = await Account.get(username=SYSTEM_USERNAME)
    if account.kind != "system":
        raise RuntimeError(
            f"the username '{SYSTEM_USERNAME}' belongs to a {account.kind} account "
            f"(id {account.id}); rename it so that jobs can act as the system"
        )
    return account


async def enqueue(
    db: BaseDBAsyncClient | None,
    job: str,
    payload: Mapping[str, Any] | None = None,
    *,
    run_at: dt.datetime | None = None,
    key: str | None = None,
) -> None:
    """Queue a run of ``job`` (now, or at ``run_at``) with a JSON ``payload``.

    Pass an effect's ``db`` and the run commits with the transition, or is never queued when
    the transition rolls back; ``None`` writes on the default connection. With a ``key`` a
    second enqueue of the same key does nothing, also when two race.
    """
    if not job or len(job) > NAME_CHARS:
        raise ValueError(f"a job name has 1 to {NAME_CHARS} characters: {job!r}")
    if key is not None and len(key) > KEY_CHARS:
        raise ValueError(f"a job key has at most {KEY_CHARS} characters: {key!r}")
    row = JobRun(job=job, key=key, payload=dict(payload or {}), run_at=_china(run_at or _now()))
    await JobRun.bulk_create([row], ignore_conflicts=True, using_db=db)


@dataclass
class JobContext:
    """What a job's ``run`` receives: who it acts as, its services, what it was queued with."""

    kernel: Kernel
    #: The system account; its steps are recorded with ``login_method="system"``.
    actor: workflow.Actor
    adapters: Mapping[str, Any]
    #: What the run was queued with; a periodic run has ``{"slot": <its slot, ISO 8601>}``.
    payload: Mapping[str, Any]
    job: str
    run_id: int
    #: When this run began (the service's clock).
    now: dt.datetime

    async def transition(
        self,
        subject_id: int,
        name: str,
        *,
        reply: str | None = None,
        input: Mapping[str, Any] | None = None,
    ) -> tuple[Application, Decision, dict[str, Any]]:
        """Take transition ``name`` of a subject as the system actor: the role, state, schema
        and rule checks and the audit trail are the same as for a person, and a refusal raises
        (so the run is retried later). Returns what ``workflow.transition`` does: the subject,
        the decision and what the owning plugin's effects hand back."""
        application = await Application.get_or_none(id=subject_id, deleted_at=None)
        if application is None:
            raise NotFound(f"no subject {subject_id}")
        return await workflow.transition(
            self.kernel,
            self.actor,
            application,
            name,
            if_match=application.version,
            reply=reply,
            input=input,
        )

    async def enqueue(
        self,
        job: str,
        payload: Mapping[str, Any] | None = None,
        *,
        run_at: dt.datetime | None = None,
        key: str | None = None,
    ) -> None:
        """Follow-up work, queued at once (not with this run's outcome)."""
        await enqueue(None, job, payload, run_at=run_at, key=key)


class JobRunner:
    """Runs the due runs of ``jobs`` in one process; several runners share the work safely."""

    def __init__(
        self,
        kernel: Kernel,
        jobs: Sequence[Job],
        adapters: Mapping[str, Any],
        *,
        worker_id: str,
        tick: float = 1.0,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        max_attempts: int = 5,
    ) -> None:
        self.jobs: dict[str, Job] = {}
        for job in jobs:
            if job.name in self.jobs:
                raise ValueError(f"two jobs are named '{job.name}'")
            self.jobs[job.name] = job
        self.kernel, self.adapters = kernel, adapters
        self.worker_id = worker_id[:WORKER_CHARS]
        self.tick, self.lease, self.max_attempts = tick, lease, max_attempts
        #: The slot key each periodic job last inserted here: no insert per tick in between.
        self._slots: dict[str, str] = {}
        self._account: Account | None = None

    async def run_once(self) -> int:
        """One pass: insert the current slot of each periodic job, then claim and run what is
        due. Returns how many runs were run (failed ones included)."""
        await self._insert_slots(_now())
        due = JobRun.filter(self._claimable(_now())).order_by("run_at", "id").limit(BATCH)
        ran = 0
        for row in await due:
            if await self._claim(row):
                ran += await self._execute(row)
        return ran

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        """Pass after pass until ``stop``: every ``tick`` seconds, or at once when ``wake`` is
        set (after something was queued). A broken pass (the database gone for a moment) is
        logged and the loop goes on."""
        wake = wake or asyncio.Event()
        while not stop.is_set():
            wake.clear()  # before the pass: a wake during it is not lost
            try:
                if await self.run_once() >= BATCH:
                    continue
            except Exception:
                log.exception("job runner %s: a pass failed; trying again", self.worker_id)
            await _first_of((stop, wake), self.tick)

    # -- one pass ----------------------------------------------------------------------------

    async def _insert_slots(self, now: dt.datetime) -> None:
        for job in self.jobs.values():
            if job.every is None:
                continue
            slot = slot_of(now, job.every)
            key = f"{job.name}@{slot.isoformat()}"
            if self._slots.get(job.name) != key:
                await enqueue(None, job.name, {"slot": slot.isoformat()}, run_at=slot, key=key)
                self._slots[job.name] = key

    def _claimable(self, now: dt.datetime) -> Q:
        """Due, not finished, and not claimed by a worker whose lease still runs."""
        return Q(done_at=None, failed_at=None, run_at__lte=now) & (
            Q(claimed_at=None) | Q(claimed_at__lt=now - self.lease)
        )

    async def _claim(self, row: JobRun) -> bool:
        """Whether this worker won the run; ``row`` then holds it as claimed."""
        now = _now()
        won = await JobRun.filter(self._claimable(now), id=row.id).update(
            claimed_at=now, claimed_by=self.worker_id, attempts=F("attempts") + 1
        )
        if won:
            await row.refresh_from_db()
        return bool(won)

    async def _execute(self, row: JobRun) -> int:
        """Run one claimed run and record how it ended; 1 if its job was run, else 0."""
        job = self.jobs.get(row.job)
        if job is None:
            await self._give_up(row, f"no plugin declares the job '{row.job}' (is it installed?)")
            return 0
        if row.attempts > self.max_attempts:
            await self._give_up(
                row,
                f"{self.max_attempts} attempts began and did not finish: the workers running "
                f"them stopped. The last error recorded: {row.last_error or 'none'}",
                attempts=self.max_attempts,
            )
            return 0
        try:
            context = await self._context(row)
            async with self._lease_kept(row):
                await job.run(context)
        except Exception as exc:
            await self._failed(row, exc)
        else:
            await self._record(row, done_at=_now())
        return 1

    async def _context(self, row: JobRun) -> JobContext:
        if self._account is None:
            self._account = await system_account()
        return JobContext(
            kernel=self.kernel,
            actor=workflow.Actor(self._account, login_method="system"),
            adapters=self.adapters,
            payload=dict(row.payload or {}),
            job=row.job,
            run_id=row.id,
            now=_now(),
        )

    async def _failed(self, row: JobRun, exc: Exception) -> None:
        """Try again after the backoff, or give up after ``max_attempts``."""
        error = _error_text(exc)
        if row.attempts >= self.max_attempts:
            log.error(
                "job %s run %s failed %d times, giving up: %s",
                row.job,
                row.id,
                row.attempts,
                exc,
                exc_info=exc,
            )
            await self._record(row, failed_at=_now(), last_error=error)
            return
        retry = _now() + backoff(row.attempts)
        log.warning(
            "job %s run %s attempt %d failed, trying again at %s: %s",
            row.job,
            row.id,
            row.attempts,
            retry.isoformat(),
            exc,
            exc_info=exc,
        )
        await self._record(row, claimed_at=None, run_at=retry, last_error=error)

    async def _give_up(self, row: JobRun, error: str, **changes: Any) -> None:
        log.error("job %s run %s marked failed: %s", row.job, row.id, error)
        await self._record(row, failed_at=_now(), last_error=error, **changes)

    async def _record(self, row: JobRun, **changes: Any) -> None:
        """How the run ended, unless another worker took it over meanwhile (its lease had run
        out while this one could not renew it): that worker's outcome counts then."""
        kept = await JobRun.filter(id=row.id, claimed_by=self.worker_id).update(**changes)
        if not kept:
            log.warning("job %s run %s: the claim was lost before its end", row.job, row.id)

    @contextlib.asynccontextmanager
    async def _lease_kept(self, row: JobRun) -> AsyncIterator[None]:
        """Renew the claim every third of the lease while the job runs."""
        renewer = asyncio.create_task(self._renew(row))
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _renew(self, row: JobRun) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await JobRun.filter(
                    id=row.id, claimed_by=self.worker_id, done_at=None, failed_at=None
                ).update(claimed_at=_now())
            except Exception:
                log.warning("job %s run %s: the lease could not be renewed", row.job, row.id)


def _error_text(exc: BaseException) -> str:
    """The end of the traceback: the innermost frames and the exception with its message."""
    text = "".join(traceback.format_exception(exc, limit=-3)).strip()
    return text[-ERROR_CHARS:]


async def _first_of(events: Sequence[asyncio.Event], timeout: float) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def runner_jobs(pm: pluggy.PluginManager) -> list[Job]:
    """What a service's job runner runs: the kernel's own jobs, then every plugin's."""
    return [ORPHAN_JOB, *jobs_of(pm)]


def jobs_of(pm: pluggy.PluginManager) -> list[Job]:
    """Every plugin's jobs (``govflow_jobs``). A name two plugins use, a name too long for the
    table or an ``every`` that is not positive stops start-up, naming the plugins."""
    found: dict[str, tuple[str, Job]] = {}
    for impl in pm.hook.govflow_jobs.get_hookimpls():
        for job in impl.function() or ():
            _check_job(impl.plugin_name, job)
            if job.name in found:
                raise PluginError(
                    f"the job '{job.name}' is declared twice: by plugin '{found[job.name][0]}' "
                    f"and by plugin '{impl.plugin_name}'"
                )
            found[job.name] = (impl.plugin_name, job)
    return [job for _, job in found.values()]


def _check_job(plugin: str, job: Job) -> None:
    if not job.name or len(job.name) > NAME_CHARS:
        raise PluginError(f"plugin '{plugin}': a job name has 1 to {NAME_CHARS} characters")
    if job.every is not None and job.every <= dt.timedelta(0):
        raise PluginError(f"plugin '{plugin}': the job '{job.name}' has an 'every' of {job.every}")
