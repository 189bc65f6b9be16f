"""The case page's printed pieces: the paper folder's label and the hoja de ruta (PDFs served
by /api/v1/expedientes/<número>/…, which check again that the viewer may see the case)."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND
from sgd_app.state.expediente import ExpedienteState

_LINK = {
    "display": "inline-flex",
    "align_items": "center",
    "gap": "0.4rem",
    "min_height": "44px",
    "padding": "0 0.9rem",
    "border": f"2px solid {BRAND}",
    "border_radius": "10px",
    "color": BRAND,
    "font_weight": "500",
    "text_decoration": "none",
    "background": "white",
}


def _pdf_link(icon: str, label: str, file: str, link_id: str, title: str) -> rx.Component:
    return rx.el.a(
        rx.icon(icon, size=18, aria_hidden="true"),
        label,
        href="/api/v1/expedientes/" + ExpedienteState.number + "/" + file,
        target="_blank",
        rel="noopener",
        title=title,
        id=link_id,
        style=_LINK,
    )


def print_links() -> rx.Component:
    return rx.flex(
        _pdf_link("tag", "Etiqueta", "etiqueta.pdf", "imprimir-etiqueta", "Etiqueta adhesiva para el folder (PDF)"),
        _pdf_link("printer", "Hoja de ruta", "hoja-de-ruta.pdf", "imprimir-hoja-de-ruta", "Hoja de ruta (PDF)"),
        gap="0.5rem",
        wrap="wrap",
        margin_top="0.75rem",
        id="impresiones",
    )
