"""Records: classification at creation, a head's reclassification, the freeze of a closed case
(through the domain acts and through raw SQL: the triggers), reopening, the sealed foliation
index and the export package verified offline (a one-byte change anywhere is detected)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import audit, dossier, drafting, intake, records, routing, signing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Forbidden, InvalidInput
from sgd_app.domain.models import Document, Expediente, SignatureStep
from sgd_app.domain.signing import config
from tests.conftest import make_pdf, principal


@pytest.fixture
def office(seeded, tmp_path, monkeypatch):
    """A CONST-AF case received by ROP; this installation's keys and files under a temp data dir."""
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    config.forget_keys()
    store = FileStore(settings.files_dir())
    with db.write_session(seeded) as s:
        case = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Constancia de afiliación",
            files=[
                intake.IncomingFile("s.pdf", make_pdf(2), "principal"),
                intake.IncomingFile("a.pdf", make_pdf(3, "Anexo"), "anexo"),
            ],
        ).case
    o = {"e": seeded, "store": store, "number": case.number, "rop": principal(seeded, "rop")}
    o["jefe"] = principal(seeded, "jefe.rop")
    _act(o, routing.receive, o["rop"])
    yield o
    config.forget_keys()


def _case(o) -> Expediente:
    with db.session(o["e"]) as s:
        return s.exec(select(Expediente).where(Expediente.number == o["number"])).one()


def _act(o, fn, who, **kw):
    with db.write_session(o["e"]) as s:
        if fn is routing.add_annex:
            return fn(s, o["store"], who=who, number=o["number"], version=_case(o).version, **kw)
        return fn(s, who=who, number=o["number"], version=_case(o).version, **kw)


def _series_code(o) -> str:
    with db.session(o["e"]) as s:
        row = s.get(records.CaseFile, _case(o).id)
        return s.get(records.RecordSeries, row.series_id).code


def _draft_to_sign(o) -> int:
    with db.write_session(o["e"]) as s:
        doc = drafting.create_draft(
            s,
            who=o["rop"],
            case_number=o["number"],
            doc_type="memorando",
            subject="Pedido de información",
            body="Contenido del memorando de prueba.",
            recipients="Tesorería",
        )
        signing.send_to_sign(s, who=o["rop"], doc_id=doc.id, version=1, vistos=[], firmante_id=o["jefe"].user.id)
        assert (
            s.get(records.DocumentSeries, doc.id).series_id
            == s.exec(select(records.RecordSeries.id).where(records.RecordSeries.code == "SG-04")).one()
        )
        return s.exec(select(SignatureStep.id).where(SignatureStep.internal_document_id == doc.id)).one()


def _sign(o, step_id):
    with db.write_session(o["e"]) as s:
        signing.sign_step(s, o["store"], who=o["jefe"], step_id=step_id, ctx=config.context())


def test_cases_and_documents_are_classified_at_creation_and_a_head_reclassifies(office):
    o = office
    assert _series_code(o) == "ROP-02"  # CONST-AF → Constancias de afiliación
    _draft_to_sign(o)  # the memorando lands in SG-04 (asserted inside)
    with db.session(o["e"]) as s:
        other = s.exec(select(records.RecordSeries).where(records.RecordSeries.code == "ROP-01")).one()
        assert len(records.list_series(s)) == 13
    with pytest.raises(Forbidden, match="jefe"):
        with db.write_session(o["e"]) as s:
            records.change_case_series(s, who=o["rop"], number=o["number"], series_id=other.id)
    with db.write_session(o["e"]) as s:
        records.change_case_series(s, who=o["jefe"], number=o["number"], series_id=other.id)
    assert _series_code(o) == "ROP-01"
    with db.session(o["e"]) as s:
        ev = s.exec(select(audit.AuditEvent).where(audit.AuditEvent.action == "reclasificar_serie")).one()
        assert json.loads(ev.data) == {"de": "ROP-02", "a": "ROP-01"}


def test_closing_freezes_the_file_for_every_act_and_for_raw_sql(office):
    o = office
    step = _draft_to_sign(o)
    _act(o, routing.archive, o["jefe"], reason="Se archiva por desistimiento")
    with db.session(o["e"]) as s:
        assert records.is_frozen(s, _case(o).id)
    with pytest.raises(Forbidden, match="congelado"):
        _sign(o, step)
    with pytest.raises(Forbidden):
        _act(o, routing.add_annex, o["rop"], filename="x.pdf", data=make_pdf())
    with pytest.raises(Forbidden, match="congelado"):
        with db.write_session(o["e"]) as s:
            records.ensure_open(s, _case(o))
    case_id = _case(o).id
    for sql in (
        "INSERT INTO document (expediente_id, kind, role, label, filename, sha256, size, pages, mime, number, "
        f"signed, created_at) VALUES ({case_id}, 'anexo', 'anexo', 'x', 'x.pdf', 'ab', 1, 1, 'application/pdf', '', "
        "false, CURRENT_TIMESTAMP)",
        f"UPDATE document SET label = 'cambiado' WHERE expediente_id = {case_id}",
        f"DELETE FROM document WHERE expediente_id = {case_id}",
        f"UPDATE internaldocument SET subject = 'cambiado' WHERE expediente_id = {case_id}",
        f"UPDATE signaturestep SET status = 'firmado' WHERE id = {step}",
    ):
        with pytest.raises(DatabaseError, match="expediente cerrado"):
            with o["e"].begin() as conn:
                conn.execute(text(sql))


