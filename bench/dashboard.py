"""Command dashboard at scale: a full refresh (every KPI, chart and the most overdue list) from
the summary tables, and the same figures computed from the cases (the naive path), server time,
on a database with a generated year of cases."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from sqlmodel import select

from bench.common import generated_db, p95
from sgd_app import db
from sgd_app.domain import dashboards, filters
from sgd_app.domain.calendar import load_calendar
from sgd_app.domain.models import Unit
from sgd_app.domain.vocabulary import today_lima

N_CASES = int(os.environ.get("BENCH_DASHBOARD_CASES", "1000000"))
RUNS = 30


def main(data_dir: str | None = None):
    with tempfile.TemporaryDirectory(dir=data_dir) as d:
        eng, gen_s = generated_db(Path(d), "dash.db", N_CASES)
        today = today_lima()
        with db.session(eng) as s:
            cal = load_calendar(s)
            everyone = {u for u in s.exec(select(Unit.id)).all()}
            samples = []
            for _i in range(RUNS):
                t = time.perf_counter()
                fast = dashboards.compute(s, everyone, filters.ReportFilters(), today=today, calendar=cal)
                samples.append(time.perf_counter() - t)
            t = time.perf_counter()
            naive = dashboards.compute_naive(s, everyone, filters.ReportFilters(), today=today, calendar=cal)
            naive_s = time.perf_counter() - t
            assert fast == naive, "the summaries disagree with the cases"
            unit = sorted(everyone)[len(everyone) // 2]
            scoped = []
            for _i in range(RUNS):
                t = time.perf_counter()
                dashboards.compute(s, {unit}, filters.ReportFilters(), today=today, calendar=cal)
                scoped.append(time.perf_counter() - t)
        yield "dashboard_cases", N_CASES, "cases"
        yield "dashboard_generate_s", gen_s, "s"
        yield "dashboard_refresh_ms", p95(samples) * 1000, "ms (p95, whole institution)"
        yield "dashboard_refresh_unit_ms", p95(scoped) * 1000, "ms (p95, one unit)"
        yield "dashboard_naive_ms", naive_s * 1000, "ms"
        yield "dashboard_ratio", naive_s / p95(samples), "x"


if __name__ == "__main__":
    for name, value, unit in main():
        print(f"{name}: {value:.1f} {unit}", flush=True)
