"""Helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
from pathlib import Path

from fpdf import FPDF


def one_page_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def generated_db(folder: Path, name: str, n_cases: int):
    """A SQLite database in ``folder`` with the catalogue, the demo staff and ``n_cases``
    generated cases (no search index), analysed; returns (engine, seconds spent generating)."""
    import os
    import time

    from sqlalchemy import text

    from sgd_app import db, demo_data, schema, seed

    eng = db.make_engine(f"sqlite:///{folder / name}")
    schema.create_all(eng)
    os.environ.setdefault("SGD_DEMO_PASSWORD", "bench-password-123")
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    with db.write_session(eng) as s:
        seed.seed_demo_staff(s, folder / "creds.txt")
    t = time.perf_counter()
    demo_data.generate(eng, n_cases, index=False)  # the search index is benchmarked on its own
    gen_s = time.perf_counter() - t
    with eng.begin() as conn:
        conn.execute(text("ANALYZE"))
    return eng, gen_s


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]
