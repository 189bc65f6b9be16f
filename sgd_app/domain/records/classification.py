"""The classification scheme (cuadro de clasificación): fondo (the institution) → sección (the
organisational unit) → serie → subserie, each series with its retention in years at the office
(archivo de gestión) and at the central archive, its final disposition and its access level;
which series each procedure and each internal document type goes to; the classification of a
case and of an internal document at their creation, and a head's reclassification (audited)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain import audit
from sgd_app.domain.access import get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Forbidden, InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.models import Expediente, InternalDocument, Procedure, Unit, utcnow
from sgd_app.domain.records.tables import CaseFile, DocTypeSeries, DocumentSeries, ProcedureSeries, RecordSeries
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import DOC_TYPES, Role

DISPOSITIONS = {
    "conservacion_permanente": "Conservación permanente",
    "eliminacion": "Eliminación",
    "seleccion": "Selección",
}
# Ley 27806 (transparencia): information is public unless the law makes it secret, reserved or confidential.
ACCESS_LEVELS = {
    "publico": "Público",
    "reservado": "Reservado",
    "confidencial": "Confidencial",
    "secreto": "Secreto",
}
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9.-]{1,19}")
MAX_YEARS = 100

# code, name, section (unit code), office years, central years, disposition, access, parent code
DEFAULT_SERIES: list[tuple[str, str, str, int, int, str, str, str | None]] = [
    ("SG-01", "Expedientes jurisdiccionales de apelación", "SG", 5, 10, "conservacion_permanente", "publico", None),
    ("SG-01.01", "Escritos en apelaciones en trámite", "SG", 5, 10, "conservacion_permanente", "publico", "SG-01"),
    ("SG-02", "Resoluciones", "SG", 5, 10, "conservacion_permanente", "publico", None),
    ("SG-03", "Trámite documentario general", "SG", 2, 5, "seleccion", "publico", None),
    ("ROP-01", "Renuncias a organizaciones políticas", "ROP", 5, 10, "conservacion_permanente", "publico", None),
    ("ROP-02", "Constancias de afiliación", "ROP", 2, 3, "eliminacion", "confidencial", None),
    (
        "DNFPE-01",
        "Denuncias sobre declaraciones juradas de hoja de vida",
        "DNFPE",
        5,
        10,
        "seleccion",
        "reservado",
        None,
    ),
    ("DNFPE-02", "Registro de encuestadoras", "DNFPE", 5, 10, "conservacion_permanente", "publico", None),
    ("TES-01", "Suspensión de cobranza coactiva de multas electorales", "TES", 3, 7, "seleccion", "confidencial", None),
    ("ENEC-01", "Certificados de notas y de estudios", "ENEC", 2, 8, "conservacion_permanente", "confidencial", None),
    ("SG-04", "Memorandos", "SG", 1, 2, "eliminacion", "publico", None),
    ("SG-05", "Informes", "SG", 2, 5, "seleccion", "publico", None),
    ("SG-06", "Oficios y cartas", "SG", 2, 5, "seleccion", "publico", None),
]
DEFAULT_PROCEDURES = {
    "ESC-APE": "SG-01.01",
    "REN-OP": "ROP-01",
    "CONST-AF": "ROP-02",
    "DEN-HV": "DNFPE-01",
    "SUSP-MUL": "TES-01",
    "INS-ENC": "DNFPE-02",
    "CERT-NOT": "ENEC-01",
    "SOL-GEN": "SG-03",
}
DEFAULT_DOC_TYPES = {
    "memorando": "SG-04",
    "informe": "SG-05",
    "oficio": "SG-06",
    "carta": "SG-06",
    "resolucion": "SG-02",
}
FALLBACK_CODE = "SG-03"  # what a case or document of an unmapped procedure or type falls in


@dataclass(frozen=True)
class SeriesRow:
    id: int
    code: str
    name: str
    parent_code: str
    unit_code: str
    unit_name: str
    office_years: int
    central_years: int
    disposition: str
    disposition_label: str
    access: str
    access_label: str
    active: bool
    unit_id: int | None = None
    parent_id: int | None = None


def ensure_admin(who: Principal) -> None:
    if who is None or not who.has_role(Role.ADMIN):
        raise Forbidden("Solo un administrador puede mantener el cuadro de clasificación.")


def _fallback(session: Session) -> int | None:
    return session.exec(select(RecordSeries.id).where(RecordSeries.code == FALLBACK_CODE)).first()


# ---------------------------------------------------------------- classification at creation
def procedure_series(session: Session, procedure_id: int) -> int | None:
    """The series of a procedure's cases (the fallback series when it is not mapped)."""
    found = session.exec(select(ProcedureSeries.series_id).where(ProcedureSeries.procedure_id == procedure_id)).first()
    return found or _fallback(session)