def test_the_sealed_index_lists_every_document_with_folios_hashes_and_signatures(office):
    o = office
    _sign(o, _draft_to_sign(o))
    _act(o, routing.attend, o["jefe"], summary="Se emitió la constancia solicitada")
    pdf = dossier.seal_index(o["number"], engine=o["e"])
    assert dossier.seal_index(o["number"], engine=o["e"]) == pdf  # sealed once
    report = config.validate(pdf)
    assert report.verdict == "VÁLIDO" and report.signatures[0].level == "B-LTA"
    data = json.loads(dossier.embedded_index(pdf))
    with db.session(o["e"]) as s:
        docs = s.exec(select(Document).where(Document.expediente_id == _case(o).id).order_by(Document.id)).all()
    assert [d["sha256"] for d in data["documentos"]] == [d.sha256 for d in docs]
    assert [(d["folio_desde"], d["folio_hasta"]) for d in data["documentos"]][:2] == [(1, 2), (3, 5)]
    memo = next(d for d in data["documentos"] if d["tipo"] == "memorando")
    assert memo["firmas"][0]["firmante"] == o["jefe"].user.full_name
    assert memo["verificacion"]["veredicto"] == "VÁLIDO"
    assert data["serie"]["codigo"] == "ROP-02" and data["version"] == 1
    with db.session(o["e"]) as s:
        index = records.latest_index(s, _case(o).id)
    found = signing.verify_by_code(index.verify_code, engine=o["e"])
    assert found.report.valid and found.document.kind_label == "Índice de foliación"
    if shutil.which("pdfsig"):
        tmp = settings.DATA_DIR / "indice.pdf"
        tmp.write_bytes(pdf)
        out = subprocess.run(["pdfsig", str(tmp)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in out


def test_reopening_needs_a_head_and_a_reason_and_closing_again_makes_version_two(office):
    o = office
    _act(o, routing.archive, o["jefe"], reason="Se archiva por desistimiento")
    first = dossier.seal_index(o["number"], engine=o["e"])
    with pytest.raises(Forbidden, match="jefe"):
        _act(o, routing.reopen, o["rop"], reason="Llegó un escrito nuevo del administrado")
    with pytest.raises(InvalidInput):
        _act(o, routing.reopen, o["jefe"], reason="corto")
    _act(o, routing.reopen, o["jefe"], reason="Llegó un escrito nuevo del administrado")
    case = _case(o)
    assert case.status == "en_tramite" and case.closed_at is None
    _act(o, routing.add_annex, o["rop"], filename="nuevo.pdf", data=make_pdf(1, "Escrito nuevo"))
    _act(o, routing.archive, o["jefe"], reason="Se archiva otra vez")
    second = json.loads(dossier.embedded_index(dossier.seal_index(o["number"], engine=o["e"])))
    assert second["version"] == 2 and len(second["documentos"]) == 3  # the two filed + the new one
    assert second["indices_anteriores"][0]["version"] == 1
    with db.session(o["e"]) as s:
        actions = [e.action for e in s.exec(select(audit.AuditEvent).order_by(audit.AuditEvent.seq)).all()]
    assert "reabrir" in actions and actions.count("sellar_indice") == 2
    assert first != second


def test_the_export_package_verifies_offline_and_any_changed_byte_is_caught(office):
    o = office
    _sign(o, _draft_to_sign(o))
    _act(o, routing.attend, o["jefe"], summary="Se emitió la constancia solicitada")
    package = dossier.export_package(o["jefe"], o["number"], engine=o["e"])
    report = dossier.verify_package(package)
    assert report.valid, report.verdict()
    assert report.verdict().startswith("VÁLIDO")
    step = max(1, len(package) // 60)
    for offset in range(0, len(package), step):
        changed = bytearray(package)
        changed[offset] ^= 0x01
        assert not dossier.verify_package(bytes(changed)).valid, offset
    assert not dossier.verify_package(package + b"x").valid


def test_an_open_case_has_no_index_nor_package(office):
    o = office
    with pytest.raises(Exception, match="no está cerrado"):
        dossier.index_pdf(o["jefe"], o["number"], engine=o["e"])
    with pytest.raises(Exception, match="no está cerrado"):
        dossier.export_package(o["jefe"], o["number"], engine=o["e"])
