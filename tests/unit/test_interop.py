"""domain/interop: the CUO sequence, the manifest and answer JWS, the directory of entities and
the sending act (outbox row, case step and audit in one transaction; only signed documents)."""

from __future__ import annotations

import base64
import json

import pytest
from joserfc.jwk import ECKey
from sqlalchemy import text
from sqlmodel import col, select

from sgd_app import db, settings
from sgd_app.domain import intake, interop, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.interop import manifest
from sgd_app.domain.models import AuditEvent, Document, Expediente, Movement
from tests.conftest import make_pdf, principal

RUC_B = "20555555556"


@pytest.fixture
def app(seeded, tmp_path, monkeypatch):
    """The app's engine and data dir on a fresh seeded database (the interop key under it)."""
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    (tmp_path / "data").mkdir()
    db.use_engine(seeded)
    yield seeded
    db.use_engine(None)


def _jwk(key: ECKey) -> str:
    return json.dumps(key.as_dict(private=False))


# ---------------------------------------------------------------- CUO
def test_cuo_is_ruc_year_and_a_gap_free_sequence_per_year(engine):
    with db.write_session(engine) as s:
        first = manifest.next_cuo(s, ruc="20131378972", year=2026)
        second = manifest.next_cuo(s, ruc="20131378972", year=2026)
        other_year = manifest.next_cuo(s, ruc="20131378972", year=2027)
    assert (first, second, other_year) == (
        "20131378972-2026-00000001",
        "20131378972-2026-00000002",
        "20131378972-2027-00000001",
    )
    with pytest.raises(RuntimeError), db.write_session(engine) as s:  # a send that fails: no gap
        manifest.next_cuo(s, ruc="20131378972", year=2026)
        raise RuntimeError("el envío falló")
    with db.write_session(engine) as s:
        assert manifest.next_cuo(s, ruc="20131378972", year=2026) == "20131378972-2026-00000003"
    assert manifest.CUO_RE.match(first)


# ---------------------------------------------------------------- manifest and answer
def _manifest(**over) -> dict:
    doc = manifest.ManifestDocument(1, "principal", "oficio.pdf", "oficio", "a" * 64, 10, 1, True, "B-T")
    body = manifest.build_manifest(
        cuo="20131378972-2026-00000001",
        sender=("20131378972", "Entidad A"),
        addressee=(RUC_B, "Entidad B"),
        case_number="2026-0000001",
        subject="Remite constancia",
        note="",
        documents=[doc],
        created_at="2026-12-04T10:00:00+00:00",
    )
    return {**body, **over}


def test_a_manifest_signed_with_our_key_verifies_with_our_public_key_only(app):
    token = manifest.sign(_manifest(), typ=manifest.MANIFEST_TYP)
    public = json.dumps(interop.keys.public_jwk())
    data = manifest.verify(token, public, typ=manifest.MANIFEST_TYP, code="manifiesto_alterado", what="manifiesto")
    assert manifest.check_manifest(data)["documentos"][0]["sha256"] == "a" * 64
    other = _jwk(ECKey.generate_key("P-256", private=True))
    with pytest.raises(manifest.MessageError) as exc:
        manifest.verify(token, other, typ=manifest.MANIFEST_TYP, code="manifiesto_alterado", what="manifiesto")
    assert exc.value.code == "manifiesto_alterado"
    head, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[raw.index(b"Remite")] ^= 0x01  # one byte of the subject
    forged = f"{head}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}.{sig}"
    with pytest.raises(manifest.MessageError):
        manifest.verify(forged, public, typ=manifest.MANIFEST_TYP, code="manifiesto_alterado", what="manifiesto")
    with pytest.raises(manifest.MessageError):  # an answer is not a manifest
        manifest.verify(token, public, typ=manifest.ANSWER_TYP, code="x", what="acuse")


@pytest.mark.parametrize(
    "change",
    [
        {"version": "2.0"},
        {"cuo": "2026-1"},
        {"asunto": ""},
        {"documentos": []},
        {"remitente": "Entidad A"},
        {
            "documentos": [
                {"orden": 1, "rol": "anexo", "nombre": "x.pdf", "sha256": "a" * 64, "tamano": 1, "firmado": True}
            ]
        },
    ],
)
def test_a_manifest_without_its_parts_is_refused(change):
    with pytest.raises(manifest.MessageError) as exc:
        manifest.check_manifest(_manifest(**change))
    assert exc.value.code == "manifiesto_invalido"


