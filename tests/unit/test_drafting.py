"""Internal documents: drafting, numbering at the first signature, visto bueno then firma with
real PAdES signatures (development PKI), immutability once signed, rejection and correction."""

from __future__ import annotations

import subprocess
from functools import cache
from io import BytesIO

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import drafting, intake, routing, signing
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInputs, NotFound
from sgd_app.domain.models import (
    AuditEvent,
    Document,
    Expediente,
    InternalDocument,
    Signature,
    SignatureStep,
    Unit,
)
from sgd_app.domain.signing import DevPKI, SigningContext, validate_pdf
from tests.conftest import make_pdf, principal

PW = "clave-demo-123"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return DevPKI.ensure(tmp_path_factory.mktemp("pki"))


def _ctx(pki) -> SigningContext:
    @cache
    def signer(username, full_name):
        return pki.staff_signer(username, full_name)

    return SigningContext(
        signer_for=lambda u: signer(u.username, u.full_name),
        timestamper=pki.timestamper(),
        verify_url_for=lambda code: f"https://sgd.example.pe/verificar?codigo={code}",
        institution="Jurado Nacional de Elecciones",
        institution_short="JNE",
    )


_who = principal


@pytest.fixture
def world(seeded, store):
    e = seeded
    with db.write_session(e) as s:
        case = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Constancia",
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        ).case
    rop = _who(e, "rop")
    with db.session(e) as s:
        log_id = s.exec(select(Unit.id).where(Unit.code == "LOG")).one()
    for fn, kw in ((routing.receive, {}), (routing.derive, {"to_unit_id": log_id})):
        with db.write_session(e) as s:
            version = s.exec(select(Expediente.version).where(Expediente.id == case.id)).one()
            fn(s, who=rop, number=case.number, version=version, **kw)
    log = _who(e, "logistica")
    with db.write_session(e) as s:
        routing.receive(s, who=log, number=case.number, version=3)
    return {
        "e": e,
        "store": store,
        "number": case.number,
        "log": log,
        "jefe": _who(e, "jefe.logistica"),
        "gerente": _who(e, "gerente"),
        "rop": rop,
    }


def _draft(w, **kw):
    with db.write_session(w["e"]) as s:
        doc = drafting.create_draft(
            s,
            who=w["log"],
            case_number=w["number"],
            doc_type=kw.get("doc_type", "memorando"),
            subject=kw.get("subject", "Atención de la constancia solicitada"),
            body=kw.get("body", "Se remite el informe con la verificación del padrón."),
            recipients=kw.get("recipients", "Ana Torres Delgado, Jefa de Logística"),
        )
        return doc.id


def _doc(w, doc_id) -> InternalDocument:
    with db.session(w["e"]) as s:
        return s.get(InternalDocument, doc_id)


def _send(w, doc_id, vistos, parallel=False):
    with db.write_session(w["e"]) as s:
        signing.send_to_sign(
            s,
            who=w["log"],
            doc_id=doc_id,
            version=_doc(w, doc_id).version,
            vistos=[v.user.id for v in vistos],
            firmante_id=w["jefe"].user.id,
            parallel=parallel,
        )


def _step(w, who, doc_id) -> int:
    with db.session(w["e"]) as s:
        return s.exec(  # this round's step (a returned draft keeps the earlier rounds as history)
            select(SignatureStep.id)
            .where(SignatureStep.internal_document_id == doc_id, SignatureStep.signer_id == who.user.id)
            .order_by(SignatureStep.id.desc())
        ).first()


def _sign(w, pki, who, doc_id):
    with db.write_session(w["e"]) as s:
        return signing.sign_step(s, w["store"], who=who, step_id=_step(w, who, doc_id), ctx=_ctx(pki))


