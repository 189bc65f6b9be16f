"""/verificar and /mirador: their full versions come with the signing and dashboard issues."""
from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import MUTED, card, link_button, shell


def verificar() -> rx.Component:
    return shell(
        card(
            rx.text("Aquí podrá comprobar la autenticidad de un cargo o de un documento firmado "
                    "digitalmente, con el código QR o subiendo el PDF.", size="3"),
            rx.text("Este servicio estará disponible próximamente. Mientras tanto, compare el SHA-256 de su "
                    "archivo con el que figura en su cargo desde la página de seguimiento.",
                    size="2", color=MUTED, margin_top="0.5rem"),
        ),
        rx.box(link_button("Ir a seguimiento", href="/seguimiento"), margin_top="1rem"),
        title="Verificar documento",
    )


def mirador() -> rx.Component:
    return shell(
        card(
            rx.text("El Mirador mostrará las cifras públicas del trámite digital: expedientes recibidos por "
                    "tipo y mes, canal virtual y presencial, y el papel ahorrado.", size="3"),
            rx.text("Disponible próximamente.", size="2", color=MUTED, margin_top="0.5rem"),
        ),
        title="Mirador",
    )
