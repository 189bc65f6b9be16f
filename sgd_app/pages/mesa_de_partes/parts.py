"""Parts of the filing wizard (sgd_app/pages/mesa_de_partes/wizard.py): the procedure cards
(what each asks for before starting), the upload refusals and retry, the personal-data notice
and the offline banner."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar
from reflex_components_core.core.banner import has_connection_errors

from sgd_app import settings
from sgd_app.components.ui import INK, MUTED, card, error_text, primary_button, secondary_button
from sgd_app.domain.intake import ANNEX, PRINCIPAL
from sgd_app.state.mesa_de_partes import MesaDePartesState


def fact(label: str, value: Any) -> rx.Component:
    return rx.text(rx.text.strong(label, " "), value, size="2", color=INK)


def procedure_card(p: rx.Var) -> rx.Component:
    """What a procedure asks for, before starting: requirements, annexes, fee and deadline."""
    requirements = p["requirements"].to(list[str])
    annexes = p["annexes"].to(list[str])
    return rx.el.article(
        rx.flex(
            rx.badge(
                p["category"],
                color_scheme=rx.cond(p["category"] == "Jurisdiccional", "indigo", "gray"),
                variant="soft",
                size="2",
            ),
            rx.heading(p["name"], as_="h3", size="4", color=INK),
            rx.text(p["description"], size="2", color=MUTED),
            rx.cond(
                requirements.length() > 0,
                rx.box(
                    rx.text("Necesita:", size="2", weight="bold", color=INK),
                    rx.el.ul(
                        rx.foreach(requirements, lambda r: rx.el.li(r)),
                        style={
                            "margin": "0.2rem 0 0 1.1rem",
                            "font_size": "0.875rem",
                            "color": INK,
                            "list_style": "disc",
                        },
                    ),
                ),
            ),
            rx.cond(
                annexes.length() > 0,
                rx.box(
                    rx.text("Anexos que debe adjuntar:", size="2", weight="bold", color=INK),
                    rx.el.ul(
                        rx.foreach(annexes, lambda r: rx.el.li(r)),
                        style={
                            "margin": "0.2rem 0 0 1.1rem",
                            "font_size": "0.875rem",
                            "color": INK,
                            "list_style": "disc",
                        },
                    ),
                ),
            ),
            fact("Costo:", p["fee"]),
            fact("Plazo:", p["deadline"]),
            primary_button(
                "Empezar este trámite",
                on_click=MesaDePartesState.choose(p["code"]),
                type="button",
                aria_label="Empezar este trámite: " + p["name"].to(str),
                custom_attrs={"data-code": p["code"]},
                width="100%",
                margin_top="0.25rem",
            ),
            direction="column",
            gap="0.4rem",
            align="start",
        ),
        style={
            "width": "100%",
            "background": "white",
            "border": "1px solid #d0d5db",
            "border_radius": "12px",
            "padding": "1rem",
        },
    )


def placeholder() -> rx.Component:
    """The room of one card while the list arrives: nothing below moves when it comes (CLS)."""
    return rx.box(
        aria_hidden="true",
        style={
            "height": "300px",
            "border_radius": "12px",
            "background": "#f2f4f7",
            "border": "1px solid #e4e7ec",
        },
    )


def step_procedure() -> rx.Component:
    return rx.box(
        rx.text(
            "Elija el trámite que desea presentar. Puede hacerlo las 24 horas, todos los días. "
            "Si su pedido no está en la lista, elija «Solicitud general».",
            color=MUTED,
            margin_bottom="1rem",
        ),
        error_text(MesaDePartesState.errors["general"], field_id="general"),
        rx.cond(
            MesaDePartesState.procedures.length() == 0,
            rx.flex(
                rx.text("Cargando trámites…", color=MUTED, role="status"),
                *[placeholder() for _ in range(4)],
                direction="column",
                gap="0.75rem",
            ),
            rx.flex(rx.foreach(MesaDePartesState.procedures, procedure_card), direction="column", gap="0.75rem"),
        ),
        on_mount=MesaDePartesState.ensure_loaded,
    )


def obj(v: Any) -> ObjectVar:
    return v.to(ObjectVar, dict[str, Any])


def rejections(rejected: Any) -> Any:
    """Only each refused file's name, size and error codes go over the socket (never the File)."""

    def one(r: Any) -> dict[str, Any]:
        f = obj(obj(r)["file"])
        codes = obj(r)["errors"].to(ArrayVar, list[dict[str, Any]]).map(lambda e: obj(e)["code"])
        return {"name": f["name"], "size": f["size"], "codes": codes}

    return rejected.to(ArrayVar, list[dict[str, Any]]).map(one)