def test_visto_bueno_then_firma_numbers_and_files_a_valid_signed_pdf(world, pki):
    w = world
    doc_id = _draft(w)
    _send(w, doc_id, [w["gerente"]])
    with db.session(w["e"]) as s:
        assert signing.pending_for(s, w["jefe"]) == []  # the visto bueno comes first
        assert [d.id for _, d in signing.pending_for(s, w["gerente"])] == [doc_id]
    with pytest.raises(Forbidden, match="vistos buenos anteriores"):
        _sign(w, pki, w["jefe"], doc_id)
    _sign(w, pki, w["gerente"], doc_id)
    doc = _doc(w, doc_id)
    assert doc.number == "MEMORANDO N° 0001-2026-LOG/JNE" and doc.status == "en_firma"
    _sign(w, pki, w["jefe"], doc_id)
    doc = _doc(w, doc_id)
    assert doc.status == "firmado" and doc.document_id
    signed = w["store"].read(doc.current_sha256)
    report = validate_pdf(signed, trust_roots=pki.trust_roots(), crls=pki.crls())
    assert report.verdict == "VÁLIDO", report
    assert [sig.verdict for sig in report.signatures] == ["VÁLIDO", "VÁLIDO"]
    assert [sig.signer_name for sig in report.signatures] == ["Elena Ríos Medina", "Ana Torres Delgado"]
    with db.session(w["e"]) as s:
        filed = s.get(Document, doc.document_id)
        assert filed.signed and filed.sha256 == doc.current_sha256 and filed.number == doc.number
        assert [x.role for x in s.exec(select(Signature).where(Signature.internal_document_id == doc_id))] == [
            "visto_bueno",
            "firma",
        ]
        view = routing.case_view(s, w["log"], w["number"])
        assert view.timeline[-1]["action"] == "documento"
    text = subprocess.run(["pdftotext", "-", "-"], input=signed, capture_output=True, check=True).stdout.decode()
    assert "MEMORANDO N° 0001-2026-LOG/JNE" in text and "BORRADOR" not in text
    # Signed content is never edited.
    with pytest.raises(Forbidden, match="ya no es un borrador"), db.write_session(w["e"]) as s:
        drafting.update_draft(
            s,
            who=w["log"],
            doc_id=doc_id,
            version=doc.version,
            subject="Cambio del asunto",
            body="Contenido nuevo que no debe entrar",
        )
    # A second document of the same type and unit takes the next number.
    second = _draft(w, subject="Segundo memorando del año")
    _send(w, second, [])
    _sign(w, pki, w["jefe"], second)
    assert _doc(w, second).number == "MEMORANDO N° 0002-2026-LOG/JNE"


def test_draft_rules(world, pki):
    w = world
    with pytest.raises(InvalidInputs) as err, db.write_session(w["e"]) as s:
        drafting.create_draft(
            s, who=w["log"], case_number=w["number"], doc_type="tuit", subject="x", body="", recipients=""
        )
    assert set(err.value.errors) >= {"doc_type", "subject", "body"}
    with pytest.raises(NotFound):  # another unit cannot even see the case
        with db.write_session(w["e"]) as s:
            drafting.create_draft(
                s,
                who=_who(w["e"], "tesoreria"),
                case_number=w["number"],
                doc_type="informe",
                subject="Informe ajeno",
                body="Contenido del informe ajeno",
                recipients="X",
            )
    with pytest.raises(Forbidden):  # ROP sent it away: read-only now
        with db.write_session(w["e"]) as s:
            drafting.create_draft(
                s,
                who=w["rop"],
                case_number=w["number"],
                doc_type="informe",
                subject="Informe tardío",
                body="Contenido del informe tardío",
                recipients="X",
            )
    doc_id = _draft(w)
    with pytest.raises(Forbidden, match="Solo quien redactó"), db.write_session(w["e"]) as s:
        drafting.update_draft(
            s, who=w["jefe"], doc_id=doc_id, version=1, subject="Asunto ajeno", body="Cuerpo ajeno del documento"
        )
    with db.write_session(w["e"]) as s:
        drafting.update_draft(
            s,
            who=w["log"],
            doc_id=doc_id,
            version=1,
            subject="Asunto corregido",
            body="Cuerpo corregido del documento",
            recipients="Jefatura",
        )
    with pytest.raises(Conflict), db.write_session(w["e"]) as s:
        drafting.update_draft(
            s,
            who=w["log"],
            doc_id=doc_id,
            version=1,
            subject="Asunto viejo",
            body="Cuerpo viejo del documento",
            recipients="Jefatura",
        )
    with pytest.raises(InvalidInputs) as err, db.write_session(w["e"]) as s:
        signing.send_to_sign(s, who=w["log"], doc_id=doc_id, version=2, vistos=[], firmante_id=w["gerente"].user.id)
    assert "jefe de la unidad" in err.value.errors["firmante"]


