"""The case page's "Enviar a otra entidad" panel and the list of packages sent (docs/interop.md).
Bound to state/interop.py's InteropSendState."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import ERROR, MUTED, info_row, primary_button, secondary_button
from sgd_app.pages.expediente.forms import AREA, FIELD, field_label, panel
from sgd_app.state.expediente import ExpedienteState
from sgd_app.state.interop import InteropSendState


def _doc(o: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            name="doc_" + o[0].to(str),
            id="doc-" + o[0].to(str),
            style={"width": "20px", "height": "20px", "flex_shrink": "0"},
        ),
        rx.text(o[1], " ", rx.text.span("(", o[2], ")", color=MUTED), size="2", style={"overflow_wrap": "anywhere"}),
        style={"display": "flex", "gap": "0.5rem", "align_items": "center", "min_height": "44px"},
    )


def send_form() -> rx.Component:
    return panel(
        field_label("Entidad destinataria", "campo-entidad"),
        rx.el.select(
            rx.el.option("Elija…", value=""),
            rx.foreach(InteropSendState.entity_options, lambda o: rx.el.option(o[1], " (RUC ", o[0], ")", value=o[0])),
            id="campo-entidad",
            name="entidad",
            style=FIELD,
        ),
        rx.text(
            "Documentos (el primero marcado va como principal; solo firmados y anexos)",
            size="2",
            weight="medium",
            margin_top="0.5rem",
        ),
        rx.cond(
            InteropSendState.doc_options.length() == 0,
            rx.text("Este expediente no tiene documentos firmados para enviar.", size="2", color=MUTED),
            rx.box(rx.foreach(InteropSendState.doc_options, _doc), id="documentos-envio"),
        ),
        field_label("Asunto", "campo-subject"),
        rx.el.input(id="campo-subject", name="subject", default_value=ExpedienteState.h["subject"], style=FIELD),
        field_label("Nota para la entidad (opcional)", "campo-note"),
        rx.el.textarea(id="campo-note", name="note", style=AREA),
        rx.cond(
            InteropSendState.error != "",
            rx.text(InteropSendState.error, color=ERROR, size="2", role="alert", id="envio-error"),
        ),
        rx.text(
            "Se envía un manifiesto firmado con el sello de la institución y los PDF tal cual; la entidad "
            "responde con su número de expediente y su cargo, que quedan en la hoja de ruta.",
            size="1",
            color=MUTED,
        ),
        rx.flex(
            primary_button("Enviar", type="submit", id="confirmar-envio", style={"min_height": "44px"}),
            secondary_button("Cancelar", type="button", on_click=InteropSendState.toggle, style={"min_height": "44px"}),
            gap="0.75rem",
            margin_top="0.75rem",
            wrap="wrap",
        ),
        on_submit=InteropSendState.send,
    )


def interop_box() -> rx.Component:
    """Below the actions: the button (who may route the case), the form, the packages sent."""
    return rx.box(
        rx.cond(
            ExpedienteState.can["derivar"] & ~InteropSendState.open,
            secondary_button(
                "Enviar a otra entidad",
                on_click=InteropSendState.toggle,
                type="button",
                id="accion-enviar-entidad",
                style={"min_height": "44px", "margin_top": "0.5rem"},
            ),
        ),
        rx.cond(InteropSendState.open, send_form()),
        rx.cond(
            InteropSendState.sends.length() > 0,
            rx.box(
                rx.text("Envíos a otras entidades", size="2", weight="medium", margin_top="0.75rem"),
                rx.foreach(
                    InteropSendState.sends,
                    lambda s: rx.box(
                        rx.text(
                            s["entidad"],
                            " — CUO ",
                            s["cuo"],
                            size="1",
                            color=MUTED,
                            style={"overflow_wrap": "anywhere"},
                        ),
                        rx.text(s["estado_texto"], size="2", weight="medium", style={"overflow_wrap": "anywhere"}),
                        rx.cond(
                            s["cargo_fuera"] != "",
                            rx.text(
                                "El expediente ya estaba cerrado: el cargo de la entidad se conserva con este envío "
                                "(SHA-256 ",
                                s["cargo_fuera"],
                                "), fuera del expediente archivado.",
                                size="1",
                                color=MUTED,
                                style={"overflow_wrap": "anywhere"},
                            ),
                        ),
                        class_name="envio-entidad",
                        padding_y="0.3rem",
                        border_bottom="1px solid #eceff2",
                    ),
                ),
                id="envios-entidades",
            ),
        ),
    )


def origin_rows() -> rx.Component:
    """The header's fields of a case received from another entity (issue 17)."""
    return rx.cond(
        InteropSendState.origin.contains("cuo"),
        rx.fragment(
            info_row("Entidad de origen", InteropSendState.origin["entidad"], id="origen-entidad"),
            info_row("CUO", InteropSendState.origin["cuo"], id="origen-cuo"),
            info_row(
                "Expediente del remitente", InteropSendState.origin["expediente_remitente"], id="origen-expediente"
            ),
        ),
    )
