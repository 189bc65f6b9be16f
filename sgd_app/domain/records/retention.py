"""Retention (Programa de Control de Documentos): when a closed file reaches the end of its
retention at the office (transfer to the central archive is due) and at the central archive
(its final disposition is due), legal holds that block both, and the holdings per series and stage.

The arithmetic (docs/records.md): retention counts in **whole calendar years from the end of the
year of the last closing** (Lima date), as the AGN's programmes count it. A file closed on
15 June 2020 in a series of 2 years at the office is kept there through 2021 and 2022 and is due
for transfer from 1 January 2023; with 5 more years at the central archive it is due for its final
disposition from 1 January 2028. A reopening unfreezes the file (never due while open); closing
it again moves ``casefile.closed_at``, so the count restarts from the last closing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, and_, exists, false, func, or_
from sqlmodel import Session, col, select

from sgd_app.domain.calendar import LIMA
from sgd_app.domain.models import Expediente, pk
from sgd_app.domain.records.tables import CaseFile, InventoryItem, LegalHold, RecordInventory, RecordSeries

STAGES = {"gestion": "Archivo de gestión", "central": "Archivo central", "eliminado": "Eliminado"}
IN_CUSTODY = "El expediente está bajo custodia del Archivo Central: las oficinas ya no pueden reabrirlo ni modificarlo."


def closing_date(closed_at: datetime) -> date:
    """The date of a closing in Lima (a closing at 23:30 in Lima on 31 December is that year's)."""
    aware = closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=UTC)
    return aware.astimezone(LIMA).date()


def transfer_due_on(closed_at: datetime, office_years: int) -> date:
    """The first day the file may leave the office: 1 January after ``office_years`` full
    calendar years following the year of its closing."""
    return date(closing_date(closed_at).year + office_years + 1, 1, 1)


def disposal_due_on(closed_at: datetime, office_years: int, central_years: int) -> date:
    """The first day the file's final disposition is due (office and central years, counted the
    same way from the year of its last closing)."""
    return date(closing_date(closed_at).year + office_years + central_years + 1, 1, 1)


def _year_start_utc(year: int) -> datetime:
    return datetime.combine(date(year, 1, 1), time(0, 0), tzinfo=LIMA).astimezone(UTC)


def held(case_id: object = None) -> ColumnElement[bool]:
    """A legal hold not lifted on the case (``case_id`` defaults to the casefile's own)."""
    target = CaseFile.expediente_id if case_id is None else case_id
    return exists().where(col(LegalHold.expediente_id) == target, col(LegalHold.lifted_at).is_(None))


def _due(session: Session, *, stage: str, today: date) -> ColumnElement[bool]:
    """The condition "this closed file's retention in ``stage`` has ended by ``today``", per series:
    closed before 1 January of (today's year − the years of that stage)."""
    conds = []
    for sid, office, central in session.exec(
        select(pk(RecordSeries), col(RecordSeries.office_years), col(RecordSeries.central_years))
    ).all():
        years = office if stage == "gestion" else office + central
        conds.append(
            and_(col(CaseFile.series_id) == sid, col(CaseFile.closed_at) < _year_start_utc(today.year - years))
        )
    if not conds:
        return false()
    return and_(col(CaseFile.stage) == stage, col(CaseFile.frozen) == True, or_(*conds))  # noqa: E712


def pending_inventory(kind: str) -> ColumnElement[bool]:
    """The casefile is listed in an inventory of ``kind`` not yet approved/executed."""
    return exists().where(
        col(InventoryItem.expediente_id) == CaseFile.expediente_id,
        col(InventoryItem.inventory_id) == col(RecordInventory.id),
        col(RecordInventory.kind) == kind,
        col(RecordInventory.status) == "preparado",
    )


@dataclass
class DueFile:
    case_id: int
    number: str
    subject: str
    series_code: str
    series_name: str
    disposition: str
    closed_at: datetime
    due_on: date
    on_hold: bool