def test_a_draft_returned_before_any_signature_goes_back_to_its_author_with_the_reason(world, pki):
    """The head returns a draft nobody signed yet: the author reads why, edits it, sends it
    again through the whole chain, and the head signs it; a draft can also be discarded."""
    w = world
    doc_id = _draft(w)
    _send(w, doc_id, [], parallel=False)
    with db.write_session(w["e"]) as s:
        signing.reject(s, who=w["jefe"], step_id=_step(w, w["jefe"], doc_id), comment="Falta citar el informe técnico")
    doc = _doc(w, doc_id)
    assert doc.status == "borrador" and not doc.number
    with db.session(w["e"]) as s:
        note = signing.return_note(s, doc_id)
        assert signing.pending_for(s, w["jefe"]) == []
    assert note.comment == "Falta citar el informe técnico" and note.by == "Ana Torres Delgado"
    with db.write_session(w["e"]) as s:  # editable again
        drafting.update_draft(
            s,
            who=w["log"],
            doc_id=doc_id,
            version=_doc(w, doc_id).version,
            subject="Atención de la constancia solicitada",
            body="Se remite el informe técnico N° 12 con la verificación del padrón.",
            recipients="Ana Torres Delgado, Jefa de Logística",
        )
    _send(w, doc_id, [w["gerente"]])  # and through the chain again: visto bueno, then firma
    with db.session(w["e"]) as s:
        assert signing.pending_for(s, w["jefe"]) == []
        assert [d.id for _, d in signing.pending_for(s, w["gerente"])] == [doc_id]
    _sign(w, pki, w["gerente"], doc_id)
    _sign(w, pki, w["jefe"], doc_id)
    doc = _doc(w, doc_id)
    assert doc.status == "firmado" and doc.number == "MEMORANDO N° 0001-2026-LOG/JNE"
    text = subprocess.run(["pdftotext", "-", "-"], input=w["store"].read(doc.current_sha256), capture_output=True)
    assert "informe técnico N° 12" in text.stdout.decode()
    with db.session(w["e"]) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.object_id == str(doc_id)))]
    assert "devolver_borrador" in actions and actions.count("enviar_a_firma") == 2

    # Discarding: only the author, only an unsigned draft; it is kept on record, never sent.
    other = _draft(w, subject="Borrador que ya no se necesita")
    with pytest.raises(Forbidden), db.write_session(w["e"]) as s:
        drafting.discard_draft(s, who=w["jefe"], doc_id=other, version=_doc(w, other).version)
    with db.write_session(w["e"]) as s:
        drafting.discard_draft(s, who=w["log"], doc_id=other, version=_doc(w, other).version)
    assert _doc(w, other).status == "descartado"
    with pytest.raises(Forbidden, match="ya no es un borrador"), db.write_session(w["e"]) as s:
        signing.send_to_sign(
            s, who=w["log"], doc_id=other, version=_doc(w, other).version, vistos=[], firmante_id=w["jefe"].user.id
        )
    with pytest.raises(Forbidden), db.write_session(w["e"]) as s:  # a signed document is never discarded
        drafting.discard_draft(s, who=w["log"], doc_id=doc_id, version=_doc(w, doc_id).version)


def test_rejection_keeps_the_number_and_a_correction_references_it(world, pki):
    w = world
    doc_id = _draft(w)
    _send(w, doc_id, [w["gerente"]])
    _sign(w, pki, w["gerente"], doc_id)
    number = _doc(w, doc_id).number
    with db.write_session(w["e"]) as s:
        signing.reject(s, who=w["jefe"], step_id=_step(w, w["jefe"], doc_id), comment="Corregir el destinatario")
    doc = _doc(w, doc_id)
    assert doc.status == "rechazado" and doc.number == number
    with db.write_session(w["e"]) as s:
        fixed = drafting.create_draft(
            s,
            who=w["log"],
            case_number=w["number"],
            doc_type="memorando",
            subject="Atención de la constancia (corregido)",
            body="Se remite el informe corregido.",
            recipients="Jefatura de Logística",
            replaces_id=doc_id,
        )
        assert f"Corrige {number}" in fixed.reference
    with db.session(w["e"]) as s:
        assert signing.pending_for(s, w["jefe"]) == []


