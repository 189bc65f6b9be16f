"""What staff print from a case: the cargo with the access key (the desk's copy for the citizen,
a real form post from the receipt screen so the key never travels in a URL), the folder's label
and the hoja de ruta. Only staff who may see the case (``access``) get them; 404 otherwise."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from sgd_app.api.deps import NO_NUL, CaseNumber, CurrentStaff
from sgd_app.api.responses import pdf_response
from sgd_app.domain import printing

router = APIRouter()
KeyField = Annotated[str, Form(max_length=40, pattern=NO_NUL)]


@router.post("/api/v1/cargo/{number}/copia.pdf")
def cargo_copy_pdf(number: CaseNumber, who: CurrentStaff, clave: KeyField = "") -> Response:
    """The cargo with the access key printed on it, for the citizen at the desk."""
    return pdf_response(printing.desk_copy(who, number, clave), f"cargo-{number}.pdf", inline=True)


@router.get("/api/v1/expedientes/{number}/etiqueta.pdf")
def label_pdf(number: CaseNumber, who: CurrentStaff) -> Response:
    """The adhesive label of the case's paper folder (100 x 50 mm)."""
    return pdf_response(printing.case_label(who, number), f"etiqueta-{number}.pdf", inline=True)


@router.get("/api/v1/expedientes/{number}/hoja-de-ruta.pdf")
def route_sheet_pdf(number: CaseNumber, who: CurrentStaff) -> Response:
    """The printable hoja de ruta of the case."""
    return pdf_response(printing.case_route_sheet(who, number), f"hoja-de-ruta-{number}.pdf", inline=True)
