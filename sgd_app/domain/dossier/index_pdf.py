"""The sealed foliation index of a closed case: the index made at closing (``records.files``)
gets the verification of every signature of its documents, is rendered as a PDF (A4 landscape)
with the JSON index embedded as an attachment, and is sealed with the institution's seal at PAdES
B-LTA. Sealing runs between a read and a short write transaction, as the receipt's seal does; a
closing whose seal was not made yet (bulk archive, a crash) is sealed on first request."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from typing import Any

import pikepdf
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sgd_app import db, settings
from sgd_app.domain import audit, records
from sgd_app.domain.access import get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Conflict
from sgd_app.domain.models import Expediente, utcnow
from sgd_app.domain.printing.layout import INK, MUTED, landscape_record, stamp
from sgd_app.domain.printing.route_sheet import Cols, _row, _section
from sgd_app.domain.records.classification import ACCESS_LEVELS, DISPOSITIONS
from sgd_app.domain.signing import config as signing_config
from sgd_app.domain.signing.pades import SigningRefused

logger = logging.getLogger(__name__)

INDEX_ATTACHMENT = "indice.json"
NOT_CLOSED = "El expediente no está cerrado: su índice de foliación se genera al atenderlo o archivarlo."
VERDICT_LABEL = {"VALIDO": "VÁLIDO", "NO_VALIDO": "NO VÁLIDO"}


def _when(iso: str) -> str:
    try:
        return stamp(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def render_index_pdf(data: dict[str, Any], index_json: bytes) -> bytes:
    """The foliation index as a PDF, with ``index_json`` embedded (the machine-readable copy)."""
    number = data["expediente"]
    pdf = landscape_record(
        title=f"Índice de foliación {number} (versión {data['version']})",
        author=data["fondo"],
        created=datetime.fromisoformat(data["cerrado_en"]),
        footer=f"Índice de foliación · Expediente N° {number} · versión {data['version']}",
        kind="ÍNDICE DE FOLIACIÓN DEL EXPEDIENTE ELECTRÓNICO",
        heading=f"Expediente N° {number}",
    )
    series = data.get("serie") or {}
    keep = data.get("retencion") or {}
    head = [
        ("Sección", data.get("seccion") or "—"),
        ("Serie documental", f"{series.get('codigo', '')} {series.get('nombre', '')}".strip() or "—"),
        (
            "Retención",
            (
                f"{keep['archivo_de_gestion_anios']} años en el archivo de gestión, "
                f"{keep['archivo_central_anios']} en el archivo central; "
                f"{DISPOSITIONS.get(keep['disposicion_final'], keep['disposicion_final'])}; "
                f"acceso {ACCESS_LEVELS.get(keep['acceso'], keep['acceso']).lower()}"
            )
            if keep
            else "—",
        ),
        ("Procedimiento", data.get("procedimiento") or "—"),
        ("Asunto", data.get("asunto") or ""),
        ("Cerrado", f"{_when(data['cerrado_en'])} (hora de Lima) · versión {data['version']} del índice"),
        ("Total", f"{len(data['documentos'])} documentos, {data['folios']} folios"),
    ]
    _section(pdf, "Datos del expediente")
    for label, value in head:
        _row(pdf, [(45, [(label, "B", 8, MUTED)]), (pdf.epw - 45, [(value, "", 8.5, INK)])])
    _section(pdf, "Documentos, en el orden en que ingresaron")
    widths = (10.0, 20.0, 27.0, 62.0, 74.0)
    rest = pdf.epw - sum(widths)
    table_head: Cols = [
        (widths[0], [("N°", "B", 7.5, MUTED)]),
        (widths[1], [("Folios", "B", 7.5, MUTED)]),
        (widths[2], [("Fecha", "B", 7.5, MUTED)]),
        (widths[3], [("Tipo y descripción", "B", 7.5, MUTED)]),
        (widths[4], [("SHA-256", "B", 7.5, MUTED)]),
        (rest, [("Firmas y verificación al cierre", "B", 7.5, MUTED)]),
    ]
    _row(pdf, table_head)
    for d in data["documentos"]:
        sigs = [(f"{s['firmante']} ({s['rol']}, {s['nivel']})", "", 7.5, INK) for s in d.get("firmas", [])] or [
            ("Sin firmas", "", 7.5, MUTED)
        ]
        check = d.get("verificacion")
        if check:
            sigs.append((f"Verificación: {VERDICT_LABEL.get(check['veredicto'], check['veredicto'])}", "B", 7.5, INK))
        sha = d["sha256"]
        _row(
            pdf,
            [
                (widths[0], [(str(d["orden"]), "", 8, INK)]),
                (widths[1], [(f"{d['folio_desde']}–{d['folio_hasta']}", "", 8, INK)]),
                (widths[2], [(_when(d["fecha"]), "", 8, INK)]),
                (widths[3], [(d["tipo"].capitalize(), "B", 8, INK), (d["descripcion"], "", 7.5, MUTED)]),
                (widths[4], [(sha[:32], "", 7, INK), (sha[32:], "", 7, INK)]),
                (rest, sigs),
            ],
            header=table_head,
        )
    if data.get("indices_anteriores"):
        _section(pdf, "Versiones anteriores de este índice")
        for e in data["indices_anteriores"]:
            _row(pdf, [(30, [(f"Versión {e['version']}", "B", 8, INK)]), (pdf.epw - 30, [(e["sha256"], "", 7.5, INK)])])
    pdf.ln(3)
    pdf.text_block(
        f"El índice legible por máquina va adjunto a este PDF ({INDEX_ATTACHMENT}). Este documento lleva el sello "
        "electrónico de la institución (PAdES B-LTA): cualquier cambio lo invalida.",
        pdf.l_margin,
        pdf.epw,
        7.5,
        color=MUTED,
    )
    pdf.embed_file(
        bytes=index_json, basename=INDEX_ATTACHMENT, desc="Índice de foliación (JSON)", mime_type="application/json"
    )
    return bytes(pdf.output())


def embedded_index(pdf: bytes) -> bytes | None:
    """The JSON index attached to a sealed index PDF (None when there is none)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        att = doc.attachments.get(INDEX_ATTACHMENT)
        return att.get_file().read_bytes() if att is not None else None


