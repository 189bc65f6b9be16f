"""State handlers called the way a hostile client could (every public handler is a remote
call): they check the session themselves and never expose another filer's data."""

from __future__ import annotations

import asyncio

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import func, select

from sgd_app import db, settings
from sgd_app.domain import auth, intake, ratelimit
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Expediente
from sgd_app.state.bandeja import BandejaState
from sgd_app.state.casilla import CasillaState
from sgd_app.state.mesa_de_partes import MesaDePartesState
from sgd_app.state.seguimiento import NOT_FOUND, SeguimientoState
from tests.conftest import make_pdf, run_async


def _state(cls, *, cookie: str = "", ip: str = "10.0.0.7"):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {"cookie": cookie}, "ip": ip, "pathname": "/"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(cls.get_full_name().split(".")[1:])


def _run(result):
    """Drive a handler result (plain value, coroutine or async generator) to the end."""

    async def go():
        if hasattr(result, "__anext__"):
            out = []
            async for item in result:
                out.append(item)
            return out
        if asyncio.iscoroutine(result):
            return await result
        return result

    return run_async(go())


def _file_case(number_of_files: int = 1):
    store = FileStore(settings.files_dir())
    with db.write_session() as s:
        return intake.file_case(
            s,
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
            subject="Constancia de afiliación",
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        )


def _login(username: str) -> str:
    with db.write_session() as s:
        return auth.login(s, username=username, password="clave-demo-123")


def test_inbox_without_a_session_redirects_and_shows_nothing(app_db):
    _file_case()
    for cookie in ("", "sgd_sesion=forjada-por-el-cliente", "sgd_sesion=; other=1", "garbage\x00"):
        st = _state(BandejaState, cookie=cookie)
        result = BandejaState.load.fn(st)
        assert "ingresar" in str(result)
        assert st.rows == [] and st.total == 0 and st.user_name == ""


def test_inbox_lists_only_the_users_units(app_db):
    case = _file_case().case
    rop = _state(BandejaState, cookie=f"sgd_sesion={_login('rop')}")
    BandejaState.load.fn(rop)
    assert [r["number"] for r in rop.rows] == [case.number]
    assert rop.user_name == "Patricia Chávez León"
    tes = _state(BandejaState, cookie=f"sgd_sesion={_login('tesoreria')}")
    BandejaState.load.fn(tes)
    assert tes.rows == [] and tes.total == 0


def test_inbox_refuses_a_revoked_session(app_db):
    _file_case()
    token = _login("rop")
    with db.write_session() as s:
        auth.logout(s, token)
    st = _state(BandejaState, cookie=f"sgd_sesion={token}")
    assert "ingresar" in str(BandejaState.load.fn(st))
    assert st.rows == []
    # Paging handlers re-check the session too.
    st.page = 3
    BandejaState.next_page.fn(st)
    assert st.rows == []


def test_intake_submit_called_directly_validates_everything_and_writes_nothing(app_db):
    st = _state(MesaDePartesState)
    MesaDePartesState.choose.fn(st, "CONST-AF")
    # A hostile client skips the steps and submits with bad data and no files.
    MesaDePartesState.set_value.fn(st, "doc_number", "12")
    MesaDePartesState.set_value.fn(st, "email", "x")
    MesaDePartesState.set_declaration.fn(st, True)
    MesaDePartesState.set_privacy_ack.fn(st, True)  # read the personal-data notice
    _run(MesaDePartesState.submit.fn(st))
    assert st.r_number == ""
    assert st.errors["doc_number"] and st.errors["principal"]
    assert st.step == 1  # sent back to the first step with errors
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(Expediente)).one() == 0


def test_intake_handlers_only_set_whitelisted_fields(app_db):
    st = _state(MesaDePartesState)
    MesaDePartesState.set_value.fn(st, "r_number", "EXP-2026-000001")
    MesaDePartesState.set_value.fn(st, "_staged", "/etc/passwd")
    MesaDePartesState.set_value.fn(st, "step", "4")
    assert st.r_number == "" and st.step == 0
    MesaDePartesState.choose.fn(st, "NO-EXISTE")
    assert st.step == 0 and "Elija un trámite" in st.errors["general"]
    # Jumping forward with go() is refused; only going back is allowed.
    MesaDePartesState.go.fn(st, 4)
    assert st.step == 0


