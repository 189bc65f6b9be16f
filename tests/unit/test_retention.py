"""Retention, transfer and disposal (issue 18, items 4–6): the arithmetic in calendar years from
the year end of the last closing, reopenings restarting the count, legal holds blocking, the
transfer inventory moving files to the central archive's custody, and disposal refused without an
approved proposal, for permanent series and under a hold."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from sgd_app import db, jobs, settings
from sgd_app.domain import archive, audit, auth, dossier, intake, records, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from sgd_app.domain.models import Document, DocumentText, Expediente
from sgd_app.domain.records import retention
from sgd_app.domain.signing import config, verify
from tests.conftest import DEMO_PW, make_pdf, principal, unit_by_code

TODAY = date(2031, 3, 1)


def test_retention_counts_calendar_years_from_the_year_end_of_the_closing():
    closed = datetime(2020, 6, 15, 15, 0, tzinfo=UTC)
    assert retention.transfer_due_on(closed, 2) == date(2023, 1, 1)  # kept through 2021 and 2022
    assert retention.disposal_due_on(closed, 2, 5) == date(2028, 1, 1)
    assert retention.transfer_due_on(closed, 0) == date(2021, 1, 1)  # zero years: the next year
    # The closing date is Lima's: 03:00 UTC on 1 January is still 31 December in Lima (UTC-5).
    assert retention.closing_date(datetime(2021, 1, 1, 3, 0, tzinfo=UTC)) == date(2020, 12, 31)
    assert retention.transfer_due_on(datetime(2021, 1, 1, 3, 0, tzinfo=UTC), 2) == date(2023, 1, 1)
    assert retention.transfer_due_on(datetime(2021, 1, 1, 6, 0, tzinfo=UTC), 2) == date(2024, 1, 1)
    # A naive datetime (SQLite) is UTC.
    assert retention.closing_date(datetime(2021, 1, 1, 3, 0)) == date(2020, 12, 31)


def _user(engine, username, code, role):
    with db.write_session(engine) as s:
        auth.create_user(
            s,
            username=username,
            full_name=username.title(),
            password=DEMO_PW,
            memberships=[(unit_by_code(engine, code), role)],
        )
    return principal(engine, username)


@pytest.fixture
def archive_env(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    config.forget_keys()
    store = FileStore(settings.files_dir())
    o = {"e": seeded, "store": store, "rop": principal(seeded, "rop"), "jefe": principal(seeded, "jefe.rop")}
    o["archivo"] = _user(seeded, "archivo", "SG", "archivist")
    o["comite"] = _user(seeded, "comite", "SG", "committee")
    yield o
    config.forget_keys()


def _closed_case(o, *, series: str, closed_at: datetime, pdf: bytes | None = None) -> str:
    with db.write_session(o["e"]) as s:
        case = intake.file_case(
            s,
            o["store"],
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Constancia",
            files=[intake.IncomingFile("s.pdf", pdf or make_pdf(2), "principal")],
        ).case
        number = case.number
    _act(o, number, routing.receive, o["rop"])
    _act(o, number, routing.archive, o["jefe"], reason="Se archiva por desistimiento")
    with db.write_session(o["e"]) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        row = s.get_one(records.CaseFile, case.id)
        row.series_id = s.exec(select(records.RecordSeries.id).where(records.RecordSeries.code == series)).one()
        row.closed_at = closed_at
        s.add(row)
    dossier.seal_index(number, engine=o["e"])  # as the case page does right after the closing
    return number


def _act(o, number, fn, who, **kw):
    with db.write_session(o["e"]) as s:
        version = s.exec(select(Expediente.version).where(Expediente.number == number)).one()
        return fn(s, who=who, number=number, version=version, **kw)


def _series(o, code, **kw):
    with db.write_session(o["e"]) as s:
        row = s.exec(select(records.RecordSeries).where(records.RecordSeries.code == code)).one()
        for k, v in kw.items():
            setattr(row, k, v)
        s.add(row)


def _due(o, kind, today=TODAY, blocked=False):
    with db.session(o["e"]) as s:
        rows, total = retention.due_files(s, kind=kind, today=today, blocked=blocked)
    assert total == len(rows)
    return [r.number for r in rows]


def _stage(o, number):
    with db.session(o["e"]) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        return retention.stage_of(s, case.id)


def test_due_for_transfer_per_series_reopening_restarts_and_holds_block(archive_env):
    o = archive_env
    _series(o, "ROP-02", office_years=2, central_years=5, disposition="eliminacion")
    old = _closed_case(o, series="ROP-02", closed_at=datetime(2028, 6, 1, tzinfo=UTC))  # due 2031-01-01
    late = _closed_case(o, series="ROP-02", closed_at=datetime(2029, 1, 10, tzinfo=UTC))  # due 2032-01-01
    assert _due(o, "transferencia") == [old]
    # The daily job's line, per series.
    assert jobs.retention_due(o["e"], datetime(2031, 3, 1, 12, 0, tzinfo=UTC)) == (
        "ROP-02: transferir=1 eliminar=0 retenidos=0"
    )
    assert _due(o, "transferencia", today=date(2030, 12, 31)) == []
    assert _due(o, "transferencia", today=date(2032, 1, 1)) == [old, late]
    # A reopening unfreezes the file (never due while open); closing again restarts the count.
    _act(o, old, routing.reopen, o["jefe"], reason="Se presentó un escrito nuevo del administrado")
    assert _due(o, "transferencia") == []
    _act(o, old, routing.archive, o["jefe"], reason="Se archiva de nuevo")
    year = retention.closing_date(datetime.now(UTC)).year  # closed again now: its count starts over
    assert _due(o, "transferencia", today=date(year + 2, 12, 31)) == []
    assert _due(o, "transferencia", today=date(year + 3, 1, 1)) == [old]
    assert _due(o, "transferencia", today=date(2032, 1, 1)) == [old, late]
    # A legal hold blocks it, and it shows among the blocked ones.
    hold = archive.set_hold(who=o["archivo"], number=late, reason="Proceso judicial en curso", engine=o["e"])
    assert _due(o, "transferencia", today=date(2032, 1, 1)) == [old]
    assert _due(o, "transferencia", today=date(2032, 1, 1), blocked=True) == [late]
    with pytest.raises(InvalidInput):
        archive.lift_hold(who=o["archivo"], hold_id=hold, reason="corto", engine=o["e"])
    with pytest.raises(Forbidden):
        archive.set_hold(who=o["jefe"], number=old, reason="Proceso judicial en curso", engine=o["e"])
    with pytest.raises(InvalidInput, match="No existe"):
        archive.set_hold(who=o["archivo"], number="EXP-1999-999999", reason="Proceso judicial", engine=o["e"])
    archive.lift_hold(who=o["archivo"], hold_id=hold, reason="Sentencia firme, archivo del proceso", engine=o["e"])
    assert _due(o, "transferencia", today=date(2032, 1, 1)) == [old, late]
    with db.session(o["e"]) as s:
        actions = [e.action for e in s.exec(select(audit.AuditEvent)).all()]
    assert "retener_expediente" in actions and "levantar_retencion" in actions


def test_transfer_inventory_moves_files_to_the_archive_and_offices_cannot_reopen(archive_env, tmp_path):
    o = archive_env
    _series(o, "ROP-02", office_years=1, central_years=1, disposition="eliminacion")
    a = _closed_case(o, series="ROP-02", closed_at=datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(Forbidden):
        archive.prepare(o["jefe"], "transferencia", today=TODAY, engine=o["e"])
    inv = archive.prepare(o["archivo"], "transferencia", today=TODAY, engine=o["e"])
    pdf = archive.inventory_pdf(o["archivo"], inv, engine=o["e"])
    with db.session(o["e"]) as s:
        code = s.get_one(records.RecordInventory, inv).verify_code
    for found in (verify.verify_by_code(code, engine=o["e"]), verify.verify_by_bytes(pdf, engine=o["e"])):
        assert found.document.label.startswith("Inventario de transferencia IT-")  # /verificar knows it
    with pytest.raises(NotFound):  # an office's head does not see the archive's inventories
        archive.inventory_pdf(o["jefe"], inv, engine=o["e"])
    (tmp_path / "inventario.pdf").write_bytes(pdf)  # kept with the test's files, to look at
    report = config.validate(pdf)
    assert report.verdict == "VÁLIDO"
    with db.session(o["e"]) as s:
        data = json.loads(s.get_one(records.RecordInventory, inv).data_json)
        index_sha = records.latest_index(s, s.exec(select(Expediente.id).where(Expediente.number == a)).one())
    assert [f["numero"] for f in data["expedientes"]] == [a]
    assert data["expedientes"][0]["folios"] == 2
    assert data["expedientes"][0]["indice_sha256"] == index_sha.pdf_sha256
    with pytest.raises(Conflict):  # nothing else is due: the file is in a pending inventory
        archive.prepare(o["archivo"], "transferencia", today=TODAY, engine=o["e"])
    assert _stage(o, a) == "gestion"
    archive.approve(who=o["archivo"], inventory_id=inv, engine=o["e"])
    assert _stage(o, a) == "central"
    with pytest.raises(Forbidden, match="Archivo Central"):
        _act(o, a, routing.reopen, o["jefe"], reason="Se presentó un escrito nuevo del administrado")
    with db.session(o["e"]) as s:  # visible to the archive
        case = s.exec(select(Expediente).where(Expediente.number == a)).one()
        from sgd_app.domain.access import can_view

        assert can_view(s, o["archivo"], case)
    assert _due(o, "transferencia") == []
    assert _due(o, "eliminacion") == [a]  # 2026 + 1 + 1 -> due from 2029


def _to_central(o, numbers):
    inv = archive.prepare(o["archivo"], "transferencia", today=TODAY, engine=o["e"])
    archive.approve(who=o["archivo"], inventory_id=inv, engine=o["e"])
    with db.session(o["e"]) as s:
        assert {
            retention.stage_of(s, c) for c in s.exec(select(Expediente.id).where(Expediente.number.in_(numbers)))
        } == {"central"}


def test_disposal_needs_an_approved_proposal_by_the_committee_and_destroys_only_the_contents(archive_env):
    o = archive_env
    _series(o, "ROP-02", office_years=1, central_years=1, disposition="eliminacion")
    shared = make_pdf(3, "Compartido")
    a = _closed_case(o, series="ROP-02", closed_at=datetime(2026, 3, 1, tzinfo=UTC))
    b = _closed_case(o, series="ROP-02", closed_at=datetime(2026, 4, 1, tzinfo=UTC), pdf=shared)
    kept = _closed_case(o, series="ROP-01", closed_at=datetime(2026, 4, 1, tzinfo=UTC), pdf=shared)
    _to_central(o, [a, b])
    proposal = archive.prepare(o["archivo"], "eliminacion", today=TODAY, engine=o["e"])
    with pytest.raises(Forbidden, match="aprobada"):  # refused by the domain without an approval
        archive.execute_disposal(o["archivo"], proposal, engine=o["e"])
    with pytest.raises(Forbidden, match="Comité"):  # the archive head alone cannot approve it
        archive.approve(who=o["archivo"], inventory_id=proposal, engine=o["e"])
    with db.session(o["e"]) as s:
        docs = {
            n: s.exec(select(Document.sha256).join(Expediente).where(Expediente.number == n)).all()
            for n in (a, b, kept)
        }
        indexes = [
            records.latest_index(s, s.exec(select(Expediente.id).where(Expediente.number == n)).one()).pdf_sha256
            for n in (a, b)
        ]
    assert all(o["store"].exists(sha) for shas in docs.values() for sha in shas)
    with db.write_session(o["e"]) as s:  # a's text, as the digitisation worker writes it
        doc = s.exec(select(Document).join(Expediente).where(Expediente.number == a)).first()
        s.add(DocumentText(document_id=doc.id, expediente_id=doc.expediente_id, method="texto", text="Zapallar"))
    # A hold set after the proposal blocks its approval and its execution.
    hold = archive.set_hold(who=o["archivo"], number=b, reason="Auditoría del Órgano de Control", engine=o["e"])
    with pytest.raises(Conflict, match="retención"):
        archive.approve(who=o["comite"], inventory_id=proposal, engine=o["e"])
    archive.lift_hold(who=o["archivo"], hold_id=hold, reason="Auditoría concluida sin observaciones", engine=o["e"])
    archive.approve(who=o["comite"], inventory_id=proposal, engine=o["e"])
    removed = archive.execute_disposal(o["archivo"], proposal, engine=o["e"])
    assert removed == 1  # a's document; b's bytes are still those of a file kept elsewhere
    assert not any(o["store"].exists(sha) for sha in docs[a])
    assert all(o["store"].exists(sha) for sha in docs[b] + docs[kept])
    assert all(o["store"].exists(sha) for sha in indexes)  # the sealed indexes stay forever
    assert _stage(o, a) == _stage(o, b) == "eliminado"
    with db.session(o["e"]) as s:  # the text is content too: emptied
        assert [(t.text, t.method) for t in s.exec(select(DocumentText)).all()] == [("", "eliminado")]
    with db.session(o["e"]) as s:
        inv = s.get_one(records.RecordInventory, proposal)
        assert inv.status == "ejecutado" and o["store"].exists(inv.pdf_sha256)
        ev = s.exec(select(audit.AuditEvent).where(audit.AuditEvent.action == "ejecutar_eliminacion")).one()
        assert json.loads(ev.data)["archivos_borrados"] == docs[a]
        assert audit.verify(s).ok
    with pytest.raises(Forbidden):  # executed once
        archive.execute_disposal(o["archivo"], proposal, engine=o["e"])


def test_permanent_series_are_never_proposed_nor_eliminated(archive_env):
    o = archive_env
    _series(o, "ROP-02", office_years=1, central_years=1, disposition="eliminacion")
    a = _closed_case(o, series="ROP-02", closed_at=datetime(2026, 3, 1, tzinfo=UTC))
    _to_central(o, [a])
    proposal = archive.prepare(o["archivo"], "eliminacion", today=TODAY, engine=o["e"])
    archive.approve(who=o["comite"], inventory_id=proposal, engine=o["e"])
    # The series became of permanent conservation after the approval: the execution refuses.
    _series(o, "ROP-02", disposition="conservacion_permanente")
    assert _due(o, "eliminacion") == []
    with pytest.raises(Forbidden, match="conservación permanente"):
        archive.execute_disposal(o["archivo"], proposal, engine=o["e"])
    assert _stage(o, a) == "central"
    with db.session(o["e"]) as s:
        shas = s.exec(select(Document.sha256).join(Expediente).where(Expediente.number == a)).all()
    assert all(o["store"].exists(sha) for sha in shas)


def test_the_preparer_cannot_approve_their_own_proposal_and_holdings_count_per_stage(archive_env):
    o = archive_env
    both = _user(o["e"], "ambos", "SG", "archivist")
    with db.write_session(o["e"]) as s:
        from sgd_app.domain.models import Membership

        s.add(Membership(user_id=both.user.id, unit_id=unit_by_code(o["e"], "SG").id, role="committee"))
    both = principal(o["e"], "ambos")
    _series(o, "ROP-02", office_years=1, central_years=1, disposition="eliminacion")
    a = _closed_case(o, series="ROP-02", closed_at=datetime(2026, 3, 1, tzinfo=UTC))
    _series(o, "ROP-01", office_years=10)
    _closed_case(o, series="ROP-01", closed_at=datetime.now(UTC) - timedelta(days=1))
    _to_central(o, [a])
    proposal = archive.prepare(both, "eliminacion", today=TODAY, engine=o["e"])
    with pytest.raises(Forbidden, match="preparó"):
        archive.approve(who=both, inventory_id=proposal, engine=o["e"])
    with db.session(o["e"]) as s:
        rows, total = retention.holdings(s, limit=100)
    by_code = {r["code"]: r for r in rows}
    assert [by_code["ROP-02"][k] for k in ("gestion", "central", "eliminado")] == [0, 1, 0]
    assert [by_code["ROP-01"][k] for k in ("gestion", "central", "eliminado")] == [1, 0, 0]
    assert total == len(rows)
