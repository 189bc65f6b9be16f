"""domain/routing/casework.py (the case page's acts) and domain/access.py (who may see what)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import access, casework, intake, routing
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from sgd_app.domain.models import Document, Expediente, InternalDocument, Notice
from tests.conftest import make_pdf, principal, unit_by_code


def _file(engine, store, subject="Constancia de afiliación") -> str:
    with db.write_session(engine) as s:
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
            subject=subject,
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        ).case.number


def _case(engine, number) -> Expediente:
    with db.session(engine) as s:
        return s.exec(select(Expediente).where(Expediente.number == number)).one()


def _answer(engine, number, *, signed=True, internal=True) -> int:
    """A document of case ``number``: signed and issued as an internal document, or not."""
    case = _case(engine, number)
    author_id = principal(engine, "rop").user.id
    with db.write_session(engine) as s:
        doc = Document(
            expediente_id=case.id,
            kind="interno",
            role="respuesta",
            label="Carta de respuesta",
            filename="respuesta.pdf",
            sha256="0" * 64,
            size=10,
            pages=1,
            signed=signed,
        )
        s.add(doc)
        s.flush()
        if internal:
            s.add(
                InternalDocument(
                    expediente_id=case.id,
                    unit_id=case.current_unit_id,
                    doc_type="carta",
                    status="firmado",
                    subject="Respuesta",
                    author_id=author_id,
                    document_id=doc.id,
                )
            )
        return doc.id


@pytest.fixture
def world(seeded, store):
    number = _file(seeded, store)
    rop = principal(seeded, "rop")
    routing.receive(who=rop, number=number, version=_case(seeded, number).version, engine=seeded)
    return {"engine": seeded, "store": store, "number": number, "rop": rop}


def _attend(world, answer_id, *, who=None, version=None):
    e, n = world["engine"], world["number"]
    casework.attend_with_answer(
        who=who or world["rop"],
        number=n,
        version=_case(e, n).version if version is None else version,
        summary="Se emitió la constancia solicitada.",
        answer_id=answer_id,
        engine=e,
    )


def _unchanged(world):
    case = _case(world["engine"], world["number"])
    assert case.status == "en_tramite"
    with db.session(world["engine"]) as s:
        assert s.exec(select(Notice).where(Notice.expediente_id == case.id)).first() is None


def test_attend_with_a_signed_answer_delivers_it(world):
    doc_id = _answer(world["engine"], world["number"])
    _attend(world, doc_id)
    case = _case(world["engine"], world["number"])
    assert case.status == "atendido"
    with db.session(world["engine"]) as s:
        notice = s.exec(select(Notice).where(Notice.expediente_id == case.id)).one()
    assert notice.document_id == doc_id


def test_attend_without_an_answer_only_closes(world):
    _attend(world, None)
    assert _case(world["engine"], world["number"]).status == "atendido"


def test_refuses_an_unsigned_answer(world):
    doc_id = _answer(world["engine"], world["number"], signed=False)
    with pytest.raises(InvalidInput, match="firmado de este expediente") as exc:
        _attend(world, doc_id)
    assert exc.value.field == "answer"
    _unchanged(world)


def test_refuses_a_signed_file_that_is_not_an_issued_document(world):
    doc_id = _answer(world["engine"], world["number"], internal=False)
    with pytest.raises(InvalidInput, match="firmado de este expediente"):
        _attend(world, doc_id)
    _unchanged(world)


def test_refuses_the_answer_of_another_case(world):
    other = _file(world["engine"], world["store"], subject="Otro pedido")
    doc_id = _answer(world["engine"], other)
    with pytest.raises(InvalidInput, match="firmado de este expediente"):
        _attend(world, doc_id)
    _unchanged(world)


def test_refuses_an_official_of_another_unit(world):
    doc_id = _answer(world["engine"], world["number"])
    with pytest.raises((Forbidden, NotFound)):
        _attend(world, doc_id, who=principal(world["engine"], "tesoreria"))
    _unchanged(world)


def test_refuses_a_stale_view(world):
    e, n = world["engine"], world["number"]
    doc_id = _answer(e, n)
    seen = _case(e, n).version
    routing.add_note(who=world["rop"], number=n, version=seen, text="Revisado.", engine=e)
    with pytest.raises(Conflict, match="Otro usuario acaba de modificar"):
        _attend(world, doc_id, version=seen)
    _unchanged(world)


def test_observe_is_one_act_with_the_filer_links(world):
    e, n = world["engine"], world["number"]
    obs = casework.observe(who=world["rop"], number=n, version=_case(e, n).version, items=["Falta la firma."], engine=e)
    assert obs.items == ["Falta la firma."]
    assert _case(e, n).status == "observado"


def test_case_page_reads_everything_in_one_call(world):
    e, n = world["engine"], world["number"]
    page = casework.case_page(world["rop"], n, engine=e)
    assert page.view.case.number == n
    assert "atender" in page.view.actions
    assert page.units and page.heads is not None
    with pytest.raises(NotFound):
        casework.case_page(principal(e, "tesoreria"), n, engine=e)


def test_access_who_sees_a_case(world):
    e, n = world["engine"], world["number"]
    rop, tes = world["rop"], principal(e, "tesoreria")
    with db.session(e) as s:
        case = s.exec(select(Expediente).where(Expediente.number == n)).one()
        assert access.can_view(s, rop, case)
        assert not access.can_view(s, tes, case)
        assert access.get_case(s, rop, n).id == case.id
        with pytest.raises(NotFound, match="sin acceso"):
            access.get_case(s, tes, n)
        assert unit_by_code(e, "ROP").id in access.visible_unit_ids(s, rop)
        doc = s.exec(select(Document).where(Document.expediente_id == case.id)).first()
        assert access.document_for(s, rop, doc.id).id == doc.id
        with pytest.raises(NotFound):
            access.document_for(s, tes, doc.id)
    assert access.visible_unit_ids(rop, engine=e) == {unit_by_code(e, "ROP").id} | set(rop.delegated)


def test_vistos_buenos_are_asked_of_people_with_a_post_in_the_relevant_units(world):
    """The send-to-firma form offers, and send_to_sign accepts, only active people with a post in
    the unit holding the case, the units above it, or one it passed through (name, post, unit):
    never the author, a clerk-only account or the administrator."""
    from sgd_app.domain import drafting, signing
    from sgd_app.domain.errors import InvalidInputs

    e, n = world["engine"], world["number"]
    rop = world["rop"]
    with db.session(e) as s:
        case = s.exec(select(Expediente).where(Expediente.number == n)).one()
        offered = dict(access.reviewers(s, rop, case))
    labels = list(offered.values())
    assert any(label.startswith("Óscar Villanueva Paz — Jefe(a) de unidad, ") for label in labels), labels
    for absent in ("Patricia Chávez León", "Administrador del sistema", "Rosa Quispe Huamán", "Miguel Flores Rojas"):
        assert not any(label.startswith(absent) for label in labels), (absent, labels)
    page = casework.case_page(rop, n, engine=e)
    assert dict(page.staff) == offered
    with db.write_session(e) as s:
        doc = drafting.create_draft(
            s,
            who=rop,
            case_number=n,
            doc_type="informe",
            subject="Informe de verificación",
            body="Se verificó el padrón.",
            recipients="Jefatura",
        )
        doc_id = doc.id
    jefe = principal(e, "jefe.rop")
    admin = principal(e, "admin")
    with pytest.raises(InvalidInputs) as err, db.write_session(e) as s:
        signing.send_to_sign(s, who=rop, doc_id=doc_id, version=1, vistos=[admin.user.id], firmante_id=jefe.user.id)
    assert "cargo" in err.value.errors["vistos"]
