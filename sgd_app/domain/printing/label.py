"""The adhesive label for the paper folder of a case: the number, the date and time of filing and
a QR code to the public tracking page, on a 100 x 50 mm page (the common roll of desk label
printers; it prints on any printer at 100 % scale too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from sgd_app import settings
from sgd_app.domain import access
from sgd_app.domain.auth import Principal
from sgd_app.domain.intake.pdf_text import fit_text
from sgd_app.domain.intake.receipt import qr_image
from sgd_app.domain.links import tracking_url
from sgd_app.domain.models import Procedure, Unit
from sgd_app.domain.printing.layout import BRAND, INK, MUTED, Sheet, lima, pdf_safe
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import CHANNEL_LABELS

LABEL_SIZE_MM = (100.0, 50.0)
QR_CAPTION = "Escanee para ver el estado"


@dataclass(frozen=True)
class LabelData:
    institution: str  # short name: "JNE"
    number: str
    received_at: datetime  # the real moment of filing (UTC)
    procedure: str
    unit: str
    folios: int
    channel: str  # "virtual" / "presencial"
    tracking_url: str  # in the QR code: no secret


def render_label_pdf(data: LabelData) -> bytes:
    """One label, 100 x 50 mm landscape."""
    w, h = LABEL_SIZE_MM
    pdf = Sheet(
        title=f"Etiqueta del expediente {data.number}",
        author=data.institution,
        created=data.received_at,
        orientation="L",
        format=(h, w),
    )
    pdf.set_margins(4, 3, 4)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    qr = 31.0
    text_w = w - 4 - qr - 6
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, w, 2.2, style="F")

    def line(text: str, size: float, style: str = "", color=INK, height: float = 0, family: str = "Helvetica"):
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.set_x(4)
        pdf.cell(
            text_w, height or size * 0.45, fit_text(pdf_safe(text, multiline=False), family, style, size, text_w - 2)
        )
        pdf.ln(height or size * 0.45)

    pdf.set_y(4.5)
    line(f"{data.institution} · Mesa de Partes", 7.5, "B", BRAND)
    pdf.ln(0.8)
    line("EXPEDIENTE N°", 6.5, "B", MUTED)
    line(data.number, 15, "B", INK, height=7)
    pdf.ln(0.6)
    received = lima(data.received_at)
    line("Fecha y hora de presentación", 6.5, "B", MUTED)
    line(f"{received:%d/%m/%Y %H:%M} (hora de Lima)", 9, "B")
    pdf.ln(0.8)
    line(data.procedure, 7)
    line(f"Destino: {data.unit}", 7)
    line(f"Folios: {data.folios} · {CHANNEL_LABELS.get(data.channel, data.channel)}", 7, color=MUTED)

    x = w - 4 - qr
    pdf.image(qr_image(data.tracking_url), x=x, y=4.5, w=qr, h=qr)
    pdf.set_font("Helvetica", "", 6)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(x - 2, 4.5 + qr + 0.5)
    pdf.cell(qr + 4, 3, QR_CAPTION, align="C")
    return bytes(pdf.output())


def label_data(session: Session, who: Principal, number: str) -> LabelData:
    case = access.get_case(session, who, number)
    procedure = session.get(Procedure, case.procedure_id)
    unit = session.get(Unit, case.current_unit_id)
    return LabelData(
        institution=settings.INSTITUTION_SHORT,
        number=case.number,
        received_at=case.received_at,
        procedure=procedure.name if procedure else "",
        unit=unit.name if unit else "",
        folios=case.folios,
        channel=case.channel,
        tracking_url=tracking_url(case.number),
    )


@query
def case_label(session: Session, who: Principal, number: str) -> bytes:
    """The label of case ``number`` for staff who may see it (NotFound otherwise)."""
    return render_label_pdf(label_data(session, who, number))
