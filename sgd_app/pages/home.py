"""/ — big entries for citizens and staff."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import page
from sgd_app.components.ui import BRAND, INK, MUTED, shell

ENTRIES = [
    (
        routes.MESA_DE_PARTES,
        "file-up",
        "Mesa de Partes Virtual",
        "Presente solicitudes, escritos y denuncias desde su celular, las 24 horas.",
    ),
    (
        routes.SEGUIMIENTO,
        "search",
        "Seguimiento de trámite",
        "Consulte el estado de su expediente con su número y clave.",
    ),
    (
        routes.CASILLA,
        "mail",
        "Casilla electrónica",
        "Sus notificaciones: observaciones, respuestas y avisos de su trámite.",
    ),
    (
        routes.VERIFICAR,
        "shield-check",
        "Verificar documento",
        "Compruebe que un cargo o documento firmado es auténtico.",
    ),
    (routes.MIRADOR, "chart-column", "Mirador", "Cifras públicas del trámite digital y del papel ahorrado."),
    (routes.INGRESAR, "log-in", "Ingresar (personal)", "Acceso del personal de la institución a su bandeja."),
]


def _entry(href: str, icon: str, title: str, text: str) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.box(
                rx.icon(icon, size=30, color="white", aria_hidden="true"),
                style={"background": BRAND, "border_radius": "12px", "padding": "0.7rem", "flex_shrink": "0"},
            ),
            rx.box(
                rx.text(title, weight="bold", size="5", color=INK),
                rx.text(text, size="2", color=MUTED),
            ),
            gap="1rem",
            align="center",
        ),
        href=href,
        underline="none",
        style={
            "display": "block",
            "background": "white",
            "border": "1px solid #d0d5db",
            "border_radius": "14px",
            "padding": "1rem",
            "min_height": "72px",
            "_hover": {"border_color": BRAND},
            "_focus_visible": {"outline": f"3px solid {BRAND}", "outline_offset": "2px"},
        },
    )


@page(routes.HOME, visit="inicio", description="Mesa de Partes Virtual y seguimiento de trámites")
def home() -> rx.Component:
    return shell(
        rx.text("Jurado Nacional de Elecciones", size="3", color=MUTED, weight="medium"),
        rx.heading("Trámite Digital", as_="h1", size="8", color=INK, margin_bottom="0.5rem"),
        rx.text(
            "Presente documentos y siga su trámite sin hacer colas ni imprimir papel. Lo que presente "
            "tiene el mismo valor legal que en la mesa de partes física.",
            size="3",
            color=INK,
            margin_bottom="1.25rem",
        ),
        rx.grid(*[_entry(*e) for e in ENTRIES], columns=rx.breakpoints(initial="1", md="2"), gap="0.75rem"),
    )
