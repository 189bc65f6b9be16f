"""Documents the institution issues (memorando, informe, oficio, carta, resolución): drafts and
their templates rendered to PDF with an embedded Unicode font (Source Sans Pro, SIL OFL, from the
``font-source-sans-pro`` package). Their way to the signature (vistos buenos, firma, numbering at
the first signature, rejection) is ``sgd_app.domain.signing.steps``.

Rules kept here:
- A draft is edited only by its author while it is a draft.
- Signed content is never edited: a correction is a new document that references the old one
  (``replaces_id``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from fpdf import FPDF
from sqlalchemy import update
from sqlmodel import Session, col, select

from sgd_app import settings
from sgd_app.domain import audit, records, routing, vocabulary
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, MONTHS_ES
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInputs, NotFound
from sgd_app.domain.models import (
    Expediente,
    InternalDocument,
    Membership,
    SignatureStep,
    Unit,
    User,
    utcnow,
)
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import OPEN_STATUSES

DOC_TYPES = vocabulary.DOC_TYPES
STATUS_LABELS = {
    "borrador": "Borrador",
    "en_firma": "En firma",
    "firmado": "Firmado",
    "rechazado": "Rechazado",
    "descartado": "Descartado",
}
# Bottom band of the last page kept free for the signature stamps (mm).
STAMP_BAND_MM = 62


@lru_cache(maxsize=1)
def _fonts() -> dict[str, str]:
    import font_source_sans_pro as f

    files = f.font_files_ttf
    return {"": files["SourceSansPro"], "B": files["SourceSansProBold"], "I": files["SourceSansProIt"]}


def date_long_es(day: date, place: str = "Lima") -> str:
    return f"{place}, {day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"


def format_doc_number(doc_type: str, seq: int, year: int, unit_code: str, institution_short: str) -> str:
    return f"{DOC_TYPES[doc_type].upper()} N° {seq:04d}-{year}-{unit_code}/{institution_short}"


@dataclass(frozen=True)
class RenderData:
    institution: str
    unit: str
    title: str  # "MEMORANDO N° 0012-2026-DGRS/JNE" or the draft's placeholder
    recipients: str
    sender: str
    subject: str
    reference: str
    date_text: str
    body: str
    draft: bool = False
    signer_name: str = ""  # under the closing: who signs (the firma step), and their post
    signer_post: str = ""
    created: datetime | None = None  # the PDF's CreationDate (the document's date)


class _DocPDF(FPDF):
    def __init__(self, data: RenderData):
        super().__init__(format="A4")
        self.data = data
        for style, path in _fonts().items():
            self.add_font("Source", style, path)
        self.set_margins(25, 20, 25)
        self.set_auto_page_break(True, margin=22)
        self.set_title(data.title)
        self.set_author(data.institution)
        self.set_lang("es-PE")
        self.set_creator("Trámite Digital")

    def header(self) -> None:
        self.set_font("Source", "B", 11)
        self.set_text_color(138, 21, 56)
        self.cell(0, 6, self.data.institution.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Source", "", 9.5)
        self.set_text_color(60, 60, 60)
        self.cell(0, 5, self.data.unit, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(138, 21, 56)
        self.line(25, self.get_y() + 1.5, 185, self.get_y() + 1.5)
        self.ln(6)
        if self.data.draft:
            with self.local_context(text_color=(225, 225, 225)):
                self.set_font("Source", "B", 60)
                with self.rotation(35, 105, 160):
                    self.text(40, 190, "BORRADOR")
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Source", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.data.title} — página {self.page_no()} de {{nb}}", align="C")


def render(data: RenderData) -> bytes:
    """The document as PDF (A4), leaving the bottom of the last page free for the stamps."""
    pdf = _DocPDF(data)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("Source", "B", 14)
    pdf.multi_cell(0, 7, data.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    label_w = 30
    for label, value in (
        ("A", data.recipients),
        ("DE", data.sender),
        ("ASUNTO", data.subject),
        ("REFERENCIA", data.reference),
        ("FECHA", data.date_text),
    ):
        if not value:
            continue
        pdf.set_font("Source", "B", 10.5)
        y = pdf.get_y()
        pdf.cell(label_w, 6, f"{label}:")
        pdf.set_xy(25 + label_w, y)
        pdf.set_font("Source", "", 10.5)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.set_draw_color(180, 180, 180)
    pdf.line(25, pdf.get_y() + 1, 185, pdf.get_y() + 1)
    pdf.ln(5)
    pdf.set_font("Source", "", 11)
    for para in body_paragraphs(data.body):
        if para:
            pdf.multi_cell(0, 6, para.replace("\n", " "), align="J", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.ln(2)
    pdf.set_font("Source", "", 11)
    pdf.cell(0, 6, "Atentamente,", new_x="LMARGIN", new_y="NEXT")
    if data.signer_name:
        pdf.ln(10)
        pdf.set_font("Source", "B", 11)
        pdf.cell(0, 6, data.signer_name, new_x="LMARGIN", new_y="NEXT")
        if data.signer_post:
            pdf.set_font("Source", "", 10)
            pdf.multi_cell(110, 5, data.signer_post, new_x="LMARGIN", new_y="NEXT")
    # Keep the stamp band (above the footer) free on the last page.
    if pdf.get_y() > pdf.h - 22 - STAMP_BAND_MM:
        pdf.add_page()
    pdf.set_creation_date(data.created or utcnow())
    return bytes(pdf.output())


# ---------------------------------------------------------------- drafts
def _case_for_drafting(session: Session, who: Principal, number: str) -> Expediente:
    case = routing.get_case(session, who, number)
    roles = routing.acting_roles(who, case)
    if not roles & {"officer", "head"}:
        raise Forbidden("Solo el personal de la unidad que tiene el expediente puede redactar documentos en él.")
    records.ensure_open(session, case)
    if case.status not in OPEN_STATUSES:
        raise Forbidden("El expediente ya no está en trámite.")
    if case.awaiting_receipt:
        raise Forbidden("Primero reciba el expediente.")
    return case


case_for_drafting = _case_for_drafting  # templates fill a draft for whoever may write it

# A closing typed at the end of the body ("Atentamente," …): the layout adds its own, once.
_CLOSING = re.compile(r"^(atentamente|cordialmente|saludos cordiales|atte\.?)\s*[,.]?$", re.IGNORECASE)


def body_paragraphs(body: str) -> list[str]:
    """The body's paragraphs as the page prints them: a closing line the author typed at the end
    is dropped, because the page prints "Atentamente," under the body itself."""
    paras = [p.strip() for p in (body or "").replace("\r\n", "\n").split("\n\n")]
    paras = [p for p in paras if p]
    if paras:
        lines = [ln.strip() for ln in paras[-1].split("\n") if ln.strip()]
        if lines and _CLOSING.match(lines[-1]):
            lines = lines[:-1]
        paras[-1] = "\n".join(lines)
        paras = [p for p in paras if p]
    return paras


def reference_line(case_number: str, reference: str) -> str:
    """The REFERENCIA line: the case's number once, then what the author wrote (which may already
    name the case: then it is not repeated)."""
    ref = (reference or "").strip()
    if case_number and case_number.lower() in ref.lower():
        return ref
    return "; ".join(x for x in (f"Expediente {case_number}" if case_number else "", ref) if x)


def _validate(doc_type: str, subject: str, body: str, recipients: str) -> dict[str, str]:
    errors = {}
    if doc_type not in DOC_TYPES:
        errors["doc_type"] = "Elija el tipo de documento."
    if len(" ".join((subject or "").split())) < 5:
        errors["subject"] = "Escriba el asunto (mínimo 5 caracteres)."
    elif len(subject) > 500:
        errors["subject"] = "El asunto es demasiado largo (máximo 500 caracteres)."
    if len((body or "").strip()) < 10:
        errors["body"] = "Escriba el contenido del documento."
    elif len(body) > 20000:
        errors["body"] = "El contenido es demasiado largo (máximo 20 000 caracteres)."
    if doc_type != "resolucion" and len((recipients or "").strip()) < 3:
        errors["recipients"] = "Indique a quién va dirigido."
    return errors


@act
def create_draft(
    session: Session,
    *,
    who: Principal,
    case_number: str,
    doc_type: str,
    subject: str,
    body: str,
    recipients: str = "",
    reference: str = "",
    replaces_id: int | None = None,
) -> InternalDocument:
    case = _case_for_drafting(session, who, case_number)
    errors = _validate(doc_type, subject, body, recipients)
    if replaces_id is not None:
        old = session.get(InternalDocument, replaces_id)
        if old is None or old.expediente_id != case.id:
            errors["replaces"] = "El documento que se corrige no pertenece a este expediente."
        elif old.number:
            reference = (reference + "; " if reference else "") + f"Corrige {old.number}"
    if errors:
        raise InvalidInputs(errors)
    assert case.id is not None and who.user.id is not None
    doc = InternalDocument(
        expediente_id=case.id,
        unit_id=case.current_unit_id,
        doc_type=doc_type,
        subject=" ".join(subject.split()),
        body=body.strip(),
        recipients=recipients.strip(),
        reference=reference.strip()[:500],
        author_id=who.user.id,
        replaces_id=replaces_id,
        verify_code=secrets.token_hex(8).upper(),
    )
    session.add(doc)
    session.flush()
    records.classify_internal_document(session, doc)
    audit.record(
        session,
        actor=who.actor,
        action="redactar",
        object_type="documento",
        object_id=doc.id,
        data={"expediente": case.number, "tipo": doc_type, "asunto": doc.subject[:200]},
    )
    return doc


@act
def update_draft(
    session: Session,
    *,
    who: Principal,
    doc_id: int,
    version: int,
    subject: str,
    body: str,
    recipients: str = "",
    reference: str = "",
) -> InternalDocument:
    doc = own_draft(session, who, doc_id)
    errors = _validate(doc.doc_type, subject, body, recipients)
    if errors:
        raise InvalidInputs(errors)
    bump_version(
        session,
        doc,
        version,
        subject=" ".join(subject.split()),
        body=body.strip(),
        recipients=recipients.strip(),
        reference=reference.strip()[:500],
        updated_at=utcnow(),
    )
    audit.record(session, actor=who.actor, action="editar_borrador", object_type="documento", object_id=doc.id)
    return doc


@act
def discard_draft(session: Session, *, who: Principal, doc_id: int, version: int) -> InternalDocument:
    """The author drops a draft nobody signed (never sent, or returned): it stays on record as
    "Descartado", is never numbered and can no longer be edited or sent."""
    doc = own_draft(session, who, doc_id)
    bump_version(session, doc, version, status="descartado", updated_at=utcnow())
    audit.record(session, actor=who.actor, action="descartar_borrador", object_type="documento", object_id=doc.id)
    return doc


@query
def draft_to_edit(session: Session, who: Principal, doc_id: int) -> InternalDocument:
    """The author's own draft, to fill the edit form (Forbidden for anyone else or once sent)."""
    doc = own_draft(session, who, doc_id)
    session.expunge(doc)
    return doc


