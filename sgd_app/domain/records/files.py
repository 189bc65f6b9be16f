"""The electronic file of a case (expediente electrónico): frozen at its closing (attended or
archived), with a new version of its foliation index each time; the acts check
:func:`ensure_open` before touching a document, and database triggers (``triggers``) refuse what
slips past. Reopening (routing's ``reopen``) unfreezes it with a recorded reason.

The index is made here as data (every document in order, its folio range, date, type, SHA-256
and signatures); ``domain/dossier`` adds the verification of each signature, renders it as a PDF
sealed with the institution's seal and fills in the same row."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from sgd_app import settings
from sgd_app.domain.errors import Forbidden
from sgd_app.domain.models import Document, Expediente, Procedure, Signature, Unit, utcnow
from sgd_app.domain.records.classification import DISPOSITIONS, case_file, procedure_series
from sgd_app.domain.records.tables import CaseFile, FileIndex, RecordSeries
from sgd_app.domain.transaction import query

FROZEN = (
    "El expediente está cerrado y su expediente electrónico quedó congelado: no admite nuevos documentos "
    "ni cambios. Un jefe de la unidad puede reabrirlo indicando el motivo."
)
INDEX_FORMAT = "sgd-indice-foliacion/1"


def is_frozen(session: Session, case_id: int) -> bool:
    row = session.get(CaseFile, case_id)
    return bool(row and row.frozen)


def ensure_open(session: Session, case: Expediente | int) -> None:
    """Refuse (Forbidden, Spanish) any change to the documents of a frozen case."""
    case_id = case if isinstance(case, int) else case.id
    assert case_id is not None
    if is_frozen(session, case_id):
        raise Forbidden(FROZEN)


def index_data(session: Session, case: Expediente, *, version: int, closed_by: str) -> dict[str, Any]:
    """The machine-readable foliation index of a case as it is now."""
    assert case.id is not None
    docs = session.exec(
        select(Document)
        .where(col(Document.expediente_id) == case.id)
        .order_by(col(Document.created_at), col(Document.id))
    ).all()
    sigs: dict[str, list[dict[str, Any]]] = {}
    for s in session.exec(
        select(Signature).where(col(Signature.sha256_after).in_([d.sha256 for d in docs])).order_by(col(Signature.id))
    ).all():
        sigs.setdefault(s.sha256_after, []).append(
            {
                "firmante": s.signer_name,
                "rol": s.role,
                "nivel": s.level,
                "fecha": s.signed_at.isoformat(),
                "serie_certificado": s.certificate_serial,
            }
        )
    folio = 0
    rows = []
    for n, d in enumerate(docs, start=1):
        first = folio + 1
        folio += max(d.pages, 1)
        rows.append(
            {
                "orden": n,
                "folio_desde": first,
                "folio_hasta": folio,
                "paginas": d.pages,
                "fecha": d.created_at.isoformat(),
                "tipo": d.kind,
                "descripcion": d.number or d.label or d.filename,
                "archivo": d.filename,
                "bytes": d.size,
                "sha256": d.sha256,
                "firmado": d.signed,
                "firmas": sigs.get(d.sha256, []),
            }
        )
    row = case_file(session, case)
    series = session.get(RecordSeries, row.series_id) if row.series_id else None
    section = session.get(Unit, series.unit_id) if series and series.unit_id else None
    procedure = session.get(Procedure, case.procedure_id)
    earlier = session.exec(
        select(FileIndex).where(col(FileIndex.expediente_id) == case.id).order_by(col(FileIndex.version))
    ).all()
    return {
        "formato": INDEX_FORMAT,
        "fondo": settings.INSTITUTION_NAME,
        "seccion": section.name if section else "",
        "serie": {"codigo": series.code, "nombre": series.name} if series else None,
        "retencion": (
            {
                "archivo_de_gestion_anios": series.office_years,
                "archivo_central_anios": series.central_years,
                "disposicion_final": series.disposition,
                "acceso": series.access,
            }
            if series
            else None
        ),
        "expediente": case.number,
        "procedimiento": procedure.name if procedure else "",
        "asunto": case.subject,
        "estado": case.status,
        "version": version,
        "cerrado_en": (case.closed_at or utcnow()).isoformat(),
        "cerrado_por": closed_by,
        "folios": folio,
        "documentos": rows,
        "indices_anteriores": [{"version": e.version, "sha256": e.pdf_sha256} for e in earlier if e.pdf_sha256],
    }


def close_file(session: Session, case: Expediente, *, actor: str) -> FileIndex:
    """Freeze the file of a case being closed and record its next index (sealed afterwards by
    ``dossier.seal_index``), in the closing act's transaction."""
    row = case_file(session, case)
    assert case.id is not None
    version = row.index_version + 1
    index = FileIndex(
        expediente_id=case.id,
        version=version,
        index_json=json.dumps(
            index_data(session, case, version=version, closed_by=actor), ensure_ascii=False, sort_keys=True
        ),
        closed_by=actor,
    )
    session.add(index)
    row.frozen = True
    row.closed_at = utcnow()
    row.index_version = version
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return index


