"""A tiny scheduler for the app's periodic work (e-mail delivery, daily digests, ...).

Every worker of the app may run :func:`scheduler_loop`; a job runs once per *period* across all
of them because each run first inserts a ``JobRun(job, period)`` row, unique in the database:

* interval jobs (``every=timedelta(seconds=30)``): the period is now floored to the interval,
  in UTC (``"2026-11-30T10:05"``, with seconds when the interval is not whole minutes);
* daily jobs (``every="daily@08:00"``, Lima time): the period is the Lima date, once that time
  has passed. A run missed while the app was down happens at the first tick after it comes
  back that same day, and never twice for one date.

When the job's function raises, its ``JobRun`` row is deleted so the next tick retries it. A run
left unfinished by a crash is taken over after ``Job.stale_after``.

Wiring (done in sgd_app.py)::

    app.register_lifespan_task(jobs.scheduler_loop)

Other modules add their jobs to :data:`JOBS`::

    jobs.JOBS.append(jobs.Job("resumen-diario", "daily@08:00", send_digests))

A job's function is called as ``fn(engine, now)`` (``now`` aware UTC); whatever it returns is
kept, as text, in ``JobRun.detail``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from sgd_app import db, metrics, settings
from sgd_app.domain import archive, intake, interop, notify, observations, routing, visits
from sgd_app.domain.models import JobRun, utcnow

log = logging.getLogger("sgd.jobs")

LIMA = ZoneInfo(settings.TIMEZONE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAILY = re.compile(r"^daily@([01]\d|2[0-3]):([0-5]\d)$")
_KEEP_INTERVAL_RUNS = timedelta(days=2)  # older JobRun rows of interval jobs are pruned
_MAX_DETAIL = 2000

JobFn = Callable[[Engine, datetime], Any]

# time.monotonic() of this process's last scheduler tick (None: the scheduler does not run here);
# /api/v1/ready checks that it keeps ticking.
last_tick: float | None = None


@dataclass(frozen=True)
class Job:
    """``every``: a ``timedelta`` (interval) or ``"daily@HH:MM"`` (America/Lima)."""

    name: str
    every: timedelta | str
    fn: JobFn = field(compare=False)
    # A claimed run still unfinished after this long is considered dead (worker crashed).
    stale_after: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 60:
            raise ValueError("Job name must have 1 to 60 characters")
        if isinstance(self.every, timedelta):
            if self.every.total_seconds() < 1:
                raise ValueError("Job interval must be at least one second")
        elif not (isinstance(self.every, str) and _DAILY.match(self.every)):
            raise ValueError(f"Job.every must be a timedelta or 'daily@HH:MM', got {self.every!r}")

    @property
    def daily_at(self) -> dtime | None:
        if isinstance(self.every, timedelta):
            return None
        m = _DAILY.match(self.every)
        assert m is not None
        return dtime(int(m.group(1)), int(m.group(2)))


def _utc(dt: datetime | None) -> datetime:
    if dt is None:
        return utcnow()
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _interval_period(every: timedelta, now: datetime) -> str:
    step = int(every.total_seconds())
    seconds = int((now - _EPOCH).total_seconds())
    start = _EPOCH + timedelta(seconds=seconds - seconds % step)
    return start.strftime("%Y-%m-%dT%H:%M" if step % 60 == 0 else "%Y-%m-%dT%H:%M:%S")


def period_for(job: Job, now: datetime | None = None) -> str | None:
    """The period ``job`` is due for at ``now``, or None when it is not due yet (daily jobs)."""
    now = _utc(now)
    at = job.daily_at
    if at is None:
        return _interval_period(job.every, now)  # type: ignore[arg-type]
    local = now.astimezone(LIMA)
    if local.time().replace(tzinfo=None) < at:
        return None
    return local.date().isoformat()


_runs = JobRun.__table__
_rc = _runs.c


def claim_run(engine: Engine, job: Job, period: str, now: datetime | None = None) -> bool:
    """Insert ``JobRun(job, period)``; False when it exists already (another worker, or a run
    before a restart, did it). An unfinished run older than ``job.stale_after`` is taken over."""
    now = _utc(now)
    with db.write_session(engine) as s:
        conn = s.connection()
        row = conn.execute(
            select(_rc.id, _rc.started_at, _rc.finished_at).where(_rc.job == job.name, _rc.period == period)
        ).first()
        if row is None:
            nested = s.begin_nested()
            try:
                conn.execute(
                    _runs.insert().values(job=job.name, period=period, started_at=now, finished_at=None, detail="")
                )
                nested.commit()
                return True
            except IntegrityError:  # a concurrent worker claimed it first
                nested.rollback()
                return False
        if row.finished_at is not None or _utc(row.started_at) > now - job.stale_after:
            return False
        taken = conn.execute(
            update(_runs)
            .where(_rc.id == row.id, _rc.finished_at.is_(None), _rc.started_at == row.started_at)
            .values(started_at=now, detail="reintento tras una ejecución inconclusa")
        )
        return taken.rowcount == 1


def _finish(engine: Engine, job: Job, period: str, detail: str, now: datetime) -> None:
    with db.write_session(engine) as s:
        conn = s.connection()
        conn.execute(
            update(_runs)
            .where(_rc.job == job.name, _rc.period == period)
            .values(finished_at=utcnow(), detail=detail[:_MAX_DETAIL])
        )
        if job.daily_at is None:  # keep the table small: interval jobs make a row per period
            oldest = _interval_period(job.every, now - _KEEP_INTERVAL_RUNS)  # type: ignore[arg-type]
            conn.execute(delete(_runs).where(and_(_rc.job == job.name, _rc.period < oldest)))


def _release(engine: Engine, job: Job, period: str) -> None:
    with db.write_session(engine) as s:
        s.connection().execute(
            delete(_runs).where(_rc.job == job.name, _rc.period == period, _rc.finished_at.is_(None))
        )


def run_due(engine: Engine, jobs: Iterable[Job], now: datetime | None = None) -> list[str]:
    """Run, one after another, the jobs due at ``now`` that no one ran for their period yet.

    Returns the names of the jobs that ran to the end in this call. A job that raises is logged
    and released (retried at the next tick); it never stops the others.
    """
    now = _utc(now)
    done: list[str] = []
    for job in jobs:
        period = period_for(job, now)
        if period is None:
            continue
        try:
            if not claim_run(engine, job, period, now):
                continue
        except Exception:
            log.exception("No se pudo registrar la ejecución de %s (%s)", job.name, period)
            continue
        try:
            result = job.fn(engine, now)
        except Exception:
            metrics.job_run(job.name, ok=False)
            log.exception("La tarea %s (%s) falló; se reintentará", job.name, period)
            try:
                _release(engine, job, period)
            except Exception:
                log.exception("No se pudo liberar la ejecución de %s (%s)", job.name, period)
            continue
        try:
            _finish(engine, job, period, "" if result is None else str(result), now)
        except Exception:
            log.exception("No se pudo cerrar la ejecución de %s (%s)", job.name, period)
        metrics.job_run(job.name, ok=True)
        done.append(job.name)
    return done


# ---------------------------------------------------------------- the app's jobs
JOBS: list[Job] = []
"""Registry: other modules append their jobs here (see the module docstring)."""

EMAIL_EVERY = timedelta(seconds=settings.EMAIL_EVERY_SECONDS)
_EMAIL_BUDGET_SECONDS = 20.0


def deliver_email(engine: Engine, now: datetime) -> str:
    """Send due e-mail in batches until none is left or the time budget is spent."""
    started = time.monotonic()
    sent = failed = 0
    while True:
        report = notify.deliver_due(
            engine,
            settings.SMTP_URL,
            now=now,
            public_url=settings.PUBLIC_URL,
            attachments_for=intake.email_attachments,
        )
        sent += report.sent
        failed += report.failed
        # Stop when the batch was not full, something failed (let the back-off work) or time's up.
        if (
            report.sent < 50
            or report.failed
            or report.pending == 0
            or time.monotonic() - started > _EMAIL_BUDGET_SECONDS
        ):
            return f"enviados={sent} fallidos={failed} en_cola={report.pending}"


def default_jobs() -> list[Job]:
    """The e-mail delivery job (when SMTP_URL is set) followed by the registered :data:`JOBS`."""
    jobs: list[Job] = []
    if settings.SMTP_URL.strip():
        jobs.append(Job("correo", EMAIL_EVERY, deliver_email))
    jobs.extend(JOBS)
    return jobs


async def scheduler_loop(jobs: Iterable[Job] | None = None, tick_seconds: float = settings.JOBS_TICK_SECONDS) -> None:
    """Run forever: every ``tick_seconds`` call :func:`run_due` in a thread.

    With ``jobs`` None the list is :func:`default_jobs`, read again at every tick (jobs appended
    to :data:`JOBS` after start-up are picked up). Register with
    ``app.register_lifespan_task(scheduler_loop)``.
    """
    global last_tick
    fixed = list(jobs) if jobs is not None else None
    log.info("Planificador de tareas iniciado (cada %s s)", tick_seconds)
    while True:
        last_tick = time.monotonic()
        try:
            current = fixed if fixed is not None else default_jobs()
            if current:
                await asyncio.to_thread(run_due, db.engine(), current)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Error en el planificador de tareas")
        await asyncio.sleep(tick_seconds)


# ---------------------------------------------------------------- the application's jobs
def expire_observations(engine: Engine, now: datetime) -> str:
    """Observations not fixed in time: the filing is "no presentado" (art. 136)."""
    with db.write_session(engine) as s:
        done = observations.expire_overdue(s, casilla_url=f"{settings.PUBLIC_URL}/casilla", now=now)
    return ", ".join(done)


def staff_digest(engine: Engine, now: datetime) -> str:
    """Daily e-mail to each official with the cases of their units that expire within one
    business day (the in-app badge shows the same list)."""
    sent = 0
    with db.write_session(engine) as s:
        for user, rows in routing.expiring_soon_by_user(s, now=now):
            if not user.email or not rows:
                continue
            subject, body = notify.staff_digest(
                user.full_name, rows, f"{settings.PUBLIC_URL}/bandeja?pestana=por_vencer"
            )
            day = now.astimezone(LIMA).date().isoformat()
            if notify.enqueue(s, to=user.email, subject=subject, body=body, dedupe_key=f"resumen:{day}:{user.id}"):
                sent += 1
    return f"{sent} resumen(es)"


def flush_visits(engine: Engine, now: datetime) -> str:
    """The public pages' visits counted in memory / Redis since the last flush, into PageVisit."""
    return f"{visits.flush(engine)} visita(s)"


def deliver_interop(engine: Engine, now: datetime) -> str:
    """The outbox of packages for other entities: each due row tried once (docs/interop.md)."""
    return str(interop.delivery.deliver_due(now))


def retention_due(engine: Engine, now: datetime) -> str:
    """Daily: per series, the closed files whose retention at the office (transfer due) or at the
    central archive (elimination due) has ended, and the ones a legal hold blocks; kept in the
    run's detail and shown on /archivo (docs/records.md)."""
    return archive.due_summary(now.astimezone(LIMA).date(), engine=engine)


JOBS.append(Job("retencion", "daily@06:00", retention_due))
JOBS.append(Job("interoperabilidad", timedelta(seconds=settings.INTEROP_EVERY_SECONDS), deliver_interop))
JOBS.append(Job("visitas", timedelta(seconds=visits.FLUSH_SECONDS), flush_visits))
JOBS.append(Job("observaciones", timedelta(minutes=1), expire_observations))
JOBS.append(Job("resumen", f"daily@{settings.DIGEST_AT}", staff_digest))