def test_intake_submit_cannot_point_at_arbitrary_files(app_db, tmp_path):
    secret = tmp_path / "secreto.pdf"
    secret.write_bytes(make_pdf(1, "No es del ciudadano"))
    st = _state(MesaDePartesState)
    MesaDePartesState.choose.fn(st, "CONST-AF")
    # The attachment list is public and could be forged; staged paths are server-side only.
    st.attachments = [
        {
            "id": "x",
            "role": "principal",
            "label": "Documento principal",
            "filename": str(secret),
            "size": "1 KB",
            "pages": "1",
            "sha256": "0" * 64,
        }
    ]
    for field, value in (
        ("doc_number", "45678912"),
        ("name", "Ana Pérez"),
        ("email", "ana@example.pe"),
        ("phone", "987654321"),
        ("subject", "Constancia por favor"),
    ):
        MesaDePartesState.set_value.fn(st, field, value)
    MesaDePartesState.set_declaration.fn(st, True)
    MesaDePartesState.set_privacy_ack.fn(st, True)  # read the personal-data notice
    _run(MesaDePartesState.submit.fn(st))
    assert st.r_number == ""
    assert "Vuelva a adjuntar" in st.errors["principal"]


def test_tracking_wrong_pairs_answer_the_same_and_are_throttled(app_db):
    result = _file_case()
    number, key = result.case.number, result.access_key
    st = _state(SeguimientoState, ip="203.0.113.9")
    for attempt in ("AAAA-BBBB-CCCC", "DDDD-EEEE-FFFF", "GGGG-HHHH-JJJJ"):
        _run(SeguimientoState.search.fn(st, {"numero": number, "clave": attempt}))
        assert st.error == NOT_FOUND and not st.found and st.t_subject == ""
    _run(SeguimientoState.search.fn(st, {"numero": "EXP-2026-999999", "clave": key}))
    assert st.error == NOT_FOUND
    assert ratelimit.count("track-ip", "203.0.113.9") == 4
    assert ratelimit.delay("track-ip", "203.0.113.9") == 2.0
    assert ratelimit.delay("track-num", number) == 1.0  # 3 failures: slowing starts
    # The right pair still works (after the delay), from the same client.
    _run(SeguimientoState.search.fn(st, {"numero": number, "clave": key}))
    assert st.found and st.t_number == number and st.error == ""
    assert st.key == ""  # the key is not kept in the browser-visible state


def test_abandoned_staged_uploads_are_swept(app_db):
    import os
    import time

    from sgd_app.state.mesa_de_partes import sweep_staging

    staging = settings.staging_dir()
    staging.mkdir(parents=True, exist_ok=True)
    old, fresh = staging / "viejo.pdf", staging / "nuevo.pdf"
    old.write_bytes(b"%PDF-1.4 old")
    fresh.write_bytes(b"%PDF-1.4 new")
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert sweep_staging() == 1
    assert not old.exists() and fresh.exists()


# ---------------------------------------------------------------- the case page
from sgd_app.domain.models import Movement, Unit  # noqa: E402
from sgd_app.state.expediente import ExpedienteState  # noqa: E402


def _case_state(cookie: str, number: str) -> ExpedienteState:
    st = _state(ExpedienteState, cookie=cookie)
    st.router_data = {"headers": {"cookie": cookie}, "ip": "10.0.0.8", "pathname": f"/expedientes/{number}"}
    return st


def _unit_id(code: str) -> int:
    with db.session() as s:
        return s.exec(select(Unit.id).where(Unit.code == code)).one()


def test_case_handlers_refuse_other_units_even_with_a_forged_view(app_db):
    number = _file_case().case.number
    tes = _case_state(f"sgd_sesion={_login('tesoreria')}", number)
    # A hostile client does not load the page: it sets the number and version and calls handlers.
    tes.number, tes.version = number, 1
    tes.found = True
    tes.actions = ["recibir", "derivar", "archivar"]
    ExpedienteState.receive.fn(tes)
    ExpedienteState.derive.fn(tes, {"to_unit": str(_unit_id("TES"))})
    ExpedienteState.archive.fn(tes, {"reason": "Archivo hostil del expediente"})
    ExpedienteState.add_note.fn(tes, {"note": "nota hostil"})
    with db.session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        assert case.version == 1 and case.status == "registrado" and case.awaiting_receipt
        assert len(s.exec(select(Movement).where(Movement.expediente_id == case.id)).all()) == 1
    assert tes.found is False and tes.h == {}  # the refresh shows nothing of the case
    # Without any session the handlers do nothing either.
    anon = _case_state("", number)
    anon.number, anon.version = number, 1
    assert "ingresar" in str(ExpedienteState.receive.fn(anon))