def test_the_answer_carries_the_acknowledgement_and_the_confirmation_or_the_rejection():
    ok = manifest.answer_payload(cuo="c", status="registrado", receiver=(RUC_B, "B"), received_at="t0",
                                 answered_at="t1", case_number="2026-0000009", receipt_sha256="f" * 64)  # fmt: skip
    assert ok["acuse"] == {"recibido": "t0"} and ok["confirmacion"]["expediente"] == "2026-0000009"
    no = manifest.answer_payload(cuo="c", status="rechazado", receiver=(RUC_B, "B"), received_at="t0",
                                 answered_at="t1", code="firma_invalida", reason="NO VÁLIDO")  # fmt: skip
    assert no["rechazo"] == {"codigo": "firma_invalida", "motivo": "NO VÁLIDO"} and "confirmacion" not in no


# ---------------------------------------------------------------- directory
def _entity(**over) -> interop.EntityInput:
    values = dict(name="Entidad B", ruc=RUC_B, endpoint="https://sgd.b.gob.pe/",
                  public_jwk=_jwk(ECKey.generate_key("P-256", private=True)), category="Ministerio",
                  client_id="sgd-b", our_client_id="sgd-a-en-b")  # fmt: skip
    return interop.EntityInput(**{**values, **over})


def test_directory_add_update_deactivate_and_import(app):
    e = interop.add_entity(actor="admin", data=_entity())
    assert (e.endpoint, e.active) == ("https://sgd.b.gob.pe", True)
    with pytest.raises(InvalidInput, match="Ya hay"):
        interop.add_entity(actor="admin", data=_entity())
    with pytest.raises(InvalidInput, match="RUC"):
        interop.add_entity(actor="admin", data=_entity(ruc="20555555555"))
    with pytest.raises(InvalidInput, match="privada"):
        interop.add_entity(actor="admin", data=_entity(ruc="20100000009",
                           public_jwk=json.dumps(ECKey.generate_key("P-256", private=True).as_dict(private=True))))  # fmt: skip
    with pytest.raises(InvalidInput, match="URL"):
        interop.add_entity(actor="admin", data=_entity(ruc="20100000009", endpoint="ftp://x"))
    interop.update_entity(actor="admin", ruc=RUC_B, data=_entity(name="Entidad B (nueva)"))
    assert interop.get_entity(RUC_B).name == "Entidad B (nueva)"
    interop.deactivate_entity(actor="admin", ruc=RUC_B)
    assert not interop.get_entity(RUC_B).active
    file = {"entidades": [
        {"nombre": "Entidad C", "ruc": "20100000009", "endpoint": "https://c.gob.pe", "client_id": "sgd-c",
         "clave_publica": ECKey.generate_key("P-256", private=True).as_dict(private=False)},
        {"nombre": "Entidad B", "ruc": RUC_B, "endpoint": "https://b2.gob.pe", "client_id": "sgd-b",
         "clave_publica": json.loads(_entity().public_jwk)},
    ]}  # fmt: skip
    assert interop.import_entities(actor="admin", text=json.dumps(file)) == (1, 1)
    assert [e.ruc for e in interop.list_entities()] == [RUC_B, "20100000009"]
    bad = {"entidades": [{**file["entidades"][0], "ruc": "20100000010", "client_id": "x"}, {"nombre": "x"}]}
    with pytest.raises(InvalidInput, match="Entidad 1"):  # all or nothing
        interop.import_entities(actor="admin", text=json.dumps(bad))
    assert len(interop.list_entities()) == 2
    with pytest.raises(NotFound):
        interop.get_entity("20000000001")
    with db.session(app) as s:
        actions = s.exec(select(AuditEvent.action).where(col(AuditEvent.object_type) == "entidad")).all()
    assert actions.count("entidad_registrar") == 2 and "entidad_desactivar" in actions


# ---------------------------------------------------------------- sending
def _case_with_documents(engine, store) -> tuple[str, int, int, int]:
    """A case at ROP with a signed oficio and an unsigned filing (ids), and its version."""
    with db.write_session(engine) as s:
        s.execute(text("UPDATE procedure SET desk_review = false"))
    filed = intake.file_case(
        store,
        procedure_code="CONST-AF",
        filer=intake.FilerInput(
            doc_type="DNI",
            doc_number="45678912",
            name="Rosa Ñahui",
            kind="ciudadano",
            email="rosa@example.pe",
            phone="987654321",
        ),
        subject="Constancia",
        files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        engine=engine,
    )
    number = filed.case.number
    rop = principal(engine, "rop")
    with db.session(engine) as s:
        version = s.exec(select(Expediente.version).where(col(Expediente.number) == number)).one()
    routing.receive(who=rop, number=number, version=version, engine=engine)
    data = make_pdf(1, "Oficio firmado")
    sha, _ = store.put(data)
    with db.write_session(engine) as s:
        case = s.exec(select(Expediente).where(col(Expediente.number) == number)).one()
        doc = Document(expediente_id=case.id, kind="oficio", filename="oficio.pdf", sha256=sha, size=len(data),
                       pages=1, signed=True)  # fmt: skip
        s.add(doc)
        s.flush()
        signed_id = doc.id
        unsigned_id = s.exec(select(Document.id).where(col(Document.expediente_id) == case.id,
                                                       col(Document.kind) == "solicitud")).one()  # fmt: skip
        version = case.version
    return number, version, signed_id, unsigned_id