def classify_case(session: Session, *, case_id: int, procedure_id: int) -> int | None:
    """Open the electronic file of a new case in the series of its procedure (every intake path
    calls this in the filing's transaction); returns the series id (None: no scheme yet)."""
    series_id = procedure_series(session, procedure_id)
    session.add(CaseFile(expediente_id=case_id, series_id=series_id))
    return series_id


def classify_internal_document(session: Session, doc: InternalDocument) -> int | None:
    """Classify an issued document at drafting in the series of its type."""
    assert doc.id is not None
    series_id = session.exec(select(DocTypeSeries.series_id).where(DocTypeSeries.doc_type == doc.doc_type)).first()
    series_id = series_id or _fallback(session)
    if series_id is not None:
        session.add(DocumentSeries(internal_document_id=doc.id, series_id=series_id))
    return series_id


def case_file(session: Session, case: Expediente) -> CaseFile:
    """The electronic file of a case (made on first use, in its procedure's series, for cases
    written before 0015 or by the demo data's bulk inserts)."""
    assert case.id is not None
    row = session.get(CaseFile, case.id)
    if row is None:
        row = CaseFile(expediente_id=case.id, series_id=procedure_series(session, case.procedure_id))
        session.add(row)
        session.flush()
    return row


@act
def change_case_series(session: Session, *, who: Principal, number: str, series_id: int) -> CaseFile:
    """A head of the unit holding the case (or an administrator) moves it to another series."""
    case = get_case(session, who, number)
    heads = {u.id for u, r in who.memberships if r == Role.HEAD}
    if case.current_unit_id not in heads and not who.has_role(Role.ADMIN):
        raise Forbidden("Solo el jefe de la unidad que tiene el expediente puede cambiar su serie documental.")
    series = session.get(RecordSeries, series_id) if series_id else None
    if series is None or not series.active:
        raise InvalidInput("series", "Elija una serie documental activa.")
    row = case_file(session, case)
    if row.frozen:
        raise Forbidden("El expediente está cerrado: reábralo para cambiar su serie documental.")
    before = row.series_id
    if before == series.id:
        return row
    row.series_id = series.id
    row.updated_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor=who.actor,
        action="reclasificar_serie",
        object_type="expediente",
        object_id=case.number,
        data={"de": _code(session, before), "a": series.code},
    )
    return row


def _code(session: Session, series_id: int | None) -> str:
    s = session.get(RecordSeries, series_id) if series_id else None
    return s.code if s else ""