def test_case_page_two_officials_at_once_one_wins_the_other_is_refreshed(app_db):
    number = _file_case().case.number
    token = _login("rop")
    a, b = _case_state(f"sgd_sesion={token}", number), _case_state(f"sgd_sesion={_login('rop')}", number)
    with db.session() as s:
        who = auth.resolve(s, token)
    for st in (a, b):  # both officials have the page open at version 1
        st._show(who, number)
    assert a.version == b.version == 1 and "recibir" in a.actions
    ExpedienteState.receive.fn(a)
    assert a.h["status"] == "en_tramite" and a.version == 2
    ExpedienteState.receive.fn(b)
    assert "Otro usuario acaba de modificar" in b.message
    assert b.version == 2 and b.h["status"] == "en_tramite"  # refreshed view
    assert "recibir" not in b.actions and "derivar" in b.actions


def test_case_page_derive_validation_messages_next_to_fields(app_db):
    number = _file_case().case.number
    cookie = f"sgd_sesion={_login('rop')}"
    st = _case_state(cookie, number)
    with db.session() as s:
        st._show(auth.resolve(s, cookie.split("=", 1)[1]), number)
    ExpedienteState.receive.fn(st)
    ExpedienteState.derive.fn(st, {"to_unit": "", "due_days": "abc"})
    assert st.errors["due_days"] == "Escriba el plazo en días hábiles (número)."
    ExpedienteState.derive.fn(st, {"to_unit": "", "due_days": "2"})
    assert st.errors["to_unit"] == "Elija una unidad activa."
    ExpedienteState.derive.fn(
        st,
        {
            "to_unit": str(_unit_id("LOG")),
            "copia_" + str(_unit_id("TES")): "on",
            "instructions": "Atender",
            "due_days": "2",
            "priority": "urgente",
        },
    )
    assert st.errors["to_unit"] == "" and st.h["unit"] == "Logística" and st.h["priority"] == "Urgente"


def _case_received_by_logistica():
    """A filing routed ROP -> Logística and received there; returns (number, officer, head, head token)."""
    from sgd_app.domain import routing as rt

    number = _file_case().case.number
    with db.session() as s:
        rop = auth.resolve(s, _login("rop"))
    for fn, kw in ((rt.receive, {}), (rt.derive, {"to_unit_id": _unit_id("LOG")})):
        with db.write_session() as s:
            case = s.exec(select(Expediente).where(Expediente.number == number)).one()
            fn(s, who=rop, number=number, version=case.version, **kw)
    log_token, jefe_token = _login("logistica"), _login("jefe.logistica")
    with db.session() as s:
        log, jefe = auth.resolve(s, log_token), auth.resolve(s, jefe_token)
    with db.write_session() as s:
        rt.receive(s, who=log, number=number, version=3)
    return number, log, jefe, jefe_token


