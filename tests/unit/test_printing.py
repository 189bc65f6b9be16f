"""What the desk and the archive print (issue 14, item 9): the cargo with the access key for the
citizen at the desk, the folder's label (number, date and time, QR to the tracking page) and the
hoja de ruta with every step and every visto bueno and firma. The PDFs are read back with
poppler's pdftotext, as a person reads them."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pikepdf
import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import drafting, intake, printing
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.models import Expediente
from sgd_app.domain.printing.label import label_data
from sgd_app.domain.printing.layout import lima
from sgd_app.domain.routing.signature_trail import DOC_TYPE_LABELS
from tests.conftest import make_pdf, principal
from tests.unit.test_drafting import _draft, _send, _sign, pki, world  # noqa: F401  (fixtures)


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return out.decode()


def _keep(name: str, pdf: bytes) -> None:
    """With SGD_SHOTS=<dir>, keep the PDF to render and look at."""
    if folder := os.environ.get("SGD_SHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(pdf)


def _desk_filing(seeded, store):
    clerk = principal(seeded, "mesa")
    with db.write_session(seeded) as s:
        result = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(doc_type="DNI", doc_number="45678912", name="Rosa Ñahui Quispe", phone="987654321"),
            subject="Constancia de afiliación presentada en papel",
            files=[intake.IncomingFile("escaneo.pdf", make_pdf(3), "principal")],
            channel="presencial",
            registered_by_id=clerk.user.id,
        )
    return clerk, result.case.number, result.access_key


def test_the_desk_copy_carries_the_key_only_when_it_matches(seeded, store):
    clerk, number, key = _desk_filing(seeded, store)
    pdf = printing.desk_copy(clerk, number, key.lower(), engine=seeded)  # as typed: case does not matter
    _keep("cargo-copia.pdf", pdf)
    text = _text(pdf)
    assert f"Expediente N° {number}" in text
    assert key in text and "CLAVE DE ACCESO" in text
    assert "COPIA IMPRESA PARA EL ADMINISTRADO" in text
    assert "Rosa Ñahui Quispe" in text and "Mesa de Partes presencial" in text
    assert "no figura en este documento" not in text  # the original's note would contradict it
    # The sealed original (the case's receipt) never carries the key.
    assert key not in _text(intake.render_receipt(number, engine=seeded))
    with pytest.raises(InvalidInput, match="no corresponde"):
        printing.desk_copy(clerk, number, "AAAA-BBBB-CCCC", engine=seeded)
    with pytest.raises(InvalidInput):
        printing.desk_copy(clerk, number, "", engine=seeded)
    # Staff of a unit the case never reached: as if it did not exist, even with the key.
    with pytest.raises(NotFound):
        printing.desk_copy(principal(seeded, "cusco"), number, key, engine=seeded)


def test_the_label_is_a_small_page_with_number_date_and_a_tracking_qr(seeded, store):
    clerk, number, _key = _desk_filing(seeded, store)
    pdf = printing.case_label(clerk, number, engine=seeded)
    _keep("etiqueta.pdf", pdf)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1
        box = [float(v) for v in doc.pages[0].mediabox]
        assert round(box[2] * 25.4 / 72) == 100 and round(box[3] * 25.4 / 72) == 50
        assert len(list(doc.pages[0].images)) == 1  # the QR code
    text = _text(pdf)
    with db.session(seeded) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
    received = lima(case.received_at)
    assert number in text and f"{received:%d/%m/%Y %H:%M}" in text
    assert "Folios: 3" in text and "Mesa de Partes presencial" in text
    with pytest.raises(NotFound):
        printing.case_label(principal(seeded, "cusco"), number, engine=seeded)


def test_the_qr_of_the_label_is_the_tracking_url(seeded, store):
    from sgd_app.domain.links import tracking_url

    clerk, number, _ = _desk_filing(seeded, store)
    with db.session(seeded) as s:
        got = label_data(s, clerk, number)
    assert got.tracking_url == tracking_url(number) and "clave" not in got.tracking_url


def test_the_route_sheet_has_every_step_and_every_visto_bueno_and_firma(world, pki):  # noqa: F811
    w = world
    doc_id = _draft(w, subject="Verificación del padrón electoral")
    _send(w, doc_id, [w["gerente"]])
    _sign(w, pki, w["gerente"], doc_id)
    _sign(w, pki, w["jefe"], doc_id)
    pending = _draft(w, subject="Informe aún sin firmar")
    _send(w, pending, [w["gerente"]])
    pdf = printing.case_route_sheet(w["log"], w["number"], engine=w["e"])
    _keep("hoja-de-ruta.pdf", pdf)
    text = _text(pdf)
    flat = " ".join(text.split())
    assert "HOJA DE RUTA" in text and f"Expediente N° {w['number']}" in text
    assert "Constancia" in text and "Rosa Ñahui" in text  # the head: subject, filer
    # The route: registered, received, derived from ROP to Logística, received there.
    for title in ("Recibido", "Derivado", "Documento emitido"):
        assert title in text, title
    assert "Logística" in text
    # Vistos buenos and firmas, in the trail and in their own table, with signer and time.
    assert "Visto bueno de Elena Ríos Medina" in flat
    assert "Firmado por Ana Torres Delgado" in flat
    assert "Firmado por Elena" not in flat  # a visto bueno is never called "Firmado"
    assert "VISTOS BUENOS Y FIRMAS" in text
    assert "MEMORANDO N° 0001-2026-LOG/JNE" in text
    assert "Pendiente" in text  # the second document's steps are still to come
    with pytest.raises(NotFound):
        printing.case_route_sheet(principal(w["e"], "cusco"), w["number"], engine=w["e"])


def test_the_case_page_trail_shows_vistos_buenos_and_firmas(world, pki):  # noqa: F811
    from sgd_app.domain import routing

    w = world
    doc_id = _draft(w)
    _send(w, doc_id, [w["gerente"]])
    _sign(w, pki, w["gerente"], doc_id)
    _sign(w, pki, w["jefe"], doc_id)
    view = routing.case_view(w["log"], w["number"], engine=w["e"])
    titles = [t["title"] for t in view.timeline]
    assert titles[-3:] == ["Visto bueno de Elena Ríos Medina", "Firmado por Ana Torres Delgado", "Documento emitido"]
    vb = view.timeline[-3]
    assert vb["by"].startswith("Elena Ríos Medina — ") and "MEMORANDO N° 0001-2026-LOG/JNE" in vb["text"]


def test_doc_type_labels_follow_drafting():
    assert DOC_TYPE_LABELS == drafting.DOC_TYPES


def test_signatures_go_among_the_moves_by_time_and_the_moves_keep_their_order():
    from datetime import UTC, datetime

    from sgd_app.domain.routing.signature_trail import merged

    def at(h):
        return datetime(2026, 12, 2, h, tzinfo=UTC)

    moves = [{"t": "m1", "at": at(9)}, {"t": "m2", "at": at(12)}, {"t": "m3", "at": at(10)}, {"t": "m4", "at": at(15)}]
    sigs = [{"t": "firma", "at": at(15)}, {"t": "vb", "at": at(11)}]
    assert [e["t"] for e in merged(moves, sigs)] == ["m1", "vb", "m2", "m3", "firma", "m4"]
    assert [e["t"] for e in merged([], sigs)] == ["vb", "firma"]


def test_a_long_route_sheet_repeats_the_table_head_on_every_page():
    from datetime import UTC, date, datetime

    from sgd_app.domain.printing import RouteSheet, render_route_sheet_pdf

    step = {"action": "derivar", "title": "Derivado", "from": "Logística", "to": "Tesorería", "by": "Luis Mamani"}
    entries = [
        {**step, "at": datetime(2026, 12, 2, 14, i, tzinfo=UTC), "text": f"Indicación {i}", "due_on": date(2026, 12, 9)}
        for i in range(50)
    ]
    sheet = RouteSheet(
        institution="Jurado Nacional de Elecciones",
        number="EXP-2026-000123",
        head=[("Asunto", "Largo")],
        entries=entries,
        signatures=[],
        printed_at=datetime(2026, 12, 2, 20, tzinfo=UTC),
        printed_by="Ana Torres Delgado",
    )
    pdf = render_route_sheet_pdf(sheet)
    pages = _text(pdf).split("\f")[:-1]
    assert len(pages) > 1
    for page in pages[1:]:
        assert "Responsable" in page and "Página" in page
    assert "Indicación 49" in pages[-1]
