"""The periodic-job scheduler (sgd_app/jobs.py): once per period, across workers and restarts.

Runs on SQLite, and on PostgreSQL too when SGD_TEST_DATABASE_URL is set (``engine`` fixture).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from sgd_app import db, jobs
from sgd_app.domain.models import JobRun
from tests.conftest import run_async

LIMA = ZoneInfo("America/Lima")


def lima(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LIMA)


class Counter:
    def __init__(self, fail_times: int = 0) -> None:
        self.calls: list[datetime] = []
        self.fail_times = fail_times
        self._lock = threading.Lock()

    def __call__(self, engine, now):
        with self._lock:
            self.calls.append(now)
            if len(self.calls) <= self.fail_times:
                raise RuntimeError("falla simulada")
        return f"llamada {len(self.calls)}"


def runs(engine, name: str) -> list[JobRun]:
    with db.session(engine) as s:
        return list(s.exec(select(JobRun).where(JobRun.job == name).order_by(JobRun.period)).all())


# ---------------------------------------------------------------- periods
def test_periods():
    every5 = jobs.Job("cada5", timedelta(minutes=5), Counter())
    every30s = jobs.Job("cada30", timedelta(seconds=30), Counter())
    daily = jobs.Job("diario", "daily@08:00", Counter())
    at = datetime(2026, 11, 30, 10, 7, 45, tzinfo=UTC)
    assert jobs.period_for(every5, at) == "2026-11-30T10:05"
    assert jobs.period_for(every30s, at) == "2026-11-30T10:07:30"
    assert jobs.period_for(daily, lima(30, 7, 59)) is None
    assert jobs.period_for(daily, lima(30, 8, 0)) == "2026-11-30"
    # 02:00 UTC on Dec 1st is still Nov 30th, 21:00 in Lima
    assert jobs.period_for(daily, datetime(2026, 12, 1, 2, 0, tzinfo=UTC)) == "2026-11-30"


@pytest.mark.parametrize("every", ["daily@8:00", "daily@24:00", "cada hora", timedelta(0)])
def test_bad_schedules_are_refused(every):
    with pytest.raises(ValueError):
        jobs.Job("x", every, Counter())


# ---------------------------------------------------------------- interval jobs
def test_interval_job_runs_once_per_period(engine):
    fn = Counter()
    job = jobs.Job("correo", timedelta(minutes=5), fn)
    t = datetime(2026, 11, 30, 10, 5, tzinfo=UTC)
    assert jobs.run_due(engine, [job], now=t) == ["correo"]
    for seconds in (1, 30, 120, 299):
        assert jobs.run_due(engine, [job], now=t + timedelta(seconds=seconds)) == []
    assert jobs.run_due(engine, [job], now=t + timedelta(minutes=5)) == ["correo"]
    assert len(fn.calls) == 2
    done = runs(engine, "correo")
    assert [r.period for r in done] == ["2026-11-30T10:05", "2026-11-30T10:10"]
    assert all(r.finished_at is not None for r in done)
    assert [r.detail for r in done] == ["llamada 1", "llamada 2"]


def test_interval_job_from_three_threads_at_once_runs_once(engine):
    fn = Counter()
    job = jobs.Job("correo", timedelta(seconds=30), fn)
    t = datetime(2026, 11, 30, 10, 5, 3, tzinfo=UTC)
    barrier = threading.Barrier(3)

    def worker(offset: int) -> list[str]:
        barrier.wait()
        out = []
        for k in range(5):  # many ticks within the same period
            out += jobs.run_due(engine, [job], now=t + timedelta(seconds=offset + k))
        return out

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(worker, range(3)))
    assert sum(len(r) for r in results) == 1
    assert len(fn.calls) == 1
    assert [r.period for r in runs(engine, "correo")] == ["2026-11-30T10:05:00"]


def test_old_runs_of_interval_jobs_are_pruned(engine):
    job = jobs.Job("correo", timedelta(minutes=1), Counter())
    t = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    jobs.run_due(engine, [job], now=t)
    jobs.run_due(engine, [job], now=t + timedelta(days=3))
    assert [r.period for r in runs(engine, "correo")] == ["2026-11-04T00:00"]


# ---------------------------------------------------------------- daily jobs
def test_daily_job_runs_once_after_its_time(engine):
    fn = Counter()
    job = jobs.Job("resumen", "daily@08:00", fn)
    assert jobs.run_due(engine, [job], now=lima(30, 7, 0)) == []
    assert jobs.run_due(engine, [job], now=lima(30, 7, 59)) == []
    assert fn.calls == []
    assert jobs.run_due(engine, [job], now=lima(30, 8, 0)) == ["resumen"]
    assert jobs.run_due(engine, [job], now=lima(30, 8, 1)) == []
    # "restart": a fresh call later the same day does not repeat it
    assert jobs.run_due(engine, [job], now=lima(30, 16, 30)) == []
    assert jobs.run_due(engine, [job], now=lima(30, 23, 59)) == []
    assert len(fn.calls) == 1
    # next day, again once
    assert jobs.run_due(engine, [job], now=lima(30, 7, 0) + timedelta(days=1)) == []
    assert jobs.run_due(engine, [job], now=lima(30, 8, 0) + timedelta(days=1)) == ["resumen"]
    assert [r.period for r in runs(engine, "resumen")] == ["2026-11-30", "2026-12-01"]


def test_daily_job_missed_while_down_runs_when_the_app_comes_back(engine):
    fn = Counter()
    job = jobs.Job("resumen", "daily@08:00", fn)
    assert jobs.run_due(engine, [job], now=lima(30, 7, 50)) == []
    # the app was down from 07:55 to 15:00
    assert jobs.run_due(engine, [job], now=lima(30, 15, 0)) == ["resumen"]
    assert jobs.run_due(engine, [job], now=lima(30, 15, 0) + timedelta(seconds=20)) == []
    assert len(fn.calls) == 1


def test_failing_job_is_retried_next_tick_then_succeeds_once(engine, caplog):
    fn = Counter(fail_times=1)
    ok = Counter()
    failing = jobs.Job("resumen", "daily@08:00", fn)
    other = jobs.Job("otro", "daily@08:00", ok)
    with caplog.at_level("ERROR", logger="sgd.jobs"):
        assert jobs.run_due(engine, [failing, other], now=lima(30, 8, 0)) == ["otro"]
    assert "resumen" in caplog.text and "falla simulada" in caplog.text
    assert runs(engine, "resumen") == []  # released, so the next tick retries
    assert jobs.run_due(engine, [failing, other], now=lima(30, 8, 0) + timedelta(seconds=20)) == ["resumen"]
    assert jobs.run_due(engine, [failing, other], now=lima(30, 8, 1)) == []
    assert len(fn.calls) == 2 and len(ok.calls) == 1
    (run,) = runs(engine, "resumen")
    assert run.finished_at is not None and run.detail == "llamada 2"


def test_claim_run_is_unique_and_a_stale_unfinished_run_is_taken_over(engine):
    job = jobs.Job("resumen", "daily@08:00", Counter(), stale_after=timedelta(minutes=30))
    t = lima(30, 8, 0)
    assert jobs.claim_run(engine, job, "2026-11-30", now=t) is True
    assert jobs.claim_run(engine, job, "2026-11-30", now=t) is False
    # still running (or crashed) 10 minutes later: not taken
    assert jobs.claim_run(engine, job, "2026-11-30", now=t + timedelta(minutes=10)) is False
    # unfinished for longer than stale_after: the worker died, another one takes over once
    assert jobs.claim_run(engine, job, "2026-11-30", now=t + timedelta(minutes=31)) is True
    assert jobs.claim_run(engine, job, "2026-11-30", now=t + timedelta(minutes=32)) is False


# ---------------------------------------------------------------- wiring
def test_default_jobs_follow_smtp_url_and_the_registry(monkeypatch):
    monkeypatch.setattr(jobs.settings, "SMTP_URL", "")
    monkeypatch.setattr(jobs, "JOBS", [])
    assert jobs.default_jobs() == []
    monkeypatch.setattr(jobs.settings, "SMTP_URL", "smtp://127.0.0.1:2525")
    extra = jobs.Job("resumen", "daily@08:00", Counter())
    jobs.JOBS.append(extra)
    found = jobs.default_jobs()
    assert [j.name for j in found] == ["correo", "resumen"]
    assert found[0].every == timedelta(seconds=30)


def test_scheduler_loop_ticks_in_a_thread(engine):
    fn = Counter()
    job = jobs.Job("rapido", timedelta(seconds=1), fn)

    async def main():
        task = asyncio.create_task(jobs.scheduler_loop([job], tick_seconds=0.05))
        for _ in range(100):
            await asyncio.sleep(0.02)
            if fn.calls:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    db.use_engine(engine)
    try:
        run_async(main())
    finally:
        db.use_engine(None)
    assert len(fn.calls) >= 1
