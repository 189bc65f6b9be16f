"""Front desk: validation, one-transaction filing, gap-free numbering under concurrency,
rollback without orphans, access keys and tracking. SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import audit, intake, vocabulary
from sgd_app.domain.errors import InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.models import AuditEvent, CaseCounter, Document, Expediente, Movement, Party, Procedure, Unit
from tests.conftest import make_pdf

FILER = intake.FilerInput(
    doc_type="DNI",
    doc_number="45678912",
    name="María Ñahui Quispe",
    kind="ciudadano",
    email="maria@example.pe",
    phone="987654321",
)
SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # Saturday 10:00 in Lima
TUESDAY = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def _file(
    engine,
    store,
    *,
    code="CONST-AF",
    filer=FILER,
    subject="Constancia de no afiliación",
    fields=None,
    files=None,
    received_at=TUESDAY,
    channel="virtual",
):
    files = files if files is not None else [intake.IncomingFile("solicitud.pdf", make_pdf(2), "principal")]
    with db.write_session(engine) as s:
        return intake.file_case(
            s,
            store,
            procedure_code=code,
            filer=filer,
            subject=subject,
            fields=fields or {},
            files=files,
            received_at=received_at,
            channel=channel,
        )


def _count(engine, model) -> int:
    with db.session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_filing_writes_case_documents_route_and_audit(seeded, store):
    pdf = make_pdf(2)
    annex = make_pdf(3, "Anexo")
    result = _file(
        seeded,
        store,
        files=[intake.IncomingFile("solicitud.pdf", pdf, "principal"), intake.IncomingFile("dni.pdf", annex, "anexo")],
    )
    case = result.case
    assert case.number == "EXP-2026-000001"
    assert case.folios == 5
    assert case.status == "registrado"
    assert case.filed_on == date(2026, 11, 24)
    assert case.due_on == date(2026, 11, 27)  # CONST-AF: 3 business days
    assert case.access_key_hash == intake.access_key_hash(result.access_key)
    assert result.access_key not in case.access_key_hash
    with db.session(seeded) as s:
        docs = s.exec(select(Document).where(Document.expediente_id == case.id).order_by(Document.id)).all()
        assert [(d.role, d.pages, d.sha256) for d in docs] == [
            ("principal", 2, hashlib.sha256(pdf).hexdigest()),
            ("anexo", 3, hashlib.sha256(annex).hexdigest()),
        ]
        rop = s.exec(select(Unit).where(Unit.code == "ROP")).one()
        moves = s.exec(select(Movement).where(Movement.expediente_id == case.id)).all()
        assert [(m.action, m.to_unit_id) for m in moves] == [("derivar", rop.id)]
        assert case.current_unit_id == rop.id
        events = s.exec(select(AuditEvent).where(AuditEvent.object_id == case.number)).all()
        assert [e.action for e in events] == ["registrar"]
        assert audit.verify(s).ok
    # Originals are stored byte for byte under their SHA-256.
    assert store.read(hashlib.sha256(pdf).hexdigest()) == pdf


def test_weekend_filing_counts_next_business_day_and_keeps_real_time(seeded, store):
    case = _file(seeded, store, received_at=SATURDAY).case
    assert case.filed_on == date(2026, 11, 30)  # Monday
    with db.session(seeded) as s:
        stored = s.get(Expediente, case.id)
        assert stored.received_at.replace(tzinfo=UTC) == SATURDAY


def test_invalid_input_is_refused_per_field_and_writes_nothing(seeded, store):
    bad = intake.FilerInput(
        doc_type="RUC", doc_number="20131370991", name="X", kind="otra", email="no-es-correo", phone="123"
    )
    with pytest.raises(InvalidInputs) as err:
        _file(seeded, store, code="REN-OP", filer=bad, subject="ab", files=[])
    errors = err.value.errors
    assert set(errors) >= {"doc_number", "name", "email", "phone", "subject", "field_organizacion", "principal"}
    assert "RUC" in errors["doc_number"]
    assert "organización" in errors["field_organizacion"].lower()
    assert _count(seeded, Expediente) == 0
    assert not (store.root.exists() and any(p.is_file() for p in store.root.rglob("*")))


def test_required_annex_and_annex_limit(seeded, store):
    main = intake.IncomingFile("s.pdf", make_pdf(), "principal")
    filer = intake.FilerInput(
        doc_type="RUC",
        doc_number="20100047218",
        name="Encuestas del Sur SAC",
        kind="otra",
        email="e@example.pe",
        phone="014567890",
    )
    with pytest.raises(InvalidInputs) as err:
        _file(seeded, store, code="INS-ENC", filer=filer, fields={"representante": "Ana Ruiz"}, files=[main])
    assert "Vigencia de poder" in err.value.errors["anexos"]
    annexes = [intake.IncomingFile(f"a{i}.pdf", make_pdf(1, f"Anexo {i}"), "anexo") for i in range(6)]
    with pytest.raises(InvalidInputs) as err:
        _file(seeded, store, files=[main, *annexes])
    assert "máximo 5" in err.value.errors["anexos"]
    ok = _file(
        seeded, store, code="INS-ENC", filer=filer, fields={"representante": "Ana Ruiz"}, files=[main, annexes[0]]
    )
    assert ok.documents[1].label == "Anexo 1"


def test_bad_pdf_is_refused_with_its_field(seeded, store):
    with pytest.raises(InvalidInputs) as err:
        _file(seeded, store, files=[intake.IncomingFile("foto.pdf", b"\xff\xd8\xff\xe0JFIF" * 100, "principal")])
    assert "no es un PDF" in err.value.errors["principal"]
    assert _count(seeded, Expediente) == 0


def test_non_public_procedure_only_at_the_desk(seeded, store):
    with db.write_session(seeded) as s:
        proc = s.exec(select(Procedure).where(Procedure.code == "CERT-NOT")).one()
        proc.public = False
        s.add(proc)
    with pytest.raises(InvalidInput):
        _file(seeded, store, code="CERT-NOT", fields={"programa": "Curso 2025"})
    case = _file(seeded, store, code="CERT-NOT", fields={"programa": "Curso 2025"}, channel="presencial").case
    assert case.channel == "presencial"


def test_failure_mid_way_leaves_no_case_no_number_and_no_orphan_file(seeded, store, monkeypatch):
    pdf = make_pdf(1, "Archivo que no debe quedar")

    def boom(*_a, **_k):
        raise RuntimeError("falla simulada a mitad de la transacción")

    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        _file(seeded, store, files=[intake.IncomingFile("s.pdf", pdf, "principal")])
    monkeypatch.undo()
    assert _count(seeded, Expediente) == 0
    assert _count(seeded, Document) == 0
    assert _count(seeded, Party) == 0
    assert not store.exists(hashlib.sha256(pdf).hexdigest())
    # The number was given back: the next filing is number 1.
    assert _file(seeded, store).case.number == "EXP-2026-000001"


def test_failed_filing_does_not_delete_a_file_another_filing_uses(seeded, store, monkeypatch):
    pdf = make_pdf(1, "Compartido")
    _file(seeded, store, files=[intake.IncomingFile("s.pdf", pdf, "principal")])
    monkeypatch.setattr(audit, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        _file(seeded, store, files=[intake.IncomingFile("s.pdf", pdf, "principal")])
    assert store.exists(hashlib.sha256(pdf).hexdigest())


@pytest.mark.timeout(300)
def test_numbers_are_gap_free_and_unique_under_200_concurrent_filings(seeded, store):
    pdfs = [make_pdf(1, f"Solicitud {i}") for i in range(8)]

    def one(i: int) -> str:
        filer = intake.FilerInput(
            doc_type="DNI",
            doc_number=f"{40000000 + i % 50:08d}",
            name=f"Ciudadano {i}",
            kind="ciudadano",
            email=f"c{i}@example.pe",
            phone="987654321",
        )
        return _file(
            seeded,
            store,
            filer=filer,
            subject=f"Solicitud número {i}",
            files=[intake.IncomingFile("s.pdf", pdfs[i % 8], "principal")],
        ).case.number

    with ThreadPoolExecutor(max_workers=24) as pool:
        numbers = list(pool.map(one, range(200)))
    assert len(set(numbers)) == 200
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 201))
    with db.session(seeded) as s:
        assert s.get(CaseCounter, 2026).last == 200
        report = audit.verify(s)
        assert report.ok, report
    assert _count(seeded, Party) == 50


@pytest.mark.timeout(300)
def test_numbers_stay_gap_free_when_some_concurrent_filings_fail(seeded, store, monkeypatch):
    real_record = audit.record
    import threading

    lock = threading.Lock()
    calls = {"n": 0}

    def flaky(session, **kw):
        with lock:
            calls["n"] += 1
            fail = kw.get("action") == "registrar" and calls["n"] % 7 == 0
        if fail:
            raise RuntimeError("falla simulada")
        return real_record(session, **kw)

    monkeypatch.setattr(audit, "record", flaky)

    def one(i: int):
        try:
            return _file(seeded, store, subject=f"Solicitud {i}").case.number
        except RuntimeError:
            return None

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = [n for n in pool.map(one, range(60)) if n]
    assert 0 < len(numbers) < 60
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, len(numbers) + 1))


def test_tracking_needs_number_and_key_and_says_the_same_when_wrong(seeded, store):
    result = _file(seeded, store)
    number, key = result.case.number, result.access_key
    with db.session(seeded) as s:
        found = intake.find_by_key(s, number.lower().replace("exp-", ""), key.lower().replace("-", ""))
        assert found.id == result.case.id
        with pytest.raises(NotFound) as wrong_key:
            intake.find_by_key(s, number, "AAAA-BBBB-CCCC")
        with pytest.raises(NotFound) as wrong_number:
            intake.find_by_key(s, "EXP-2026-999999", key)
        assert wrong_key.value.message == wrong_number.value.message
        view = intake.tracking_view(s, found)
        assert view.status_label == "Registrado"
        assert view.unit == "Registro de Organizaciones Políticas"
        assert [t["title"] for t in view.timeline] == ["Recibido", "Derivado"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("EXP-2026-000123", "EXP-2026-000123"),
        ("exp 2026 123", "EXP-2026-000123"),
        ("2026-123", "EXP-2026-000123"),
        ("2026/000123", "EXP-2026-000123"),
        ("123", None),
        ("", None),
        ("EXP-2026-abc", None),
    ],
)
def test_parse_number(text, expected):
    assert vocabulary.parse_number(text) == expected


def test_access_keys_are_random_readable_and_hashed():
    keys = {intake.new_access_key() for _ in range(200)}
    assert len(keys) == 200
    for k in keys:
        assert len(k) == 14 and k[4] == "-" and k[9] == "-"
        assert not set(k.replace("-", "")) & set("IO01")
    k = next(iter(keys))
    assert intake.access_key_hash(k) == intake.access_key_hash(k.lower().replace("-", " "))
    assert intake.access_key_hash(k) != intake.access_key_hash(intake.new_access_key())


def test_paper_filing_place_is_the_city_of_the_clerks_desk(seeded, store):
    from sgd_app.domain import auth as a

    with db.write_session(seeded) as s:
        cusco = s.exec(select(Unit).where(Unit.code == "ODCUS")).one()
        clerk = a.create_user(
            s,
            username="mesa.cusco",
            full_name="Yeni Huamán",
            password="clave-cusco-123",
            memberships=[(cusco, "clerk")],
        )
        s.flush()
        clerk_id = clerk.id
    case = _file(
        seeded,
        store,
        channel="presencial",
        filer=intake.FilerInput(
            doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", kind="ciudadano", email="", phone="984112233"
        ),
    ).case
    with db.write_session(seeded) as s:
        c = s.get(Expediente, case.id)
        c.registered_by_id = clerk_id
        s.add(c)
    with db.session(seeded) as s:
        c = s.get(Expediente, case.id)
        assert (
            intake.filing_place(s, c, virtual_place="Mesa de Partes Virtual")
            == "Mesa de Partes presencial — Cusco, Perú"
        )
        web = _file(seeded, store).case
        assert intake.filing_place(s, web, virtual_place="Mesa de Partes Virtual") == "Mesa de Partes Virtual"
