"""The world every hostile case runs against: cases of unit ROP (Registro de Organizaciones
Políticas) in the states a hostile caller would like to touch, built with the domain functions.

- ``a1``: filed, received by ROP, routed inside the unit, with a note, a draft sent to the head
  for signature (a pending signature step), and the head's delegation to the officer.
- ``a2``: filed, received and observed by ROP: its filer has a casilla notice and may fix it.
- ``b``: another citizen's own case (the hostile citizen holds its number and key).

Markers (filer name, subject, note, draft subject) are unique strings: none of them may ever
appear in a hostile caller's public state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import auth, casework, drafting, intake, routing, search, signing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Document, Expediente, NonWorkingDay, Notice, Procedure, Unit, User
from tests.conftest import DEMO_PW, make_pdf

FILER_NAME = "Zoila Reservada Quispe"
FILER_DNI = "41414141"
SUBJECT = "Asunto reservado QZX-7781"
SUBJECT_2 = "Asunto reservado QZX-7782"
NOTE = "Nota interna reservada QZX-7783"
DRAFT_SUBJECT = "Informe reservado QZX-7784"
OBSERVATION = "Falta la copia reservada QZX-7785"
SAVED_SEARCH = "Búsqueda reservada QZX-7786"  # ROP's officer's saved search: personal
MARKERS = (FILER_NAME, SUBJECT, SUBJECT_2, NOTE, DRAFT_SUBJECT, OBSERVATION, SAVED_SEARCH)

OTHER_CITIZEN = intake.FilerInput(
    doc_type="DNI",
    doc_number="42424242",
    name="Hugo Ajeno Torres",
    kind="ciudadano",
    email="hugo@example.pe",
    phone="912345678",
)


@dataclass
class World:
    a1: str = ""  # case numbers
    a2: str = ""
    b: str = ""
    b_key: str = ""
    a2_key: str = ""
    holiday: str = ""
    rop_export: str = ""  # download token of an Excel export prepared by ROP's officer
    ids: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)


def _login(username: str) -> auth.Principal:
    with db.write_session() as s:
        token = auth.login(s, username=username, password=DEMO_PW)
    return auth.resolve(token)


def _case(number: str) -> Expediente:
    with db.session() as s:
        return s.exec(select(Expediente).where(Expediente.number == number)).one()


def _file(filer: intake.FilerInput, subject: str) -> intake.FilingResult:
    store = FileStore(settings.files_dir())
    return intake.file_case(
        procedure_code="CONST-AF",
        store=store,
        filer=filer,
        subject=subject,
        files=[intake.IncomingFile("solicitud-reservada.pdf", make_pdf(1, "Contenido reservado"), "principal")],
    )


def build() -> World:
    """Build the world in the app's current database and data dir (see conftest)."""
    w = World()
    filer = intake.FilerInput(
        doc_type="DNI",
        doc_number=FILER_DNI,
        name=FILER_NAME,
        kind="ciudadano",
        email="zoila@example.pe",
        phone="987654321",
        address="Jr. Reservado 123",
    )
    rop, jefe = _login("rop"), _login("jefe.rop")
    r1 = _file(filer, SUBJECT)
    w.a1 = r1.case.number
    routing.receive(who=rop, number=w.a1, version=_case(w.a1).version)
    routing.add_note(who=rop, number=w.a1, version=_case(w.a1).version, text=NOTE)
    draft = drafting.create_draft(
        who=rop,
        case_number=w.a1,
        doc_type="informe",
        subject=DRAFT_SUBJECT,
        body="Cuerpo reservado del informe.",
        recipients="Jefatura",
    )
    signing.send_to_sign(who=rop, doc_id=draft.id, version=draft.version, vistos=[], firmante_id=jefe.user.id)
    step = signing.pending_for(jefe)[0][0]
    today = routing.today_lima()
    deleg = routing.delegate(
        who=jefe, unit_id=_unit("ROP"), to_user_id=rop.user.id, starts_on=today, ends_on=today + timedelta(days=5)
    )

    r2 = _file(filer, SUBJECT_2)
    w.a2, w.a2_key = r2.case.number, r2.access_key
    routing.receive(who=rop, number=w.a2, version=_case(w.a2).version)
    casework.observe(who=rop, number=w.a2, version=_case(w.a2).version, items=[OBSERVATION])

    saved = search.save_search(rop, name=SAVED_SEARCH, text="qzx reservada", filters={})

    rb = _file(OTHER_CITIZEN, "Constancia para mí mismo")
    w.b, w.b_key = rb.case.number, rb.access_key

    c1, c2 = _case(w.a1), _case(w.a2)
    with db.session() as s:
        doc = s.exec(select(Document).where(Document.expediente_id == c1.id)).first()
        notice = s.exec(select(Notice)).first()
        holiday = s.exec(select(NonWorkingDay)).first()
        proc = s.exec(select(Procedure).where(Procedure.code == "CONST-AF")).one()
        users = {u.username: u.id for u in s.exec(select(User)).all()}
    assert notice is not None, "observing a2 should deposit a casilla notice"
    w.versions = {"a1": c1.version, "a2": c2.version, "draft": draft.version + 1}
    w.ids = {
        "a1": c1.id,
        "a2": c2.id,
        "document": doc.id,
        "draft": draft.id,
        "step": step.id,
        "notice": notice.id,
        "delegation": deleg.id,
        "saved": saved.id,
        "procedure": proc.id,
        "unit_rop": _unit("ROP"),
        "unit_tes": _unit("TES"),
        "user_rop": users["rop"],
        "user_jefe_rop": users["jefe.rop"],
    }
    w.holiday = holiday.day.isoformat() if holiday else "2026-12-25"
    return w


def _unit(code: str) -> int:
    with db.session() as s:
        return s.exec(select(Unit.id).where(Unit.code == code)).one()