# ---------------------------------------------------------------- signing queue
def test_batch_signing_reports_each_document_and_a_failure_does_not_stop_the_others(app_db):
    from sgd_app.domain import drafting, signing
    from sgd_app.domain.models import InternalDocument, SignatureStep
    from sgd_app.state.firma import FirmaState

    number, log, jefe, jefe_token = _case_received_by_logistica()
    ids = []
    for subject in ("Primer memorando del lote", "Segundo memorando del lote", "Tercer memorando del lote"):
        with db.write_session() as s:
            d = drafting.create_draft(
                s,
                who=log,
                case_number=number,
                doc_type="memorando",
                subject=subject,
                body="Contenido del memorando de prueba.",
                recipients="Tesorería",
            )
            signing.send_to_sign(s, who=log, doc_id=d.id, version=1, vistos=[], firmante_id=jefe.user.id)
            ids.append(d.id)
    st = _state(FirmaState, cookie=f"sgd_sesion={jefe_token}")
    FirmaState.load.fn(st)
    assert len(st.rows) == 3
    # The second document is rejected elsewhere just before the batch runs.
    with db.write_session() as s:
        step2 = s.exec(select(SignatureStep).where(SignatureStep.internal_document_id == ids[1])).one()
        signing.reject(s, who=jefe, step_id=step2.id, comment="Lo devuelvo desde otra pestaña")
    results = list(signing.sign_batch(jefe, [int(r["step"]) for r in st.rows]))
    assert [r.ok for r in results] == [True, False, True]
    assert "ya no está en firma" in results[1].message
    assert results[0].number.startswith("MEMORANDO N° 0001-2026-LOG/JNE")
    assert results[2].number.startswith("MEMORANDO N° 0002-2026-LOG/JNE")
    with db.session() as s:
        statuses = [s.get(InternalDocument, i).status for i in ids]
    assert statuses == ["firmado", "borrador", "firmado"]  # the returned one: back to its author
    # Someone else's session cannot sign the head's steps.
    with db.session() as s:
        tes = auth.resolve(s, _login("tesoreria"))
    with db.session() as s:
        other = s.exec(select(SignatureStep.id)).first()
    assert next(iter(signing.sign_batch(tes, [other]))).ok is False


def test_production_mode_signs_with_the_officials_own_pkcs12_and_never_stores_its_passphrase(app_db, monkeypatch):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from sgd_app.domain import drafting, signing
    from sgd_app.domain.models import InternalDocument

    monkeypatch.setattr(settings, "SIGNING_MODE", "pkcs12")
    secret = "clave-de-mi-certificado-9731"
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ana Torres Delgado")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"ana", key, cert, None, serialization.BestAvailableEncryption(secret.encode())
    )
    number, log, jefe, _ = _case_received_by_logistica()
    with db.write_session() as s:
        d = drafting.create_draft(
            s,
            who=log,
            case_number=number,
            doc_type="informe",
            subject="Informe técnico",
            body="Contenido del informe técnico.",
            recipients="Jefatura",
        )
        signing.send_to_sign(s, who=log, doc_id=d.id, version=1, vistos=[], firmante_id=jefe.user.id)
        doc_id = d.id
    with db.session() as s:
        step = signing.pending_for(s, jefe)[0][0].id
    todo = [step]
    assert "cargue su certificado" in next(iter(signing.sign_batch(jefe, todo, passphrase=secret))).message
    with pytest.raises(ValueError):
        signing.store_certificate(jefe.user.id, b"no es un p12")
    signing.store_certificate(jefe.user.id, p12)
    wrong = list(signing.sign_batch(jefe, todo, passphrase="otra-clave"))
    assert wrong[0].ok is False and "contraseña incorrectos" in wrong[0].message
    ok = list(signing.sign_batch(jefe, todo, passphrase=secret))
    assert ok[0].ok is True and ok[0].number.startswith("INFORME N° 0001-2026-LOG/JNE")
    with db.session() as s:
        doc = s.get(InternalDocument, doc_id)
        assert doc.status == "firmado"
    signed = FileStore(settings.files_dir()).read(doc.current_sha256)
    report = signing.config.validate(signed)
    assert report.signatures[0].signer_name == "Ana Torres Delgado"
    # The passphrase is nowhere on disk: not in the data dir, not in the database.
    for path in settings.DATA_DIR.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    with db.session() as s:
        from sqlalchemy import text

        for table in ("auditevent", "signature", "internaldocument", "signaturestep"):
            rows = s.exec(text(f"SELECT * FROM {table}")).all()
            assert secret not in repr(rows)


