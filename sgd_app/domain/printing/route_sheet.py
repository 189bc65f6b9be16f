"""The printable hoja de ruta of a case: its head, every step of its route (dates, units,
people, instructions, deadlines, receptions) with the vistos buenos and firmas among them, and a
table of every signature of its issued documents (signer, post, time). A4 portrait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fpdf.enums import XPos, YPos
from sqlmodel import Session

from sgd_app import settings
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import format_date_es
from sgd_app.domain.models import utcnow
from sgd_app.domain.printing.layout import BRAND, INK, MUTED, RULE, SHADE, Sheet, pdf_safe, stamp
from sgd_app.domain.routing.case_view import case_view
from sgd_app.domain.routing.signature_trail import signature_rows
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS

STATUS_OF_STEP = {"pendiente": "Pendiente", "firmado": "", "rechazado": "Devuelto"}


@dataclass(frozen=True)
class RouteSheet:
    institution: str
    number: str
    head: list[tuple[str, str]]  # (label, value) of the case
    entries: list[dict[str, Any]]  # case_view's timeline: movements, vistos buenos and firmas
    signatures: list[dict[str, Any]]  # signature_rows: every step of every issued document
    printed_at: datetime
    printed_by: str


def route_sheet_data(session: Session, who: Principal, number: str, *, now: datetime | None = None) -> RouteSheet:
    view = case_view(session, who, number)
    c = view.case
    assert c.id is not None
    filer = view.filer
    head = [
        ("Procedimiento", f"{view.procedure} ({view.category})" if view.category else view.procedure),
        ("Asunto", c.subject),
        ("Remitente", f"{filer.get('name', '')} · {filer.get('doc', '')}" if filer else ""),
        ("Canal", CHANNEL_LABELS.get(c.channel, c.channel)),
        ("Recibido", stamp(c.received_at) + " (hora de Lima)"),
        ("Fecha legal de presentación", format_date_es(c.filed_on)),
        ("Plazo legal", format_date_es(c.due_on)),
        ("Estado", STATUS_LABELS.get(c.status, c.status)),
        ("Prioridad", PRIORITY_LABELS.get(c.priority, c.priority)),
        ("Unidad a cargo", view.unit + (f" — {view.assigned_to}" if view.assigned_to else "")),
        ("Folios", str(c.folios)),
    ]
    head += [(label, value) for label, value in view.fields]
    return RouteSheet(
        institution=settings.INSTITUTION_NAME,
        number=c.number,
        head=head,
        entries=view.timeline,
        signatures=signature_rows(session, c.id),
        printed_at=now or utcnow(),
        printed_by=who.user.full_name,
    )


# ---------------------------------------------------------------------------- layout
_MARGIN = 15.0
_DATE_W = 27.0
_BY_W = 48.0


def _section(pdf: Sheet, title: str) -> None:
    if pdf.get_y() + 22 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(*BRAND)
    pdf.cell(pdf.epw, 5, title.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1)


Cols = list[tuple[float, list[tuple[str, str, float, tuple[int, int, int]]]]]


def _row(pdf: Sheet, cols: Cols, *, shade=False, header: Cols | None = None):
    """One table row: columns of (width, [(text, style, size, colour), ...]), each wrapped; the
    row starts a new page when it does not fit, repeating the table's ``header`` there."""
    wrapped = []
    for w, parts in cols:
        block: list[tuple[str, str, float, tuple[int, int, int], float]] = []
        for text, style, size, color in parts:
            if text:
                lh = size * 0.45
                block.extend((line, style, size, color, lh) for line in pdf.lines(text, w - 1, size, style))
        wrapped.append((w, block))
    pad = 1.3
    height = max(sum(b[4] for b in block) for _, block in wrapped) + 2 * pad
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
        if header:
            _row(pdf, header)
    top = pdf.get_y()
    if shade:
        pdf.set_fill_color(*SHADE)
        pdf.rect(pdf.l_margin, top, pdf.epw, height, style="F")
    x = pdf.l_margin
    for w, block in wrapped:
        pdf.set_xy(x, top + pad)
        for line, style, size, color, lh in block:
            pdf.set_font("Helvetica", style, size)
            pdf.set_text_color(*color)
            pdf.set_x(x)
            pdf.cell(w - 1, lh, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        x += w
    pdf.set_y(top + height)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())