def retry(role: str, shown: rx.Var) -> rx.Component:
    """After a failed upload: "Reintentar" sends the same file again (assets/wizard.js keeps it)."""
    return rx.cond(
        shown,
        secondary_button(
            "Reintentar",
            type="button",
            id=f"reintentar-{role}",
            custom_attrs={
                "data-reintentar": role,
                "data-caja": rx.cond(MesaDePartesState.desk_mode, f"{role}-escaneo", role),
            },
            margin_bottom="0.75rem",
        ),
    )


def failure_signals() -> rx.Component:
    """Hidden buttons that assets/wizard.js clicks when an upload fails on the way."""
    return rx.fragment(
        *[
            rx.el.button(
                id=f"subida-fallida-{role}",
                type="button",
                on_click=MesaDePartesState.upload_failed(role),
                tab_index=-1,
                aria_hidden="true",
                style={"display": "none"},
            )
            for role in (PRINCIPAL, ANNEX)
        ]
    )


def privacy_notice() -> rx.Component:
    """Ley N.° 29733 (Protección de Datos Personales): purpose, who holds the data, the ARCO rights
    and how to exercise them; the filer acknowledges it before sending."""
    who = settings.INSTITUTION_NAME
    return card(
        rx.heading("Sus datos personales (Ley N.°\u00a029733)", as_="h3", size="3", margin_bottom="0.4rem"),
        rx.text(
            rx.text.strong("Para qué: "),
            f"el {who} usa los datos que nos da solo para atender este trámite, notificarle y llevar el "
            "registro que exige la ley. Solo los ven las oficinas que atienden su pedido; no se usan para "
            "otro fin ni se entregan a terceros, salvo mandato de la ley.",
            size="2",
            as_="p",
        ),
        rx.text(
            rx.text.strong("Quién los guarda: "),
            f"el {who}, en su banco de datos de personas que presentan documentos a la Mesa de Partes, "
            "por el tiempo que exigen las normas de archivo.",
            size="2",
            as_="p",
            margin_top="0.35rem",
        ),
        rx.text(
            rx.text.strong("Sus derechos: "),
            "puede pedir acceder a sus datos, corregirlos, cancelarlos u oponerse a su uso (derechos ARCO).",
            size="2",
            as_="p",
            margin_top="0.35rem",
        ),
        rx.text(
            rx.text.strong("Cómo ejercerlos: "),
            "presente una «Solicitud general» en esta Mesa de Partes Virtual diciendo qué derecho ejerce. "
            "Si no le atienden, puede reclamar ante la Autoridad Nacional de Protección de Datos Personales "
            "(Ministerio de Justicia y Derechos Humanos).",
            size="2",
            as_="p",
            margin_top="0.35rem",
        ),
        rx.box(
            rx.checkbox(
                "He leído cómo se usarán mis datos personales.",
                id="datos-personales-leido",
                default_checked=MesaDePartesState.privacy_ack,
                on_change=MesaDePartesState.set_privacy_ack,
                size="3",
                color_scheme="ruby",
            ),
            padding_top="0.6rem",
        ),
        error_text(MesaDePartesState.errors["privacy"], field_id="privacy"),
        style={"margin_bottom": "0.5rem"},
    )


def offline_banner() -> rx.Component:
    """Shown the moment the browser loses the network (assets/wizard.js marks <html>) or the
    socket fails; Continuar and Enviar are off meanwhile and everything typed stays."""
    return rx.fragment(
        rx.el.style("html:not([data-sin-conexion]) #sin-conexion:not(.activo){display:none}"),
        rx.box(
            rx.icon("wifi-off", size=20, aria_hidden="true", flex_shrink="0"),
            rx.text(
                rx.text.strong("Sin conexión. "),
                "Lo que escribió no se pierde. Podrá continuar y enviar cuando vuelva la conexión.",
            ),
            id="sin-conexion",
            class_name=rx.cond(has_connection_errors, "activo", ""),
            role="status",
            style={
                "display": "flex",
                "gap": "0.5rem",
                "align_items": "center",
                "background": "#fff4e5",
                "border": "1px solid #b54708",
                "color": "#5c2a00",
                "border_radius": "10px",
                "padding": "0.75rem",
                "margin_bottom": "1rem",
            },
        ),
    )
