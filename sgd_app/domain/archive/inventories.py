"""The central archive's acts (issue 18, items 4–5): the transfer inventory (prepared and approved
by the head of the central archive; the files pass to the archive's custody), the elimination
proposal (prepared by the archive, approved by the Comité Evaluador de Documentos, a distinct
role and person; only then executed: the documents' bytes leave the file store, the file is
marked eliminated, the sealed index, the proposal and the audit trail stay) and legal holds.
Every act checks the role itself and is audited."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from sgd_app import db, settings
from sgd_app.domain import audit, search
from sgd_app.domain.archive.pdf import render_inventory_pdf
from sgd_app.domain.auth import Principal
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from sgd_app.domain.models import Document, DocumentText, Expediente, InternalDocument, User, utcnow
from sgd_app.domain.records import retention
from sgd_app.domain.records.tables import (
    CaseFile,
    FileIndex,
    InventoryItem,
    LegalHold,
    RecordInventory,
    RecordSeries,
)
from sgd_app.domain.signing import config as signing_config
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import Role, parse_number, today_lima

KINDS = {"transferencia": "Inventario de transferencia", "eliminacion": "Propuesta de eliminación"}
PREFIX = {"transferencia": "IT", "eliminacion": "IE"}
STATUS_LABELS = {"preparado": "Preparado", "aprobado": "Aprobado", "ejecutado": "Ejecutado"}
ARCHIVE_ONLY = "Solo el Jefe(a) del Archivo Central puede hacerlo."
COMMITTEE_ONLY = "Solo el Comité Evaluador de Documentos aprueba una propuesta de eliminación."
NOT_APPROVED = "La eliminación requiere una propuesta de eliminación aprobada por el Comité Evaluador de Documentos."
PERMANENT = "El expediente {n} pertenece a una serie de conservación permanente: nunca puede eliminarse."
ON_HOLD = "El expediente {n} tiene una retención legal vigente: levántela o prepare un nuevo inventario."
MAX_FILES = 500  # files per inventory (the rest go in the next one)


def may_view(who: Principal | None) -> bool:
    return who is not None and who.has_role(Role.ARCHIVIST, Role.COMMITTEE)


def _archivist(who: Principal) -> None:
    if not who.has_role(Role.ARCHIVIST):
        raise Forbidden(ARCHIVE_ONLY)


def _reason(reason: str, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise InvalidInput(field, "Explique el motivo (mínimo 10 caracteres).")
    return reason[:500]


def _file_row(session: Session, f: retention.DueFile) -> dict[str, Any]:
    case = session.get_one(Expediente, f.case_id)
    index = session.exec(
        select(FileIndex).where(col(FileIndex.expediente_id) == f.case_id).order_by(col(FileIndex.version).desc())
    ).first()
    folios = json.loads(index.index_json).get("folios", 0) if index else 0
    return {
        "id": f.case_id,
        "numero": f.number,
        "serie_codigo": f.series_code,
        "serie_nombre": f.series_name,
        "ingreso": case.received_at.isoformat(),
        "cierre": f.closed_at.isoformat(),
        "folios": folios,
        "indice_version": index.version if index else 0,
        "indice_sha256": index.pdf_sha256 if index else "",
    }


def _next_number(session: Session, kind: str, year: int) -> str:
    prefix = f"{PREFIX[kind]}-{year}-"
    n = session.exec(
        select(func.count()).select_from(RecordInventory).where(col(RecordInventory.number).startswith(prefix))
    ).one()
    return f"{prefix}{n + 1:04d}"


def prepare(who: Principal, kind: str, *, today: date | None = None, engine: Engine | None = None) -> int:
    """The archive head prepares an inventory of the files due for ``kind`` that are not held and
    not in another pending inventory; its PDF is sealed before the row is written. Returns its id."""
    if kind not in KINDS:
        raise InvalidInput("kind", "Tipo de inventario desconocido.")
    _archivist(who)
    today = today or today_lima()
    store = FileStore(settings.files_dir())
    with db.session(engine) as s:
        due, _ = retention.due_files(s, kind=kind, today=today, limit=MAX_FILES, blocked=False, free_only=True)
        if not due:
            raise Conflict("No hay expedientes por " + ("transferir." if kind == "transferencia" else "eliminar."))
        files = [_file_row(s, f) for f in due]
        number = _next_number(s, kind, today.year)
    now = utcnow()
    data = {
        "formato": "sgd-inventario/1",
        "tipo": kind,
        "numero": number,
        "fondo": settings.INSTITUTION_NAME,
        "origen": "Archivos de gestión de las unidades" if kind == "transferencia" else "Archivo Central",
        "destino": "Archivo Central" if kind == "transferencia" else "Comité Evaluador de Documentos (eliminación)",
        "preparado_por": who.user.full_name,
        "preparado_en": now.isoformat(),
        "fecha_corte": today.isoformat(),
        "folios": sum(f["folios"] for f in files),
        "expedientes": files,
    }
    data_json = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode()
    code = signing_config.new_code()
    sealed = signing_config.seal_archival(
        render_inventory_pdf(data, data_json), code=code, reason=f"{KINDS[kind]} {number}"
    )
    sha, created = store.put(sealed)
    try:
        with db.write_session(engine) as s:
            if s.exec(select(RecordInventory).where(col(RecordInventory.number) == number)).first():
                raise Conflict("Otro inventario se preparó al mismo tiempo; vuelva a intentarlo.")
            inv = RecordInventory(
                kind=kind,
                number=number,
                data_json=data_json.decode(),
                pdf_sha256=sha,
                verify_code=code,
                prepared_by_id=who.user.id or 0,
                prepared_at=now,
            )
            s.add(inv)
            s.flush()
            assert inv.id is not None
            for f in files:
                s.add(InventoryItem(inventory_id=inv.id, expediente_id=f["id"]))
            audit.record(
                s,
                actor=who.actor,
                action=f"preparar_inventario_{kind}",
                object_type="inventario",
                object_id=number,
                data={"expedientes": [f["numero"] for f in files], "sha256": sha},
            )
            return inv.id
    except BaseException:
        if created:
            store.remove(sha)
        raise


def _load(session: Session, inventory_id: int) -> RecordInventory:
    inv = session.get(RecordInventory, inventory_id)
    if inv is None:
        raise NotFound("Inventario no encontrado.")
    return inv


def _items(session: Session, inv: RecordInventory) -> list[tuple[CaseFile, Expediente, RecordSeries]]:
    return list(
        session.exec(
            select(CaseFile, Expediente, RecordSeries)
            .join(InventoryItem, col(InventoryItem.expediente_id) == col(CaseFile.expediente_id))
            .join(Expediente, col(Expediente.id) == col(CaseFile.expediente_id))
            .join(RecordSeries, col(RecordSeries.id) == col(CaseFile.series_id))
            .where(col(InventoryItem.inventory_id) == inv.id)
            .order_by(col(Expediente.number))
        ).all()
    )


def _check_items(session: Session, inv: RecordInventory, stage: str) -> list[tuple[CaseFile, Expediente, RecordSeries]]:
    items = _items(session, inv)
    for cf, case, series in items:
        if inv.kind == "eliminacion" and series.disposition == "conservacion_permanente":
            raise Forbidden(PERMANENT.format(n=case.number))
        if retention.active_hold(session, cf.expediente_id):
            raise Conflict(ON_HOLD.format(n=case.number))
        if not cf.frozen or cf.stage != stage:
            raise Conflict(f"El expediente {case.number} cambió desde que se preparó el inventario; prepare otro.")
    return items


@act
def approve(session: Session, *, who: Principal, inventory_id: int) -> None:
    """Approve an inventory. A transfer: by the archive head; its files pass to the central
    archive's custody (read-only for the offices, visible to the archive). An elimination
    proposal: by the committee, never by the person who prepared it."""
    inv = _load(session, inventory_id)
    if inv.status != "preparado":
        raise Conflict("El inventario ya fue aprobado.")
    if inv.kind == "transferencia":
        _archivist(who)
    else:
        if not who.has_role(Role.COMMITTEE):
            raise Forbidden(COMMITTEE_ONLY)
        if who.user.id == inv.prepared_by_id:
            raise Forbidden("Quien preparó la propuesta de eliminación no puede aprobarla.")
    items = _check_items(session, inv, "gestion" if inv.kind == "transferencia" else "central")
    now = utcnow()
    archive_units = sorted({u.id for u, r in who.memberships if r == Role.ARCHIVIST and u.id is not None})
    for cf, case, _series in items:
        if inv.kind == "transferencia":
            cf.stage, cf.transferred_at, cf.updated_at = "central", now, now
            session.add(cf)
            for unit_id in archive_units:  # the archive sees the files in its custody
                session.connection().execute(
                    text("INSERT INTO caseunit (unit_id, expediente_id) VALUES (:u, :c) ON CONFLICT DO NOTHING"),
                    {"u": unit_id, "c": case.id},
                )
            audit.record(
                session,
                actor=who.actor,
                action="transferir_archivo_central",
                object_type="expediente",
                object_id=case.number,
                data={"inventario": inv.number},
            )
    inv.status, inv.approved_by_id, inv.approved_at = "aprobado", who.user.id, now
    session.add(inv)
    audit.record(
        session,
        actor=who.actor,
        action=f"aprobar_inventario_{inv.kind}",
        object_type="inventario",
        object_id=inv.number,
        data={"expedientes": [c.number for _, c, _ in items]},
    )


def execute_disposal(
    who: Principal, inventory_id: int, *, engine: Engine | None = None, store: FileStore | None = None
) -> int:
    """Destroy the contents of the files of an approved elimination proposal: the documents' bytes
    leave the file store (unless another file still keeps the same bytes), each file is marked
    eliminated. The sealed index (its PDF and JSON), the proposal and the audit trail stay.
    Refused without an approved proposal, for a series of permanent conservation and under a legal
    hold. Returns the number of stored files removed."""
    _archivist(who)
    store = store or FileStore(settings.files_dir())
    with db.write_session(engine) as s:
        inv = _load(s, inventory_id)
        if inv.kind != "eliminacion" or inv.status != "aprobado":
            raise Forbidden(NOT_APPROVED)
        items = _check_items(s, inv, "central")
        ids = [cf.expediente_id for cf, _, _ in items]
        shas = set(s.exec(select(col(Document.sha256)).where(col(Document.expediente_id).in_(ids))).all())
        shas |= set(
            s.exec(select(col(InternalDocument.current_sha256)).where(col(InternalDocument.expediente_id).in_(ids)))
        )
        texts = s.exec(select(DocumentText).where(col(DocumentText.expediente_id).in_(ids))).all()
        shas |= {t.searchable_sha256 for t in texts}
        shas.discard("")
        kept = set(
            s.exec(
                select(col(Document.sha256))
                .join(CaseFile, col(CaseFile.expediente_id) == col(Document.expediente_id), isouter=True)
                .where(
                    col(Document.sha256).in_(shas),
                    col(Document.expediente_id).not_in(ids),
                    func.coalesce(col(CaseFile.stage), "gestion") != "eliminado",
                )
            ).all()
        )
        kept |= set(s.exec(select(col(FileIndex.pdf_sha256)).where(col(FileIndex.pdf_sha256).in_(shas))).all())
        kept |= set(
            s.exec(select(col(RecordInventory.pdf_sha256)).where(col(RecordInventory.pdf_sha256).in_(shas))).all()
        )
        remove = sorted(shas - kept)
        now = utcnow()
        for t in texts:  # the extracted / OCR text is content too (the rows stay, emptied)
            t.text, t.searchable_sha256, t.method, t.updated_at = "", "", "eliminado", now
            s.add(t)
        s.flush()
        for t in texts:  # and the search index forgets it
            search.index_document(s, t.document_id)
        for cf, case, _series in items:
            cf.stage, cf.destroyed_at, cf.updated_at = "eliminado", now, now
            s.add(cf)
            audit.record(
                s,
                actor=who.actor,
                action="eliminar_contenido",
                object_type="expediente",
                object_id=case.number,
                data={"inventario": inv.number},
            )
        inv.status, inv.executed_at = "ejecutado", now
        s.add(inv)
        audit.record(
            s,
            actor=who.actor,
            action="ejecutar_eliminacion",
            object_type="inventario",
            object_id=inv.number,
            data={"expedientes": [c.number for _, c, _ in items], "archivos_borrados": remove},
        )
    for sha in remove:  # after the commit: a refused act leaves every byte where it was
        store.remove(sha)
    return len(remove)


def _case(session: Session, number: str) -> Expediente:
    canonical = parse_number(number or "")
    case = session.exec(select(Expediente).where(col(Expediente.number) == canonical)).first() if canonical else None
    if case is None or case.id is None:
        raise InvalidInput("number", "No existe un expediente con ese número.")
    return case


@act
def set_hold(session: Session, *, who: Principal, number: str, reason: str) -> int:
    """A legal hold on a case (litigation, audit): blocks its transfer and its elimination."""
    _archivist(who)
    reason = _reason(reason)
    case = _case(session, number)
    assert case.id is not None
    if retention.active_hold(session, case.id):
        raise Conflict("El expediente ya tiene una retención legal vigente.")
    if retention.stage_of(session, case.id) == "eliminado":
        raise Conflict("El contenido de ese expediente ya fue eliminado.")
    hold = LegalHold(expediente_id=case.id, reason=reason, set_by_id=who.user.id or 0)
    session.add(hold)
    session.flush()
    audit.record(
        session,
        actor=who.actor,
        action="retener_expediente",
        object_type="expediente",
        object_id=case.number,
        data={"motivo": reason},
    )
    assert hold.id is not None
    return hold.id


@act
def lift_hold(session: Session, *, who: Principal, hold_id: int, reason: str) -> None:
    _archivist(who)
    reason = _reason(reason)
    hold = session.get(LegalHold, hold_id)
    if hold is None or hold.lifted_at is not None:
        raise NotFound("Retención no encontrada o ya levantada.")
    case = session.get_one(Expediente, hold.expediente_id)
    hold.lifted_at, hold.lifted_by_id, hold.lift_reason = utcnow(), who.user.id, reason
    session.add(hold)
    audit.record(
        session,
        actor=who.actor,
        action="levantar_retencion",
        object_type="expediente",
        object_id=case.number,
        data={"motivo": reason},
    )


@query
def inventories(session: Session, *, limit: int = 20, offset: int = 0) -> tuple[list[dict[str, str]], int]:
    """The inventories, newest first (strings, for the screen)."""
    total = session.exec(select(func.count()).select_from(RecordInventory)).one()
    rows = session.exec(
        select(RecordInventory).order_by(col(RecordInventory.id).desc()).limit(limit).offset(offset)
    ).all()
    names = dict(session.exec(select(col(User.id), col(User.full_name))).all())
    out = []
    for inv in rows:
        data = json.loads(inv.data_json)
        out.append(
            {
                "id": str(inv.id),
                "kind": inv.kind,
                "kind_label": KINDS[inv.kind],
                "number": inv.number,
                "status": inv.status,
                "status_label": STATUS_LABELS[inv.status],
                "files": str(len(data["expedientes"])),
                "prepared": f"{names.get(inv.prepared_by_id, '')}",
                "approved": f"{names.get(inv.approved_by_id, '')}" if inv.approved_by_id else "",
            }
        )
    return out, int(total)


def inventory_pdf(who: Principal, inventory_id: int, *, engine: Engine | None = None) -> bytes:
    """The sealed PDF of an inventory, for the archive and the committee."""
    if not may_view(who):
        raise NotFound("Inventario no encontrado.")
    with db.session(engine) as s:
        inv = _load(s, inventory_id)
        sha = inv.pdf_sha256
    return FileStore(settings.files_dir()).read(sha)
