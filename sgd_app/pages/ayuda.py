"""/ayuda — help and contact (phone, hours, address, e-mail from settings) and frequent questions;
and the Spanish page Reflex shows for every unknown address (its "404" route)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes, settings
from sgd_app.components.page import page
from sgd_app.components.ui import BRAND, INK, MUTED, card, link_button, shell

FAQ = [
    (
        "¿Cómo presento un documento?",
        "Entre a Mesa de Partes Virtual, elija el trámite (o «Solicitud general» si no está en la lista), "
        "complete sus datos, suba su documento en PDF (hasta 20 MB) y, si corresponde, sus anexos. Al "
        "enviar recibe un número de expediente y una clave: guárdelos.",
    ),
    (
        "¿Cómo sigo mi trámite?",
        "En Seguimiento escriba su número de expediente y su clave. Verá el estado, el historial y, "
        "cuando exista, la respuesta para descargar.",
    ),
    (
        "¿Cuáles son los plazos?",
        "La Mesa de Partes Virtual recibe documentos las 24 horas. Lo presentado en día inhábil o "
        "fuera del horario de atención se considera presentado el siguiente día hábil (Ley N° 31465). "
        "Si su trámite es observado, tiene el plazo que indica el aviso para subsanar.",
    ),
    (
        "¿Qué es la casilla electrónica?",
        "Es donde le llegan las observaciones, las respuestas y los avisos de sus trámites. Para abrirla "
        "escriba su documento de identidad y el código que le enviamos a su correo. También le avisamos "
        "por correo electrónico.",
    ),
    (
        "Olvidé mi clave o mi número de expediente",
        "El número y la clave se enviaron al correo que indicó al presentar. Revise también la carpeta "
        "de correo no deseado. Si no lo encuentra, abra su casilla electrónica con su documento de "
        "identidad: allí están sus expedientes. Si aún necesita ayuda, llámenos o escríbanos.",
    ),
]


def _contact_row(label: str, value: rx.Component | str) -> rx.Component:
    return rx.box(
        rx.text(label, size="2", color=MUTED, weight="medium"),
        rx.text(value, size="4", color=INK) if isinstance(value, str) else value,
        margin_bottom="0.75rem",
    )


def _question(question: str, answer: str) -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            question,
            style={"cursor": "pointer", "font_weight": "600", "padding": "0.75rem 0", "min_height": "44px"},
        ),
        rx.text(answer, size="3", color=INK, padding_bottom="0.75rem"),
        style={"border_bottom": "1px solid #d0d5db"},
    )


def _link(text: str, href: str) -> rx.Component:
    return rx.link(text, href=href, color=BRAND, size="4", weight="medium", style={"text_decoration": "underline"})


@page(routes.AYUDA, title="Ayuda y contacto", visit="ayuda", description="Teléfono, horario y preguntas frecuentes")
def ayuda() -> rx.Component:
    tel = "tel:" + "".join(c for c in settings.CONTACT_PHONE if c.isdigit() or c == "+")
    return shell(
        card(
            rx.heading("Contacto", as_="h2", size="5", margin_bottom="0.75rem"),
            _contact_row("Teléfono", _link(settings.CONTACT_PHONE, tel)),
            _contact_row("Horario de atención", settings.CONTACT_HOURS),
            _contact_row("Correo electrónico", _link(settings.CONTACT_EMAIL, f"mailto:{settings.CONTACT_EMAIL}")),
            _contact_row("Dirección", f"{settings.INSTITUTION_NAME}: {settings.CONTACT_ADDRESS}"),
            rx.text(
                "La Mesa de Partes Virtual recibe documentos las 24 horas, todos los días.",
                size="2",
                color=MUTED,
            ),
            id="contacto",
        ),
        rx.heading("Preguntas frecuentes", as_="h2", size="5", margin_top="1.5rem", margin_bottom="0.25rem"),
        rx.box(*[_question(q, a) for q, a in FAQ], id="preguntas"),
        rx.flex(
            link_button("Presentar un documento", href=routes.MESA_DE_PARTES),
            link_button("Seguir mi trámite", href=routes.SEGUIMIENTO, primary=False),
            gap="0.75rem",
            wrap="wrap",
            margin_top="1.5rem",
        ),
        title="Ayuda y contacto",
    )


@page(routes.NOT_FOUND, title="Página no encontrada")
def not_found() -> rx.Component:
    return shell(
        rx.text(
            "La dirección que abrió no existe o cambió. Revise el enlace o continúe desde aquí:",
            size="3",
            color=INK,
            id="no-encontrada",
        ),
        rx.flex(
            link_button("Ir al inicio", href=routes.HOME),
            link_button("Seguimiento de trámite", href=routes.SEGUIMIENTO, primary=False),
            link_button("Ayuda y contacto", href=routes.AYUDA, primary=False),
            gap="0.75rem",
            wrap="wrap",
            margin_top="1.25rem",
        ),
        title="No encontramos esta página",
    )
