"""Document templates: administrators manage them per type and unit, unknown placeholders are
refused, the unit's template wins over the institution's, and a draft starts from the template
with its placeholders filled. And the PDF prints the reference and the closing once."""

from __future__ import annotations

import subprocess

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import admin, doc_templates, drafting
from sgd_app.domain.doc_templates import DocTemplate
from sgd_app.domain.errors import Forbidden, InvalidInputs
from sgd_app.domain.models import AuditEvent, Unit
from tests.unit.test_drafting import _who, world  # noqa: F401  (the fixture: a case received in LOG)


def _unit_id(e, code: str) -> int:
    with db.session(e) as s:
        return s.exec(select(Unit.id).where(Unit.code == code)).one()


def _form(**kw) -> dict:
    return {"doc_type": "memorando", "unit_id": "", "name": "Memorando de Logística", "body": "Texto {asunto}.", **kw}


def test_seed_adds_one_institution_wide_template_per_type(seeded):
    with db.session(seeded) as s:
        rows = s.exec(select(DocTemplate)).all()
    assert {t.doc_type for t in rows} == set(drafting.DOC_TYPES)
    assert all(t.unit_id is None and t.active for t in rows)
    for t in rows:
        assert doc_templates.placeholder_errors(t.body) == ""


def test_only_an_administrator_manages_templates(seeded):
    officer = _who(seeded, "logistica")
    with pytest.raises(Forbidden):
        admin.create_template(engine=seeded, actor=officer, form=_form(unit_id=str(_unit_id(seeded, "LOG"))))
    with pytest.raises(Forbidden):
        admin.list_templates(engine=seeded, actor=officer)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("Estimado {destinatarios}: su pedido {asunto}.", "Marcador desconocido: {destinatarios}"),
        ("Atentamente {nombre} y {fecha_larga}", "{fecha_larga}, {nombre}"),
        ("Texto con una llave {asunto sin cerrar", "llave sin cerrar"),
        ("Referencia: {referencia}\n\nTexto del documento.", "ya los pone en su encabezado"),
        ("Texto del documento.\n\nAtentamente,", "No escriba el cierre"),
    ],
)
def test_bad_template_bodies_are_refused_in_spanish(seeded, body, fragment):
    adm = _who(seeded, "admin")
    with pytest.raises(InvalidInputs) as exc:
        admin.create_template(engine=seeded, actor=adm, form=_form(unit_id=str(_unit_id(seeded, "LOG")), body=body))
    assert fragment in exc.value.errors["body"]
    with db.session(seeded) as s:
        assert s.exec(select(DocTemplate).where(DocTemplate.unit_id.is_not(None))).all() == []  # nothing written


def test_one_active_template_per_type_and_unit(seeded):
    adm = _who(seeded, "admin")
    log = str(_unit_id(seeded, "LOG"))
    first = admin.create_template(engine=seeded, actor=adm, form=_form(unit_id=log))
    with pytest.raises(InvalidInputs) as exc:
        admin.create_template(engine=seeded, actor=adm, form=_form(unit_id=log, name="Otro"))
    assert "Ya hay una plantilla activa de memorando para esa unidad" in exc.value.errors["doc_type"]
    admin.set_template_active(engine=seeded, actor=adm, template_id=first.id, active=False)
    second = admin.create_template(engine=seeded, actor=adm, form=_form(unit_id=log, name="Otro"))
    with pytest.raises(InvalidInputs):  # reactivating the first would make two
        admin.set_template_active(engine=seeded, actor=adm, template_id=first.id, active=True)
    edited = admin.update_template(
        engine=seeded, actor=adm, template_id=second.id, form=_form(unit_id=log, name="Otro", body="Nuevo {fecha}.")
    )
    assert edited.body == "Nuevo {fecha}."
    with db.session(seeded) as s:
        actions = list(s.exec(select(AuditEvent.action).where(AuditEvent.object_type == "plantilla")).all())
    assert actions.count("crear_plantilla") == 2 and "desactivar_plantilla" in actions and "editar_plantilla" in actions


def test_a_draft_starts_from_the_units_template_with_the_placeholders_filled(world):  # noqa: F811
    w = world
    e = w["e"]
    adm = _who(e, "admin")
    general = doc_templates.draft_prefill(w["log"], w["number"], "memorando", engine=e)
    assert general.template_name == "Memorando estándar"  # the institution's, while LOG has none
    assert w["number"] in general.body and "{" not in general.body
    admin.create_template(
        engine=e,
        actor=adm,
        form=_form(
            unit_id=str(_unit_id(e, "LOG")),
            body="Para {destinatario}: sobre {asunto} ({referencia}, {numero_expediente}).\n\n"
            "Firma {firmante}, {cargo}, {fecha}.",
        ),
    )
    got = doc_templates.draft_prefill(w["log"], w["number"], "memorando", engine=e)
    assert got.template_name == "Memorando de Logística"
    today = drafting.date_long_es(drafting.today(), "Lima")
    assert got.body == (
        f"Para Rosa Ñahui: sobre Constancia (Expediente {w['number']}, {w['number']}).\n\n"
        f"Firma Ana Torres Delgado, Jefe(a) de Logística, {today}."
    )
    # another unit's officer neither gets the prefill nor LOG's template
    with pytest.raises(Forbidden):
        doc_templates.draft_prefill(w["rop"], w["number"], "memorando", engine=e)
    assert doc_templates.draft_prefill(w["log"], w["number"], "desconocido", engine=e).body == ""


def _pdf_text(doc_id: int, w) -> str:
    with db.session(w["e"]) as s:
        doc = s.get(drafting.InternalDocument, doc_id)
        pdf = drafting.draft_pdf(s, doc)
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_the_pdf_prints_the_reference_and_the_closing_once(world):  # noqa: F811
    """The bug of issue 14 item 6: an author who names the case in the reference and ends the body
    with "Atentamente," (as a skeleton taught them) got both twice in the PDF."""
    w = world
    with db.write_session(w["e"]) as s:
        doc = drafting.create_draft(
            s,
            who=w["log"],
            case_number=w["number"],
            doc_type="memorando",
            subject="Atención de la constancia solicitada",
            body="Se remite el informe con la verificación del padrón.\n\nAtentamente,",
            recipients="Jefatura de Logística",
            reference=f"Expediente {w['number']}",
        )
        doc_id = doc.id
    text = _pdf_text(doc_id, w)
    assert text.count(w["number"]) == 1, text
    assert text.count("Atentamente") == 1, text
    assert "Se remite el informe" in text


def test_a_draft_from_the_default_template_prints_each_once(world):  # noqa: F811
    w = world
    pre = doc_templates.draft_prefill(w["log"], w["number"], "memorando", engine=w["e"])
    with db.write_session(w["e"]) as s:
        doc_id = drafting.create_draft(
            s,
            who=w["log"],
            case_number=w["number"],
            doc_type="memorando",
            subject="Atención de la constancia",
            body=pre.body,
            recipients="Jefatura",
        ).id
    text = _pdf_text(doc_id, w)
    assert text.count("Atentamente") == 1
    assert text.count("REFERENCIA") == 1 and text.count(f"Expediente {w['number']}") == 1