def due_files(
    session: Session,
    *,
    kind: str,
    today: date,
    limit: int = 50,
    offset: int = 0,
    blocked: bool | None = False,
    free_only: bool = False,
) -> tuple[list[DueFile], int]:
    """Files due for ``kind`` (``transferencia``: end of office retention; ``eliminacion``: end of
    central retention in a series whose disposition is elimination), a page and the total.
    ``blocked``: False the ones free to go, True the ones under a legal hold, None both.
    ``free_only``: leave out files already listed in a pending inventory of that kind."""
    stage = "gestion" if kind == "transferencia" else "central"
    where = [_due(session, stage=stage, today=today)]
    if kind == "eliminacion":
        where.append(col(RecordSeries.disposition) == "eliminacion")
    if blocked is True:
        where.append(held())
    elif blocked is False:
        where.append(~held())
    if free_only:
        where.append(~pending_inventory(kind))
    base = (
        select(CaseFile, Expediente, RecordSeries)
        .join(Expediente, col(Expediente.id) == col(CaseFile.expediente_id))
        .join(RecordSeries, col(RecordSeries.id) == col(CaseFile.series_id))
        .where(*where)
    )
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    rows = session.exec(
        base.order_by(col(RecordSeries.code), col(CaseFile.closed_at), col(Expediente.id)).limit(limit).offset(offset)
    ).all()
    out = []
    for cf, case, series in rows:
        assert cf.closed_at is not None and case.id is not None
        due = (
            transfer_due_on(cf.closed_at, series.office_years)
            if kind == "transferencia"
            else disposal_due_on(cf.closed_at, series.office_years, series.central_years)
        )
        on_hold = session.exec(select(func.count()).where(held(case.id))).one() > 0
        out.append(
            DueFile(
                case.id,
                case.number,
                case.subject,
                series.code,
                series.name,
                series.disposition,
                cf.closed_at,
                due,
                on_hold,
            )
        )
    return out, int(total)


def active_hold(session: Session, case_id: int) -> LegalHold | None:
    return session.exec(
        select(LegalHold).where(col(LegalHold.expediente_id) == case_id, col(LegalHold.lifted_at).is_(None))
    ).first()


def stage_of(session: Session, case_id: int) -> str:
    row = session.get(CaseFile, case_id)
    return row.stage if row else "gestion"


def holdings(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, object]], int]:
    """Holdings per series and stage (files counted), a page of series and the number of series."""
    total = session.exec(select(func.count()).select_from(RecordSeries)).one()
    series = session.exec(select(RecordSeries).order_by(col(RecordSeries.code)).limit(limit).offset(offset)).all()
    ids = [s.id for s in series]
    counts: dict[tuple[int | None, str], int] = {}
    for sid, stage, n in session.exec(
        select(col(CaseFile.series_id), col(CaseFile.stage), func.count())
        .where(col(CaseFile.series_id).in_(ids))
        .group_by(col(CaseFile.series_id), col(CaseFile.stage))
    ).all():
        counts[(sid, stage)] = n
    held_counts = dict(
        session.exec(
            select(col(CaseFile.series_id), func.count())
            .where(col(CaseFile.series_id).in_(ids), held())
            .group_by(col(CaseFile.series_id))
        ).all()
    )
    rows: list[dict[str, object]] = []
    for s in series:
        assert s.id is not None
        rows.append(
            {
                "code": s.code,
                "name": s.name,
                "gestion": counts.get((s.id, "gestion"), 0),
                "central": counts.get((s.id, "central"), 0),
                "eliminado": counts.get((s.id, "eliminado"), 0),
                "held": held_counts.get(s.id, 0),
            }
        )
    return rows, int(total)


def holds(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[tuple[LegalHold, str]], int]:
    """The legal holds in force, newest first, with the case number."""
    base = select(LegalHold, col(Expediente.number)).join(Expediente, pk(Expediente) == col(LegalHold.expediente_id))
    base = base.where(col(LegalHold.lifted_at).is_(None))
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    rows = session.exec(base.order_by(col(LegalHold.set_at).desc()).limit(limit).offset(offset)).all()
    return [(h, n) for h, n in rows], int(total)


def inventory_by(session: Session, *, code: str = "", sha: str = "") -> RecordInventory | None:
    """A sealed inventory by the code in its QR or by its bytes' SHA-256 (for /verificar)."""
    if code:
        where = col(RecordInventory.verify_code) == code
    elif sha:
        where = col(RecordInventory.pdf_sha256) == sha
    else:
        return None
    return session.exec(select(RecordInventory).where(where, col(RecordInventory.pdf_sha256) != "")).first()
