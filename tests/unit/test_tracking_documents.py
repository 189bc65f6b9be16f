"""Issue 14 item 4: /seguimiento lists what the citizen filed and what was sent to them (the
receipt, the answer deposited in their casilla), never the units' internal documents."""

from __future__ import annotations

from sqlmodel import select

from sgd_app import db
from sgd_app.domain import intake
from sgd_app.domain.models import Document, Expediente, Notice
from tests.conftest import make_pdf, principal


def _doc(case: Expediente, label: str, role: str, kind: str, author_id: int | None) -> Document:
    return Document(
        expediente_id=case.id,
        kind=kind,
        role=role,
        label=label,
        filename=f"{label.lower().replace(' ', '-')}.pdf",
        sha256=label.encode().hex().ljust(64, "0")[:64],
        size=100,
        pages=1,
        author_id=author_id,
    )


def test_the_citizen_sees_what_they_filed_and_what_was_sent_never_internal_documents(seeded, store):
    rop = principal(seeded, "rop")
    with db.write_session(seeded) as s:
        case = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="rosa@example.pe", phone="987654321"
            ),
            subject="Constancia de afiliación",
            files=[
                intake.IncomingFile("solicitud.pdf", make_pdf(), "principal"),
                intake.IncomingFile("dni.pdf", make_pdf(), "anexo"),
            ],
        ).case
        s.add(_doc(case, "Informe técnico", "emitido", "informe", rop.user.id))
        s.add(_doc(case, "Anexo interno", "anexo", "anexo", rop.user.id))
        s.add(_doc(case, "Subsanación", "anexo", "subsanacion", None))
        answer = _doc(case, "Carta de respuesta", "emitido", "carta", rop.user.id)
        s.add(answer)
        s.flush()
        s.add(Notice(party_id=case.party_id, expediente_id=case.id, kind="respuesta", title="R", document_id=answer.id))
    with db.session(seeded) as s:
        case = s.exec(select(Expediente)).one()
        view = intake.tracking_view(s, case)
    shown = [(d["label"], d["sent"]) for d in view.documents]
    labels = [label for label, _ in shown]
    assert "Informe técnico" not in labels and "Anexo interno" not in labels
    assert ("Carta de respuesta", True) in shown and ("Subsanación", False) in shown
    assert sum(1 for _, sent in shown if not sent) == 3  # solicitud, DNI, subsanación