def _verify_documents(data: dict[str, Any], store: FileStore) -> None:
    for d in data["documentos"]:
        if not d.get("firmado"):
            continue
        report = signing_config.validate(store.read(d["sha256"]))
        d["verificacion"] = {
            "veredicto": report.verdict,
            "motivo": report.reason,
            "validado_en": report.validated_at.isoformat(),
            "firmas": [
                {"firmante": s.signer_name, "veredicto": s.verdict, "nivel": s.level} for s in report.signatures
            ],
        }


def seal_index(number: str, *, engine: Engine | None = None) -> bytes:
    """Seal the latest index of closed case ``number`` if it is not sealed yet; returns its PDF."""
    store = FileStore(settings.files_dir())
    with db.session(engine) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        assert case.id is not None
        index = records.latest_index(s, case.id)
        if index is None or not records.is_frozen(s, case.id):
            raise Conflict(NOT_CLOSED)
        if index.pdf_sha256:
            return store.read(index.pdf_sha256)
        data = json.loads(index.index_json)
        index_id = index.id
    _verify_documents(data, store)
    index_json = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode()
    code = signing_config.new_code()
    sealed = signing_config.seal_archival(
        render_index_pdf(data, index_json), code=code, reason=f"Índice de foliación — {number} (v{data['version']})"
    )
    with pikepdf.open(io.BytesIO(sealed)) as doc:
        pages = len(doc.pages)
    sha, created = store.put(sealed)
    try:
        with db.write_session(engine) as s:
            row = s.get_one(records.FileIndex, index_id)
            if row.pdf_sha256:  # another worker sealed it first: theirs stands
                return store.read(row.pdf_sha256)
            row.index_json = index_json.decode()
            row.pdf_sha256, row.verify_code, row.pages, row.sealed_at = sha, code, pages, utcnow()
            s.add(row)
            audit.record(
                s,
                actor="sistema",
                action="sellar_indice",
                object_type="expediente",
                object_id=number,
                data={"version": row.version, "sha256": sha},
            )
    except BaseException:
        if created:
            store.remove(sha)
        raise
    return sealed


def _case_for(session: Session, who: Principal, number: str) -> Expediente:
    case = get_case(session, who, number)
    assert case.id is not None
    if not records.is_frozen(session, case.id):
        raise Conflict(NOT_CLOSED)
    return case


def index_pdf(who: Principal, number: str, *, engine: Engine | None = None) -> bytes:
    """The sealed index of a closed case for staff who may see it (sealed now if it was not yet)."""
    with db.session(engine) as s:
        case = _case_for(s, who, number)
    return seal_index(case.number, engine=engine)


def seal_after_closing(number: str, *, engine: Engine | None = None) -> bool:
    """The named step after a closing act: seal the new index right away (True when sealed). A
    seal that cannot be made now (the TSA down, a refused certificate) is logged and left for the
    first download of the index, which seals it then."""
    with db.session(engine) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).first()
        if case is None or case.id is None or not records.is_frozen(s, case.id):
            return False
    try:
        seal_index(number, engine=engine)
    except (SigningRefused, OSError) as exc:
        logger.warning("Índice de %s sin sellar por ahora: %s", number, exc)
        return False
    return True
