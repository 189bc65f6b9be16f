"""The electronic file of a closed case: its sealed foliation index and its export package.
Staff who may see the case get them (404 otherwise, 409 while the case is open)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from sgd_app.api.deps import CaseNumber, CurrentStaff
from sgd_app.api.responses import file_headers, pdf_response
from sgd_app.domain import archive, dossier

router = APIRouter()


@router.get("/api/v1/expedientes/{number}/indice.pdf")
def index_pdf(number: CaseNumber, who: CurrentStaff) -> Response:
    """The foliation index of the closed case, sealed (PAdES B-LTA) with its JSON attached."""
    return pdf_response(dossier.index_pdf(who, number), f"indice-{number}.pdf")


@router.get("/api/v1/expedientes/{number}/paquete.zip")
def package_zip(number: CaseNumber, who: CurrentStaff) -> Response:
    """The export package of the closed case (documents, index, hoja de ruta, audit, manifest)."""
    return Response(
        dossier.export_package(who, number),
        media_type="application/zip",
        headers=file_headers(f"paquete-{number}.zip"),
    )


@router.get("/api/v1/archivo/inventarios/{inventory_id}.pdf")
def inventory_pdf(inventory_id: int, who: CurrentStaff) -> Response:
    """A transfer inventory or elimination proposal, sealed (PAdES B-LTA), with its JSON attached:
    for the central archive's head and the committee (404 otherwise)."""
    return pdf_response(archive.inventory_pdf(who, inventory_id), f"inventario-{inventory_id}.pdf")
