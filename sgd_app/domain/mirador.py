"""The public transparency figures (Mirador): what the programme achieves, from the database.

Paper saved — assumptions stated on the page:
- every page filed or issued digitally is a sheet of A4 paper not printed (once);
- an A4 sheet of 80 g/m² weighs 0.0625 m² × 80 g/m² ≈ 4.99 g;
- a kilogram of paper costs what the institution paid in 2019: S/ 88,360.50 for 20,298.56 kg
  (≈ S/ 4.35 per kg, paper only: no toner, storage or courier).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sgd_app.domain.models import Document, Expediente, PageVisit, Procedure, SumFiled, table_of, utcnow
from sgd_app.domain.sql import insert_if_absent
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import CaseStatus, Channel, today_lima

SHEET_KG = 0.0625 * 80 / 1000  # kg per A4 sheet of 80 g/m²
BASELINE_KG = 20298.56
BASELINE_SOLES = 88360.50
SOLES_PER_KG = BASELINE_SOLES / BASELINE_KG
PUBLIC_PATHS = ("inicio", "mesa-de-partes", "seguimiento", "verificar", "mirador", "casilla")
MONTHS_SHORT = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
CACHE_SECONDS = 60  # the figures are computed once a minute for all visitors, not per visitor

_cache: dict[str, object] = {}
_cache_lock = threading.Lock()


@act
def count_visit(session: Session, path: str, day: date | None = None, *, n: int = 1) -> None:
    """``n`` more visits to a public page on ``day`` (today in Lima): only the page and the day are
    kept. Page views do not call this: they count in memory (domain/visits.py), flushed here."""
    if path not in PUBLIC_PATHS:
        return
    day = day or today_lima()
    insert_if_absent(session, table_of(PageVisit), {"day": day, "path": path, "count": 0})
    session.execute(
        update(PageVisit)
        .where(col(PageVisit.day) == day, col(PageVisit.path) == path)
        .values(count=col(PageVisit.count) + n)
        .execution_options(synchronize_session=False)
    )


@dataclass
class Figures:
    total: int = 0
    virtual: int = 0
    paper: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_procedure: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[tuple[str, int, int]] = field(default_factory=list)  # (label, virtual, presencial)
    pages_digital: int = 0
    kg_saved: float = 0.0
    soles_saved: float = 0.0
    visits: int = 0
    computed_at: datetime = field(default_factory=utcnow)


@query
def figures(session: Session, *, year: int | None = None) -> Figures:
    """The public figures; the counts come from the month rows of the filing summary."""
    f = Figures()
    F = table_of(SumFiled).c
    where = [F.grain == "m", F.status != CaseStatus.NO_PRESENTADO]
    if year:
        where += [F.day >= date(year, 1, 1), F.day <= date(year, 12, 1)]
    procs = {
        pid: (name, cat) for pid, name, cat in session.exec(select(Procedure.id, Procedure.name, Procedure.category))
    }
    by_proc: dict[str, int] = {}
    months: dict[tuple[int, int], list[int]] = {}
    for day, channel, proc, n in session.execute(
        sa_select(F.day, F.channel, F.procedure_id, func.sum(F.n))
        .where(*where)
        .group_by(F.day, F.channel, F.procedure_id)
    ).all():
        n = int(n)
        if not n:
            continue
        f.total += n
        paper = channel == Channel.PRESENCIAL
        if paper:
            f.paper += n
        else:
            f.virtual += n
        name, category = procs.get(proc, ("?", "?"))
        f.by_category[category] = f.by_category.get(category, 0) + n
        by_proc[name] = by_proc.get(name, 0) + n
        slot = months.setdefault((day.year, day.month), [0, 0])
        slot[1 if paper else 0] += n
    f.by_procedure = sorted(by_proc.items(), key=lambda x: (-x[1], x[0]))
    f.by_month = [(f"{MONTHS_SHORT[m - 1]} {y}", v, p) for (y, m), (v, p) in sorted(months.items())]
    where = [col(Expediente.status) != CaseStatus.NO_PRESENTADO]
    if year:
        where.append(col(Expediente.year) == year)
    # Pages that travelled digitally: virtual filings' documents and every document issued signed.
    digital = session.exec(
        select(func.coalesce(func.sum(col(Document.pages)), 0))
        .join(Expediente, col(Expediente.id) == col(Document.expediente_id))
        .where(*where, (col(Expediente.channel) != Channel.PRESENCIAL) | (col(Document.signed) == True))  # noqa: E712
    ).one()
    f.pages_digital = int(digital or 0)
    f.kg_saved = f.pages_digital * SHEET_KG
    f.soles_saved = f.kg_saved * SOLES_PER_KG
    f.visits = int(session.exec(select(func.coalesce(func.sum(PageVisit.count), 0))).one() or 0)
    return f


def cached_figures() -> Figures:
    """The public figures of this process, recomputed at most once every CACHE_SECONDS."""
    with _cache_lock:
        hit = _cache.get("figures")
        if hit is not None and time.time() - _cache["at"] < CACHE_SECONDS:  # type: ignore[operator]
            return hit  # type: ignore[return-value]
    fresh = figures()
    with _cache_lock:
        _cache["figures"], _cache["at"] = fresh, time.time()
    return fresh


def fmt_int(n: int) -> str:
    """Spanish (Peru) thousands separator: 10 856 -> '10 856' (a thin space, as the RAE advises)."""
    return f"{n:,}".replace(",", "\u202f")


def fmt_dec(x: float, digits: int = 2) -> str:
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")