def _entry_parts(e: dict[str, Any]) -> list[tuple[str, str, float, tuple[int, int, int]]]:
    where = ""
    if e["from"] and e["to"]:
        where = f"De {e['from']} a {e['to']}"
    elif e["to"]:
        where = f"A {e['to']}"
    elif e["from"]:
        where = e["from"]
    received = ""
    if e.get("received_at"):
        received = f"Recibido {stamp(e['received_at'])}" + (f" por {e['received_by']}" if e.get("received_by") else "")
    return [
        (e["title"], "B", 8.5, INK),
        (where, "", 8, INK),
        (
            f"Indicaciones: {e['text']}"
            if e["text"] and e["action"] in ("derivar", "copia", "devolver")
            else e["text"],
            "I",
            8,
            INK,
        ),
        (f"Plazo del paso: {format_date_es(e['due_on'])}" if e.get("due_on") else "", "", 7.5, MUTED),
        (received, "", 7.5, MUTED),
    ]


def render_route_sheet_pdf(sheet: RouteSheet) -> bytes:
    number = pdf_safe(sheet.number, multiline=False)
    pdf = Sheet(
        title=f"Hoja de ruta {sheet.number}",
        author=sheet.institution,
        created=sheet.printed_at,
        footer=f"Hoja de ruta · Expediente N° {number} · impresa el {stamp(sheet.printed_at)} por {sheet.printed_by}",
        orientation="P",
        format="A4",
    )
    pdf.set_margins(_MARGIN, 14, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, pdf.w, 4, style="F")
    pdf.set_y(11)
    pdf.text_block(sheet.institution.upper(), pdf.l_margin, pdf.epw, 13, "B", color=BRAND, lh=6)
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(pdf.epw, 6, "HOJA DE RUTA", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.text_block(f"Expediente N° {sheet.number}", pdf.l_margin, pdf.epw, 17, "B", color=BRAND, lh=8)

    _section(pdf, "Datos del expediente")
    for label, value in sheet.head:
        _row(pdf, [(48, [(label, "B", 8, MUTED)]), (pdf.epw - 48, [(value, "", 8.5, INK)])])

    _section(pdf, f"Recorrido ({len(sheet.entries)} pasos)")
    rest = pdf.epw - _DATE_W - _BY_W
    trail_head: Cols = [
        (_DATE_W, [("Fecha y hora", "B", 7.5, MUTED)]),
        (rest, [("Paso", "B", 7.5, MUTED)]),
        (_BY_W, [("Responsable", "B", 7.5, MUTED)]),
    ]
    _row(pdf, trail_head)
    for i, e in enumerate(sheet.entries, start=1):
        _row(
            pdf,
            [
                (_DATE_W, [(f"{i}. {stamp(e['at'])}", "", 8, INK)]),
                (rest, _entry_parts(e)),
                (_BY_W, [(e["by"], "", 8, INK)]),
            ],
            shade=e["action"] in ("visto_bueno", "firma"),
            header=trail_head,
        )

    _section(pdf, "Vistos buenos y firmas")
    if not sheet.signatures:
        pdf.text_block("Ningún documento de este expediente pasó a firma.", pdf.l_margin, pdf.epw, 8.5, color=MUTED)
    else:
        doc_w, role_w, at_w = 52.0, 22.0, 30.0
        who_w = pdf.epw - doc_w - role_w - at_w
        sign_head: Cols = [
            (doc_w, [("Documento", "B", 7.5, MUTED)]),
            (role_w, [("Tipo", "B", 7.5, MUTED)]),
            (who_w, [("Firmante", "B", 7.5, MUTED)]),
            (at_w, [("Fecha y hora", "B", 7.5, MUTED)]),
        ]
        _row(pdf, sign_head)
        for s in sheet.signatures:
            when = stamp(s["at"]) if s["status"] == "firmado" else STATUS_OF_STEP.get(s["status"], s["status"])
            if s["status"] == "rechazado" and s["at"]:
                when += f" {stamp(s['at'])}"
            _row(
                pdf,
                [
                    (doc_w, [(s["document"], "B", 8, INK), (s["subject"], "", 7.5, MUTED)]),
                    (role_w, [(s["role_label"], "", 8, INK)]),
                    (who_w, [(s["signer"], "", 8, INK), (s["post"], "", 7.5, MUTED)]),
                    (at_w, [(when, "", 8, INK)]),
                ],
                header=sign_head,
            )
    return bytes(pdf.output())


@query
def case_route_sheet(session: Session, who: Principal, number: str) -> bytes:
    """The hoja de ruta of case ``number`` as a PDF, for staff who may see it (NotFound otherwise)."""
    return render_route_sheet_pdf(route_sheet_data(session, who, number))
