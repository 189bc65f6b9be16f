"""Staff workspace at scale: the first inbox page (with the six tab counts) and the case page,
server time, on a database with a generated year of cases."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from bench.common import generated_db
from sgd_app import db
from sgd_app.domain import auth, routing
from sgd_app.domain.calendar import load_calendar
from sgd_app.domain.models import Expediente, Unit

N_CASES = int(os.environ.get("BENCH_CASES", "100000"))
RUNS = 60


def _p95(samples):
    return statistics.quantiles(samples, n=100)[94] * 1000


def main():
    with tempfile.TemporaryDirectory() as d:
        eng, gen_s = generated_db(Path(d), "ws.db", N_CASES)
        with db.write_session(eng) as s:
            token = auth.login(s, username="rop", password=os.environ["SGD_DEMO_PASSWORD"])
        with db.session(eng) as s:
            who = auth.resolve(s, token)
            cal = load_calendar(s)
            rop = s.exec(select(Unit.id).where(Unit.code == "ROP")).one()
            numbers = list(s.exec(select(Expediente.number).where(Expediente.current_unit_id == rop).limit(RUNS)).all())
            unit_cases = s.exec(text(f"SELECT count(*) FROM expediente WHERE current_unit_id = {rop}")).one()[0]
        inbox_samples, case_samples = [], []
        for i in range(RUNS):
            with db.session(eng) as s:
                t = time.perf_counter()
                page = routing.inbox(s, who, tab="en_tramite", page=0, page_size=50, calendar=cal)
                inbox_samples.append(time.perf_counter() - t)
            with db.session(eng) as s:
                t = time.perf_counter()
                routing.case_view(s, who, numbers[i % len(numbers)], calendar=cal)
                case_samples.append(time.perf_counter() - t)
        eng.dispose()
    return [
        ("workspace_cases", N_CASES, "cases"),
        ("workspace_unit_cases", unit_cases, "cases in the officer's unit"),
        ("workspace_generate_s", gen_s, "s"),
        ("inbox_page_p95_ms", _p95(inbox_samples), "ms"),
        ("inbox_page_median_ms", statistics.median(inbox_samples) * 1000, "ms"),
        ("case_page_p95_ms", _p95(case_samples), "ms"),
        ("case_page_median_ms", statistics.median(case_samples) * 1000, "ms"),
        ("inbox_rows", len(page.rows), "rows"),
    ]