def test_render_has_unicode_and_draft_mark():
    data = drafting.RenderData(
        institution="Jurado Nacional de Elecciones",
        unit="Logística",
        title="MEMORANDO N° (se asigna al firmar)-LOG/JNE",
        recipients="Señora Ñahui",
        sender="Luis Mamani — Logística",
        subject="Acción — año electoral",
        reference="",
        date_text="Lima, 30 de noviembre de 2026",
        body="Párrafo con tildes: áéíóú ÁÉÍÓÚ ñÑ ü “comillas”.",
        draft=True,
    )
    pdf = drafting.render(data)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "áéíóú ÁÉÍÓÚ ñÑ ü “comillas”" in text
    letters = "".join(text.split())
    assert "BORRADOR" in letters or "RODARROB" in letters  # the rotated watermark (read bottom-up)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "SourceSansPro" in fonts and " yes " in fonts  # embedded


def _words(pdf: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, x1, y1, x2, y2) in PDF points from the bottom-left corner, as pdftotext places them."""
    import re as _re

    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    height = float(_re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    out = []
    for m in _re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
    ):
        x1, y1, x2, y2 = (float(v) for v in m.groups()[:4])
        out.append((m.group(5), x1, height - y2, x2, height - y1))
    return out


def test_signed_page_keeps_the_footer_clear_and_names_the_signer(world, pki):
    """The stamps sit in the band reserved for them: never over the footer ("… — página 1 de 1")
    or any other line of the document; under the closing, the signer's name and post; the PDF's
    CreationDate is the day it was signed, not 2000-01-01."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    w = world
    body = "\n\n".join(f"Párrafo {i} del informe con la verificación del padrón electoral." for i in range(8))
    doc_id = _draft(w, body=body)
    _send(w, doc_id, [w["gerente"]])
    _sign(w, pki, w["gerente"], doc_id)
    _sign(w, pki, w["jefe"], doc_id)
    signed = w["store"].read(_doc(w, doc_id).current_sha256)
    reader = PdfFileReader(BytesIO(signed))
    last = len(reader.root["/Pages"]["/Kids"]) if "/Kids" in reader.root["/Pages"] else 1
    page = reader.root["/Pages"]["/Kids"][last - 1].get_object()
    stamps = [[float(v) for v in a.get_object()["/Rect"]] for a in page.get("/Annots", [])]
    assert len(stamps) == 2  # the visto bueno and the firma
    with db.session(w["e"]) as s:  # the page as rendered before the stamps (their own text aside)
        content = drafting.render(
            drafting.render_data(s, _doc(w, doc_id), institution="JNE", institution_short="JNE", draft=False)
        )
    words = _words(content, last)
    text = " ".join(wd[0] for wd in words)
    assert "página" in text  # the footer is there...
    for name, x1, y1, x2, y2 in words:  # ...and no stamp covers it or any other word
        for sx1, sy1, sx2, sy2 in stamps:
            assert not (x1 < sx2 and sx1 < x2 and y1 < sy2 and sy1 < y2), (name, (x1, y1, x2, y2), stamps)
    plain = subprocess.run(["pdftotext", "-layout", "-", "-"], input=signed, capture_output=True, check=True)
    lines = [ln.strip() for ln in plain.stdout.decode().splitlines() if ln.strip()]
    closing = lines.index("Atentamente,")
    assert lines[closing + 1] == "Ana Torres Delgado" and lines[closing + 2].startswith("Jefe(a) de ")
    info = subprocess.run(["pdfinfo", "-"], input=signed, capture_output=True, check=True).stdout.decode()
    created = next(ln for ln in info.splitlines() if ln.startswith("CreationDate:"))
    assert "2000" not in created and str(drafting.today().year) in created