def test_send_to_sign_with_the_version_the_page_showed_is_refused_when_the_draft_changed(app_db):
    """The case page passes the draft's version as it rendered it: if the draft changed since
    (another tab, the API), "Enviar a firma" is refused and the view reloads; nothing is sent."""
    from sgd_app.domain import drafting
    from sgd_app.domain.models import InternalDocument, SignatureStep, User

    number = _file_case().case.number
    token = _login("rop")
    cookie = f"sgd_sesion={token}"
    who = auth.resolve(token)
    st = _case_state(cookie, number)
    st._show(who, number)
    ExpedienteState.receive.fn(st)
    ExpedienteState.create_draft.fn(
        st,
        {"doc_type": "informe", "subject": "Informe de prueba", "body": "Contenido.", "recipients": "Jefatura"},
    )
    with db.session() as s:
        doc = s.exec(select(InternalDocument).where(InternalDocument.subject == "Informe de prueba")).one()
        head = s.exec(select(User).where(User.username == "jefe.rop")).one()
    assert st._doc_versions[doc.id] == doc.version  # what the page shows
    # Another tab edits the draft: its version moves on.
    drafting.update_draft(
        who=who,
        doc_id=doc.id,
        version=doc.version,
        subject="Informe corregido",
        body="Otro contenido.",
        recipients="Jefatura",
    )
    ExpedienteState.open_send.fn(st, str(doc.id))
    ExpedienteState.send_to_sign.fn(st, {"firmante": str(head.id)})
    assert "El documento cambió mientras lo revisaba" in st.message
    with db.session() as s:
        assert s.get(InternalDocument, doc.id).status == "borrador"
        assert s.exec(select(SignatureStep).where(SignatureStep.internal_document_id == doc.id)).all() == []
    assert st._doc_versions[doc.id] == doc.version + 1  # the view was reloaded
    # From the reloaded view the same click goes through.
    ExpedienteState.open_send.fn(st, str(doc.id))
    ExpedienteState.send_to_sign.fn(st, {"firmante": str(head.id)})
    with db.session() as s:
        assert s.get(InternalDocument, doc.id).status == "en_firma"


def test_intake_submit_over_the_filing_limit_says_so_and_keeps_the_input(app_db):
    ratelimit.tune("filing-doc", limit="1/day")
    ratelimit.hit("filing-doc", "DNI:45678912")  # one filing with this number today already
    staged = settings.staging_dir() / "limite.pdf"
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(make_pdf(1))
    st = _state(MesaDePartesState, ip="203.0.113.9")
    MesaDePartesState.choose.fn(st, "CONST-AF")
    st.attachments = [
        {
            "id": "a1",
            "role": "principal",
            "label": "Documento principal",
            "filename": "solicitud.pdf",
            "size": "1 KB",
            "pages": "1",
            "sha256": "0" * 64,
        }
    ]
    st._staged = {"a1": str(staged)}
    typed = {
        "doc_number": "45678912",
        "name": "Ana Pérez",
        "email": "ana@example.pe",
        "phone": "987654321",
        "subject": "Constancia por favor",
    }
    for field, value in typed.items():
        MesaDePartesState.set_value.fn(st, field, value)
    MesaDePartesState.set_declaration.fn(st, True)
    MesaDePartesState.set_privacy_ack.fn(st, True)  # read the personal-data notice
    _run(MesaDePartesState.submit.fn(st))
    assert st.r_number == "" and not st.submitting
    assert "con este número de documento" in st.errors["general"] and "sus datos se conservan" in st.errors["general"]
    assert {f: getattr(st, f) for f in typed} == typed  # what the citizen typed is all there
    assert [a["id"] for a in st.attachments] == ["a1"] and staged.exists()
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(Expediente)).one() == 0


def test_casilla_code_cap_is_said_on_the_page_the_same_for_any_document(app_db):
    ratelimit.tune("casilla-code-doc", limit="1/day")
    for doc in ("45678912", "11111111"):
        first = _state(CasillaState, ip="203.0.113.9")
        _run(CasillaState.send_code.fn(first, {"doc_type": "DNI", "doc_number": doc}))
        assert first.code_sent and first.error == ""
        again = _state(CasillaState, ip="203.0.113.10")
        _run(CasillaState.send_code.fn(again, {"doc_type": "DNI", "doc_number": doc}))
        assert not again.code_sent
        assert again.error.startswith("Por seguridad, no enviamos más códigos para este documento por hoy. Intente")


def test_tracking_refusal_for_an_address_is_shown(app_db):
    ratelimit.tune("track-ip", limit="1/15 minutes")
    result = _file_case()
    st = _state(SeguimientoState, ip="203.0.113.9")
    _run(SeguimientoState.search.fn(st, {"numero": result.case.number, "clave": "AAAA-BBBB-CCCC"}))
    assert st.error == NOT_FOUND
    _run(SeguimientoState.search.fn(st, {"numero": result.case.number, "clave": result.access_key}))
    assert not st.found and "Demasiadas consultas fallidas desde su conexión" in st.error and not st.searching