def test_send_writes_outbox_step_and_audit_in_one_transaction_only_with_signed_documents(app, tmp_path):
    store = FileStore(settings.files_dir())
    number, version, signed_id, unsigned_id = _case_with_documents(app, store)
    interop.add_entity(actor="admin", data=_entity())
    rop = principal(app, "rop")
    with pytest.raises(InvalidInput, match="firmado"):
        interop.send_to_entity(who=rop, number=number, version=version, entity_ruc=RUC_B,
                               document_ids=[unsigned_id], subject="Remite")  # fmt: skip
    with pytest.raises(InvalidInput, match="entidad"):
        interop.send_to_entity(who=rop, number=number, version=version, entity_ruc="20100000009",
                               document_ids=[signed_id], subject="Remite")  # fmt: skip
    with pytest.raises(NotFound):  # another unit may not even see this case
        interop.send_to_entity(who=principal(app, "logistica"), number=number, version=version,
                               entity_ruc=RUC_B, document_ids=[signed_id], subject="Remite")  # fmt: skip
    sent = interop.send_to_entity(who=rop, number=number, version=version, entity_ruc=RUC_B,
                                  document_ids=[signed_id], subject="Remite constancia", note="Urgente")  # fmt: skip
    assert sent.cuo.startswith(f"{settings.INSTITUTION_RUC}-") and sent.cuo.endswith("-00000001")
    body = manifest.verify(sent.manifest, json.dumps(interop.keys.public_jwk()), typ=manifest.MANIFEST_TYP,
                           code="x", what="manifiesto")  # fmt: skip
    assert body["destinatario"]["ruc"] == RUC_B and body["expediente_remitente"] == number
    assert body["documentos"][0]["nombre"] == "oficio.pdf" and body["documentos"][0]["firmado"] is True
    with db.session(app) as s:
        case = s.exec(select(Expediente).where(col(Expediente.number) == number)).one()
        steps = s.exec(select(Movement.action).where(col(Movement.expediente_id) == case.id)).all()
        events = s.exec(select(AuditEvent.action).where(col(AuditEvent.object_id) == number)).all()
        row = s.exec(select(interop.InteropSend)).one()
    assert "interop_envio" in steps and "interop_enviar" in events and case.version == version + 1
    assert (row.status, row.attempts, row.document_ids) == ("en_cola", 0, str(signed_id))
    assert interop.sends_of_case(case.id)[0]["estado_texto"] == "En cola de envío"
    assert routing.ACTION_LABELS["interop_envio"] == "Enviado a otra entidad"


# ---------------------------------------------------------------- receiving (this process is B)
RUC_A = "20131378972"


@pytest.fixture
def receiver(app, monkeypatch):
    """This installation as B (RUC_B), with A in its directory: A's key signs A's manifests."""
    monkeypatch.setattr(settings, "INSTITUTION_RUC", RUC_B)
    monkeypatch.setattr(settings, "INSTITUTION_NAME", "Entidad B")
    a_key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    interop.add_entity(actor="admin", data=interop.EntityInput(name="Entidad A", ruc=RUC_A,
                       endpoint="https://sgd.a.gob.pe", public_jwk=_jwk(a_key), client_id="sgd-a"))  # fmt: skip
    return a_key


def _signed_pdf() -> bytes:
    from sgd_app.domain.signing import config, sign_pdf

    pki = config.pki()
    return sign_pdf(make_pdf(1, "Oficio de A"), signer=pki.staff_signer("jperez", "Juana Perez"),
                    timestamper=pki.timestamper(), reason="Firma", verify_url=config.verify_url("AB12"), level="B-T")  # fmt: skip