# ---------------------------------------------------------------- the scheme (administrators)
def _parse(session: Session, values: dict[str, Any], current: RecordSeries | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    code = str(values.get("code", "") or "").strip().upper()
    name = " ".join(str(values.get("name", "") or "").split())
    if not CODE_RE.fullmatch(code):
        errors["code"] = "El código tiene de 2 a 20 letras mayúsculas, números, puntos o guiones."
    else:
        other = session.exec(select(RecordSeries).where(RecordSeries.code == code)).first()
        if other is not None and (current is None or other.id != current.id):
            errors["code"] = "Ya existe una serie con ese código."
    if len(name) < 3 or len(name) > 200:
        errors["name"] = "Escriba el nombre de la serie (de 3 a 200 caracteres)."
    years = {}
    for field in ("office_years", "central_years"):
        try:
            years[field] = int(str(values.get(field, "")).strip())
        except ValueError:
            years[field] = -1
        if not 0 <= years[field] <= MAX_YEARS:
            errors[field] = f"Indique los años de retención (de 0 a {MAX_YEARS})."
    disposition = str(values.get("disposition", "") or "")
    if disposition not in DISPOSITIONS:
        errors["disposition"] = "Elija la disposición final."
    access = str(values.get("access", "") or "")
    if access not in ACCESS_LEVELS:
        errors["access"] = "Elija el nivel de acceso."
    unit_id = _as_id(values.get("unit_id"))
    if unit_id is not None and session.get(Unit, unit_id) is None:
        errors["unit_id"] = "Elija la sección (unidad) que produce la serie."
    parent_id = _as_id(values.get("parent_id"))
    if parent_id is not None:
        parent = session.get(RecordSeries, parent_id)
        if parent is None or parent.parent_id is not None or (current is not None and parent.id == current.id):
            errors["parent_id"] = "Una subserie depende de una serie (no de otra subserie ni de sí misma)."
    if errors:
        raise InvalidInputs(errors)
    return dict(
        code=code,
        name=name,
        unit_id=unit_id,
        parent_id=parent_id,
        disposition=disposition,
        access=access,
        **years,
    )


def _as_id(value: Any) -> int | None:
    try:
        n = int(str(value).strip()) if value not in (None, "") else 0
    except ValueError:
        return None
    return n or None


@act
def create_series(session: Session, *, who: Principal, values: dict[str, Any]) -> RecordSeries:
    ensure_admin(who)
    row = RecordSeries(**_parse(session, values, None))
    session.add(row)
    session.flush()
    audit.record(
        session, actor=who.actor, action="crear_serie", object_type="serie", object_id=row.code, data=_audit(row)
    )
    return row


@act
def update_series(session: Session, *, who: Principal, series_id: int, values: dict[str, Any]) -> RecordSeries:
    ensure_admin(who)
    row = session.get(RecordSeries, series_id)
    if row is None:
        raise NotFound("Esa serie documental no existe.")
    parsed = _parse(session, values, row)
    if (
        parsed["parent_id"] is not None
        and session.exec(select(RecordSeries.id).where(RecordSeries.parent_id == row.id)).first()
    ):
        raise InvalidInput("parent_id", "Esta serie tiene subseries: no puede ser subserie de otra.")
    for k, v in parsed.items():
        setattr(row, k, v)
    row.active = bool(values.get("active", row.active))
    session.add(row)
    audit.record(
        session, actor=who.actor, action="editar_serie", object_type="serie", object_id=row.code, data=_audit(row)
    )
    return row


def _audit(row: RecordSeries) -> dict[str, Any]:
    return {
        "nombre": row.name,
        "gestion": row.office_years,
        "central": row.central_years,
        "disposicion": row.disposition,
        "acceso": row.access,
        "activa": row.active,
    }


@act
def map_procedure(session: Session, *, who: Principal, procedure_id: int, series_id: int) -> None:
    """Send the future cases of a procedure to a series (cases already filed keep theirs)."""
    ensure_admin(who)
    proc = session.get(Procedure, procedure_id)
    series = session.get(RecordSeries, series_id) if series_id else None
    if proc is None:
        raise NotFound("Ese procedimiento no existe.")
    if series is None or not series.active:
        raise InvalidInput("series", "Elija una serie documental activa.")
    row = session.get(ProcedureSeries, procedure_id) or ProcedureSeries(procedure_id=procedure_id, series_id=series_id)
    row.series_id = series_id
    session.add(row)
    audit.record(
        session,
        actor=who.actor,
        action="asignar_serie",
        object_type="procedure",
        object_id=proc.code,
        data={"serie": series.code},
    )


@act
def map_doc_type(session: Session, *, who: Principal, doc_type: str, series_id: int) -> None:
    """Send the future issued documents of a type to a series."""
    ensure_admin(who)
    if doc_type not in DOC_TYPES:
        raise InvalidInput("doc_type", "Elija un tipo de documento.")
    series = session.get(RecordSeries, series_id) if series_id else None
    if series is None or not series.active:
        raise InvalidInput("series", "Elija una serie documental activa.")
    row = session.get(DocTypeSeries, doc_type) or DocTypeSeries(doc_type=doc_type, series_id=series_id)
    row.series_id = series_id
    session.add(row)
    audit.record(
        session,
        actor=who.actor,
        action="asignar_serie",
        object_type="tipo_documento",
        object_id=doc_type,
        data={"serie": series.code},
    )


# ---------------------------------------------------------------- reading
@query
def list_series(session: Session) -> list[SeriesRow]:
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    rows = session.exec(select(RecordSeries).order_by(col(RecordSeries.code))).all()
    codes = {r.id: r.code for r in rows}
    out = []
    for r in rows:
        assert r.id is not None
        unit = units.get(r.unit_id) if r.unit_id else None
        out.append(
            SeriesRow(
                id=r.id,
                code=r.code,
                name=r.name,
                parent_code=codes.get(r.parent_id, "") if r.parent_id else "",
                unit_code=unit.code if unit else "",
                unit_name=unit.name if unit else "",
                office_years=r.office_years,
                central_years=r.central_years,
                disposition=r.disposition,
                disposition_label=DISPOSITIONS.get(r.disposition, r.disposition),
                access=r.access,
                access_label=ACCESS_LEVELS.get(r.access, r.access),
                active=r.active,
                unit_id=r.unit_id,
                parent_id=r.parent_id,
            )
        )
    return out


@query
def mappings(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The procedure → series and document type → series tables, for the administration tab."""
    series = {s.id: s.code for s in session.exec(select(RecordSeries)).all()}
    by_proc = {m.procedure_id: m.series_id for m in session.exec(select(ProcedureSeries)).all()}
    by_type = {m.doc_type: m.series_id for m in session.exec(select(DocTypeSeries)).all()}
    procs = session.exec(select(Procedure).order_by(col(Procedure.code))).all()
    return {
        "procedures": [
            {
                "id": p.id,
                "code": p.code,
                "name": p.name,
                "series_id": by_proc.get(p.id or 0) or 0,
                "series": series.get(by_proc.get(p.id or 0) or 0, ""),
            }
            for p in procs
        ],
        "doc_types": [
            {"doc_type": k, "name": v, "series_id": by_type.get(k) or 0, "series": series.get(by_type.get(k) or 0, "")}
            for k, v in DOC_TYPES.items()
        ],
    }


# ---------------------------------------------------------------- seed
def seed_defaults(session: Session) -> bool:
    """The default scheme of an electoral body and its mappings (only what is missing); True when
    something was added."""
    units = {u.code: u.id for u in session.exec(select(Unit)).all()}
    have = {s.code: s for s in session.exec(select(RecordSeries)).all()}
    added = False
    for code, name, unit, office, central, disposition, access, parent in DEFAULT_SERIES:
        if code in have:
            continue
        row = RecordSeries(
            code=code,
            name=name,
            unit_id=units.get(unit),
            office_years=office,
            central_years=central,
            disposition=disposition,
            access=access,
            parent_id=have[parent].id if parent else None,
        )
        session.add(row)
        session.flush()
        have[code] = row
        added = True
    procs = {p.code: p.id for p in session.exec(select(Procedure)).all()}
    mapped = {m.procedure_id for m in session.exec(select(ProcedureSeries)).all()}
    for proc_code, series_code in DEFAULT_PROCEDURES.items():
        pid = procs.get(proc_code)
        if pid is not None and pid not in mapped:
            session.add(ProcedureSeries(procedure_id=pid, series_id=pk_of(have[series_code])))
            added = True
    typed = {m.doc_type for m in session.exec(select(DocTypeSeries)).all()}
    for doc_type, series_code in DEFAULT_DOC_TYPES.items():
        if doc_type not in typed:
            session.add(DocTypeSeries(doc_type=doc_type, series_id=pk_of(have[series_code])))
            added = True
    return added


def pk_of(row: RecordSeries) -> int:
    assert row.id is not None
    return row.id