def own_draft(session: Session, who: Principal, doc_id: int) -> InternalDocument:
    doc = session.get(InternalDocument, doc_id)
    if doc is None:
        raise NotFound("Documento no encontrado.")
    if doc.author_id != who.user.id:
        raise Forbidden("Solo quien redactó el documento puede modificarlo.")
    records.ensure_open(session, doc.expediente_id)
    if doc.status != "borrador":
        raise Forbidden(
            "El documento ya no es un borrador: no se puede modificar. Para corregirlo, redacte uno "
            "nuevo que lo reemplace."
        )
    return doc


def bump_version(session: Session, doc: InternalDocument, version: int, **values) -> None:
    result = session.exec(
        update(InternalDocument)
        .where(col(InternalDocument.id) == doc.id, col(InternalDocument.version) == version)
        .values(version=col(InternalDocument.version) + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("El documento cambió mientras lo revisaba. Se actualizó la vista.")
    session.expire(doc)


def render_data(
    session: Session, doc: InternalDocument, *, institution: str, institution_short: str, draft: bool
) -> RenderData:
    unit = session.get_one(Unit, doc.unit_id)
    author = session.get(User, doc.author_id)
    case = session.get(Expediente, doc.expediente_id)
    title = doc.number or f"{DOC_TYPES[doc.doc_type].upper()} N° (se asigna al firmar)-{unit.code}/{institution_short}"
    when = doc.signed_at or utcnow()
    if when.tzinfo is None:  # SQLite gives naive UTC back
        when = when.replace(tzinfo=UTC)
    day = when.astimezone(LIMA).date()
    signer_name, signer_post = _signer_block(session, doc, unit)
    reference = reference_line(case.number if case else "", doc.reference)
    return RenderData(
        institution=institution,
        unit=unit.name if unit else "",
        title=title,
        recipients=doc.recipients,
        sender=f"{author.full_name} — {unit.name}" if author and unit else "",
        subject=doc.subject,
        reference=reference,
        date_text=date_long_es(day, unit.place if unit else "Lima"),
        body=doc.body,
        draft=draft,
        signer_name=signer_name,
        signer_post=signer_post,
        created=when,
    )


def _signer_block(session: Session, doc: InternalDocument, unit: Unit | None) -> tuple[str, str]:
    """Name and post of whoever signs the document (its firma step), for under the closing;
    ("", "") while nobody was chosen."""
    step = session.exec(  # this round's firma (a returned draft's earlier rounds are history)
        select(SignatureStep)
        .where(
            col(SignatureStep.internal_document_id) == doc.id,
            col(SignatureStep.role) == "firma",
            col(SignatureStep.status).not_in(("rechazado", "anulado")),
        )
        .order_by(col(SignatureStep.id).desc())
    ).first()
    signer = session.get(User, step.signer_id) if step else None
    if signer is None:
        return "", ""
    roles = set(
        session.exec(
            select(col(Membership.role)).where(
                col(Membership.user_id) == signer.id, col(Membership.unit_id) == doc.unit_id
            )
        ).all()
    )
    unit_name = unit.name if unit else ""
    if "head" in roles:
        post = f"Jefe(a) de {unit_name}" if unit_name else "Jefe(a) de unidad"
    elif "manager" in roles:
        post = f"Directivo(a) — {unit_name}" if unit_name else "Directivo(a)"
    else:
        post = unit_name
    return signer.full_name, post


def documents_of_case(session: Session, case_id: int) -> list[InternalDocument]:
    return list(
        session.exec(
            select(InternalDocument)
            .where(col(InternalDocument.expediente_id) == case_id)
            .order_by(col(InternalDocument.id))
        ).all()
    )


def document_by_code(session: Session, code: str) -> InternalDocument | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    return session.exec(select(InternalDocument).where(InternalDocument.verify_code == code)).first()


def today() -> date:
    return datetime.now(LIMA).date()


@query
def draft_pdf(session: Session, doc: InternalDocument) -> bytes:
    """A draft rendered now, with the BORRADOR mark and this installation's names."""
    return render(
        render_data(
            session,
            doc,
            institution=settings.INSTITUTION_NAME,
            institution_short=settings.INSTITUTION_SHORT,
            draft=True,
        )
    )
