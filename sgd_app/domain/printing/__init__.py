"""What the desk and the archive print: the cargo with the access key for the citizen at the
desk, the adhesive label of a case's paper folder, and the case's hoja de ruta."""

from sgd_app.domain.printing.cargo import WRONG_KEY, desk_copy
from sgd_app.domain.printing.label import LABEL_SIZE_MM, LabelData, case_label, render_label_pdf
from sgd_app.domain.printing.route_sheet import RouteSheet, case_route_sheet, render_route_sheet_pdf, route_sheet_data

__all__ = [
    "LABEL_SIZE_MM",
    "WRONG_KEY",
    "LabelData",
    "RouteSheet",
    "case_label",
    "case_route_sheet",
    "desk_copy",
    "render_label_pdf",
    "render_route_sheet_pdf",
    "route_sheet_data",
]
