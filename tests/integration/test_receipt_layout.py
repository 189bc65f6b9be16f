"""The sealed receipt, laid out like a signed document: the institution's seal never covers its
footer or any other word, whether the filing has one file or many."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import intake
from sgd_app.domain.documents import FileStore
from sgd_app.domain.intake import sealing
from sgd_app.domain.models import Expediente
from tests.conftest import make_pdf
from tests.integration.test_verify_api import FILER
from tests.unit.test_drafting import _words


@pytest.mark.parametrize("n_files", [1, 5])
def test_the_seal_covers_no_word_of_the_receipt(app_db, n_files):
    files = [intake.IncomingFile("solicitud.pdf", make_pdf(2), "principal")]
    files += [intake.IncomingFile(f"anexo-{i}.pdf", make_pdf(1, f"Anexo {i}"), "anexo") for i in range(1, n_files)]
    with db.write_session() as s:
        number = intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code="CONST-AF",
            filer=FILER,
            subject="Constancia de no afiliación para postular en las elecciones regionales",
            files=files,
        ).case.number
    sealed = intake.seal_and_file(number)
    with db.session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        unsealed = intake.render_receipt_pdf(sealing._receipt_data(s, case))
    reader = PdfFileReader(io.BytesIO(sealed))
    pages = reader.root["/Pages"]
    kids = pages["/Kids"]
    stamps = []
    for i, kid in enumerate(kids, start=1):
        for annot in kid.get_object().get("/Annots", []):
            if annot.get_object().get("/Subtype") == "/Widget":  # the seal (links are annotations too)
                stamps.append((i, [float(v) for v in annot.get_object()["/Rect"]]))
    assert stamps, "the receipt carries the institution's visible seal"
    for page_no, (sx1, sy1, sx2, sy2) in stamps:
        words = _words(unsealed, page_no)
        assert any("Expediente" in w[0] for w in words)
        for name, x1, y1, x2, y2 in words:
            assert not (x1 < sx2 and sx1 < x2 and y1 < sy2 and sy1 < y2), (page_no, name, (x1, y1, x2, y2), stamps)