def _package(a_key: ECKey, files: list[bytes], *, seq: int = 1, to: str = RUC_B, signed: bool = True) -> str:
    docs = [
        manifest.ManifestDocument(
            i, "principal" if i == 1 else "anexo", f"d{i}.pdf", "oficio", manifest.sha256(f), len(f), 1, signed, "B-T"
        )
        for i, f in enumerate(files, 1)
    ]
    body = manifest.build_manifest(cuo=manifest.format_cuo(RUC_A, 2026, seq), sender=(RUC_A, "Entidad A"),
                                   addressee=(to, "Entidad B"), case_number="EXP-2026-000777",
                                   subject="Remite oficio", note="", documents=docs,
                                   created_at="2026-12-04T10:00:00+00:00")  # fmt: skip
    return manifest.sign(body, typ=manifest.MANIFEST_TYP, key=a_key)


def test_a_package_is_registered_through_the_intake_once_per_cuo(receiver):
    pdf = _signed_pdf()
    token = _package(receiver, [pdf])
    answer = interop.receive(client_id="sgd-a", token=token, files=[("d1.pdf", pdf)])
    assert answer.status_code == 200, answer.payload
    data = manifest.verify(answer.token, json.dumps(interop.keys.public_jwk()), typ=manifest.ANSWER_TYP,
                           code="x", what="acuse")  # fmt: skip
    number = data["confirmacion"]["expediente"]
    assert data["estado"] == "registrado" and data["acuse"]["recibido"]
    assert manifest.sha256(answer.receipt or b"") == data["confirmacion"]["cargo_sha256"]
    from tests.security.snapshot import pdf_text

    receipt_text = pdf_text(answer.receipt or b"")
    assert "intercambio electrónico entre entidades" in receipt_text and "Entidad A" in receipt_text
    assert RUC_A in receipt_text
    again = interop.receive(client_id="sgd-a", token=token, files=[("d1.pdf", pdf)])
    assert again.token == answer.token and again.receipt == answer.receipt
    with db.session() as s:
        cases = s.exec(select(Expediente).where(col(Expediente.channel) == "interoperabilidad")).all()
        steps = s.exec(select(Movement.action, Movement.instructions).where(
            col(Movement.expediente_id) == cases[0].id)).all()  # fmt: skip
    assert [c.number for c in cases] == [number]
    assert any(a == "interop_recepcion" and "EXP-2026-000777" in t and RUC_A in t for a, t in steps)
    other = _package(receiver, [pdf, make_pdf()], seq=1)  # the same CUO, another package
    assert interop.receive(client_id="sgd-a", token=other, files=[("a", pdf), ("b", make_pdf())]).payload["rechazo"][
        "codigo"
    ] in ("cuo_duplicado", "archivo_alterado")


@pytest.mark.parametrize(
    "case, code",
    [
        ("wrong_addressee", "destinatario_incorrecto"),
        ("unsigned", "firma_invalida"),
        ("tampered_pdf", "archivo_alterado"),
        ("missing_file", "archivo_alterado"),
        ("other_key", "manifiesto_alterado"),
    ],
)
def test_a_package_is_rejected_with_its_code_and_nothing_is_registered(receiver, case, code):
    pdf = make_pdf(1, "Sin firma") if case == "unsigned" else _signed_pdf()
    key = ECKey.generate_key("P-256", private=True) if case == "other_key" else receiver
    token = _package(key, [pdf], to="20100000009" if case == "wrong_addressee" else RUC_B)
    files = {"tampered_pdf": [("d1.pdf", pdf[:-20] + b"%" + pdf[-19:])], "missing_file": []}.get(
        case, [("d1.pdf", pdf)]
    )
    answer = interop.receive(client_id="sgd-a", token=token, files=files)
    assert answer.status_code == 422 and answer.payload["rechazo"]["codigo"] == code, answer.payload
    assert answer.as_json()["code"] == code and answer.as_json()["detail"].endswith(".")
    with db.session(db.engine()) as s:
        assert not s.exec(select(Expediente)).all()
        assert s.exec(select(AuditEvent.action).where(col(AuditEvent.action) == "interop_rechazar")).all()


def test_an_unknown_or_inactive_sender_is_refused_before_anything(receiver):
    with pytest.raises(interop.SenderRefused) as exc:
        interop.receive(client_id="sgd-otro", token="x", files=[])
    assert exc.value.code == "remitente_desconocido" and exc.value.status_code == 403
    interop.deactivate_entity(actor="admin", ruc=RUC_A)
    with pytest.raises(interop.SenderRefused) as exc:
        interop.receive(client_id="sgd-a", token="x", files=[])
    assert exc.value.code == "remitente_inactivo"