def reopen_file(session: Session, case: Expediente) -> None:
    """Unfreeze the file (the reopening act records the reason and the audit event)."""
    row = case_file(session, case)
    row.frozen = False
    row.updated_at = utcnow()
    session.add(row)
    session.flush()


def latest_index(session: Session, case_id: int) -> FileIndex | None:
    return session.exec(
        select(FileIndex).where(col(FileIndex.expediente_id) == case_id).order_by(col(FileIndex.version).desc())
    ).first()


def index_by_code(session: Session, code: str) -> FileIndex | None:
    return session.exec(
        select(FileIndex).where(col(FileIndex.verify_code) == code, col(FileIndex.pdf_sha256) != "")
    ).first()


def index_by_sha(session: Session, sha: str) -> FileIndex | None:
    return session.exec(select(FileIndex).where(col(FileIndex.pdf_sha256) == sha)).first()


def file_panel(session: Session, who_roles: set[str], is_admin: bool, case: Expediente) -> dict[str, str]:
    """What the case page's "Expediente electrónico" card shows (strings, for the screen):
    ``who_roles`` are the viewer's roles in the unit holding the case."""
    assert case.id is not None
    row = session.get(CaseFile, case.id)
    series_id = row.series_id if row else procedure_series(session, case.procedure_id)  # not opened yet
    series = session.get(RecordSeries, series_id) if series_id else None
    index = latest_index(session, case.id)
    frozen = bool(row and row.frozen)
    head = "head" in who_roles and (row is None or row.stage == "gestion")
    return {
        "series": f"{series.code} — {series.name}" if series else "Sin clasificar",
        "series_id": str(series.id) if series else "",
        "retention": (
            f"{series.office_years} años en gestión, {series.central_years} en archivo central · "
            f"{DISPOSITIONS.get(series.disposition, series.disposition)}"
            if series
            else ""
        ),
        "state": (
            f"Cerrado y congelado · índice de foliación versión {index.version if index else 0}"
            + (
                {"central": " · en custodia del Archivo Central", "eliminado": " · contenido eliminado"}.get(
                    row.stage if row else "", ""
                )
            )
            if frozen
            else "Abierto: admite documentos"
        ),
        "frozen": "1" if frozen else "",
        "version": str(index.version) if frozen and index else "",
        "can_reopen": "1" if frozen and head else "",
        "can_reclassify": "1" if not frozen and (head or is_admin) else "",
    }


def series_choices(session: Session) -> list[tuple[int, str]]:
    rows = session.exec(
        select(RecordSeries).where(col(RecordSeries.active) == True).order_by(col(RecordSeries.code))  # noqa: E712
    ).all()
    return [(r.id, f"{r.code} — {r.name}") for r in rows if r.id is not None]


@query
def section_choices(session: Session) -> list[tuple[int, str]]:
    """The sections a series can belong to: the active organisational units."""
    rows = session.exec(select(Unit).where(col(Unit.active) == True).order_by(col(Unit.name))).all()  # noqa: E712
    return [(u.id, u.name) for u in rows if u.id is not None]
