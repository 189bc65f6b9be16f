"""The export package of a closed case (for the Órgano de Control, a court or another archive): a
ZIP with every document byte for byte, the sealed foliation index and its JSON, the hoja de ruta,
the case's audit events with their chain hashes, and a manifest with the SHA-256 of every file —
as JSON, and embedded in a PDF sealed with the institution's seal (``manifiesto.pdf``)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from sgd_app import db, settings
from sgd_app.domain import audit
from sgd_app.domain.auth import Principal
from sgd_app.domain.documents import FileStore
from sgd_app.domain.dossier.index_pdf import _case_for, embedded_index, seal_index
from sgd_app.domain.models import AuditEvent, Document, utcnow
from sgd_app.domain.printing.layout import BRAND, INK, MUTED, Sheet
from sgd_app.domain.printing.route_sheet import _row, _section, render_route_sheet_pdf, route_sheet_data
from sgd_app.domain.signing import config as signing_config

PACKAGE_FORMAT = "sgd-paquete-expediente/1"
MANIFEST = "manifest.json"
MANIFEST_PDF = "manifiesto.pdf"
AUDIT_FILE = "auditoria.json"


def _event(e: AuditEvent) -> dict[str, Any]:
    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
    return {
        "seq": e.seq,
        "at": at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "data": e.data,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def _manifest_pdf(manifest: dict[str, Any], manifest_json: bytes) -> bytes:
    pdf = Sheet(
        title=f"Manifiesto del paquete {manifest['expediente']}",
        author=manifest["institucion"],
        created=utcnow(),
        footer=f"Manifiesto · Expediente N° {manifest['expediente']}",
        orientation="P",
        format="A4",
    )
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.text_block(manifest["institucion"].upper(), pdf.l_margin, pdf.epw, 12, "B", color=BRAND, lh=6)
    pdf.text_block(f"Paquete de exportación del expediente {manifest['expediente']}", pdf.l_margin, pdf.epw, 13, "B")
    _section(pdf, f"Archivos ({len(manifest['archivos'])})")
    for f in manifest["archivos"]:
        _row(pdf, [(70, [(f["nombre"], "", 7.5, INK)]), (pdf.epw - 70, [(f["sha256"], "", 7, MUTED)])])
    pdf.embed_file(bytes=manifest_json, basename=MANIFEST, desc="Manifiesto (JSON)", mime_type="application/json")
    return bytes(pdf.output())


def export_package(who: Principal, number: str, *, engine: Engine | None = None) -> bytes:
    """The ZIP of closed case ``number`` for staff who may see it (Conflict while it is open)."""
    store = FileStore(settings.files_dir())
    with db.session(engine) as s:
        case = _case_for(s, who, number)
        docs = s.exec(
            select(Document)
            .where(col(Document.expediente_id) == case.id)
            .order_by(col(Document.created_at), col(Document.id))
        ).all()
        events = s.exec(
            select(AuditEvent)
            .where(col(AuditEvent.object_type) == "expediente", col(AuditEvent.object_id) == case.number)
            .order_by(col(AuditEvent.seq))
        ).all()
        route_sheet = render_route_sheet_pdf(route_sheet_data(s, who, case.number))
        audit_json = json.dumps([_event(e) for e in events], ensure_ascii=False, indent=1).encode()
        files: list[tuple[str, bytes]] = [
            (f"documentos/{n:03d}-{d.filename}", store.read(d.sha256)) for n, d in enumerate(docs, start=1)
        ]
    index = seal_index(number, engine=engine)
    files += [
        ("indice.pdf", index),
        ("indice.json", embedded_index(index) or b""),
        ("hoja-de-ruta.pdf", route_sheet),
        (AUDIT_FILE, audit_json),
    ]
    manifest = {
        "formato": PACKAGE_FORMAT,
        "institucion": settings.INSTITUTION_NAME,
        "expediente": number,
        "generado_en": utcnow().isoformat(),
        "generado_por": who.actor,
        "archivos": [{"nombre": n, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for n, b in files],
    }
    manifest_json = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    sealed = signing_config.seal(
        _manifest_pdf(manifest, manifest_json),
        code=signing_config.new_code(),
        reason=f"Paquete del expediente {number}",
    )
    package = canonical_zip([*files, (MANIFEST, manifest_json), (MANIFEST_PDF, sealed)])
    with db.write_session(engine) as s:
        audit.record(
            s,
            actor=who.actor,
            action="exportar_paquete",
            object_type="expediente",
            object_id=number,
            data={"archivos": len(files), "manifiesto_sha256": hashlib.sha256(manifest_json).hexdigest()},
        )
    return package


def canonical_zip(members: list[tuple[str, bytes]]) -> bytes:
    """The one byte sequence a package with these members has: stored (no compression, so no
    zlib version can change it), fixed dates and modes. The verifier rebuilds it to find any
    change outside the members' contents (headers, dates, comments, trailing bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()
