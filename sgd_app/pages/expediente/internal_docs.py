"""The case page's internal documents: drafts, versions, sending to sign."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import (
    BRAND,
    MUTED,
    card,
    secondary_button,
)
from sgd_app.domain.drafting import DOC_TYPES
from sgd_app.pages.expediente.forms import AREA, FIELD, field_error, field_label, panel, submit_row
from sgd_app.pages.expediente.reviewers import reviewers_fieldset
from sgd_app.state.draft_template import DraftTemplateState
from sgd_app.state.expediente import ExpedienteState


def _discard(d: rx.Var) -> rx.Component:
    """Descartar asks first: the draft stays on record, but can no longer be sent."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Descartar",
                size="2",
                variant="soft",
                color_scheme="gray",
                type="button",
                aria_label="Descartar " + d["title"],
                style={"min_height": "40px"},
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("¿Descartar este borrador?"),
            rx.alert_dialog.description("Quedará registrado como descartado y ya no podrá enviarse a firma.", size="2"),
            rx.flex(
                rx.alert_dialog.cancel(secondary_button("Cancelar", type="button")),
                rx.alert_dialog.action(
                    rx.button(
                        "Sí, descartar",
                        on_click=ExpedienteState.discard_draft(d["id"]),
                        color_scheme="red",
                        type="button",
                        style={"min_height": "44px"},
                    )
                ),
                gap="0.75rem",
                justify="end",
                margin_top="1rem",
                wrap="wrap",
            ),
            style={"max_width": "min(92vw, 440px)"},
        ),
    )


def internal_docs() -> rx.Component:
    draft_form = panel(
        field_label("Tipo de documento", "campo-doc_type"),
        rx.el.select(
            *[rx.el.option(v, value=k) for k, v in DOC_TYPES.items()],
            id="campo-doc_type",
            name="doc_type",
            style=FIELD,
            on_change=DraftTemplateState.fill,
            on_mount=DraftTemplateState.fill(next(iter(DOC_TYPES))),
        ),
        field_error("doc_type"),
        field_label("Dirigido a", "campo-recipients"),
        rx.el.textarea(id="campo-recipients", name="recipients", style={**AREA, "min_height": "60px"}),
        field_error("recipients"),
        field_label("Asunto", "campo-subject"),
        rx.el.input(id="campo-subject", name="subject", style=FIELD),
        field_error("subject"),
        field_label("Referencia (opcional)", "campo-reference"),
        rx.el.input(id="campo-reference", name="reference", style=FIELD),
        field_label("Contenido", "campo-body"),
        rx.el.textarea(
            id="campo-body",
            name="body",
            default_value=DraftTemplateState.body,
            key=DraftTemplateState.key.to(str),
            style={**AREA, "min_height": "200px"},
        ),
        rx.cond(
            DraftTemplateState.template_name != "",
            rx.text("Empieza con la plantilla «", DraftTemplateState.template_name, "».", size="1", color=MUTED),
        ),
        rx.text("Separe los párrafos con una línea en blanco.", size="1", color=MUTED),
        field_error("body"),
        submit_row("Guardar borrador"),
        on_submit=ExpedienteState.create_draft,
    )
    edit_form = rx.box(  # the author corrects a draft (a returned one, or one not sent yet)
        panel(
            field_label("Dirigido a", "editar-recipients"),
            rx.el.textarea(
                id="editar-recipients",
                name="recipients",
                default_value=ExpedienteState.edit_doc["recipients"],
                style={**AREA, "min_height": "60px"},
            ),
            field_error("recipients"),
            field_label("Asunto", "editar-subject"),
            rx.el.input(
                id="editar-subject", name="subject", default_value=ExpedienteState.edit_doc["subject"], style=FIELD
            ),
            field_error("subject"),
            field_label("Referencia (opcional)", "editar-reference"),
            rx.el.input(
                id="editar-reference",
                name="reference",
                default_value=ExpedienteState.edit_doc["reference"],
                style=FIELD,
            ),
            field_label("Contenido", "editar-body"),
            rx.el.textarea(
                id="editar-body",
                name="body",
                default_value=ExpedienteState.edit_doc["body"],
                style={**AREA, "min_height": "200px"},
            ),
            rx.text("Separe los párrafos con una línea en blanco.", size="1", color=MUTED),
            field_error("body"),
            submit_row("Guardar cambios"),
            on_submit=ExpedienteState.save_draft,
        ),
        key=ExpedienteState.edit_doc["id"],
    )
    send_form = panel(
        rx.text("Enviar a firma: ", rx.el.strong(ExpedienteState.send_title), id="enviar-titulo", size="2"),
        reviewers_fieldset(),
        field_error("vistos"),
        rx.el.label(
            rx.el.input(type="checkbox", name="paralelo", style={"width": "20px", "height": "20px"}),
            rx.text("Los vistos buenos pueden darse a la vez, en cualquier orden (en paralelo)", size="2"),
            style={"display": "flex", "gap": "0.5rem", "align_items": "center", "margin_top": "0.5rem"},
        ),
        field_label("Firma (jefe de la unidad)", "campo-firmante"),
        rx.el.select(
            rx.el.option("Elija…", value=""),
            rx.foreach(ExpedienteState.head_options, lambda u: rx.el.option(u[1], value=u[0])),
            id="campo-firmante",
            name="firmante",
            style=FIELD,
        ),
        field_error("firmante"),
        submit_row("Enviar a firma"),
        on_submit=ExpedienteState.send_to_sign,
    )
    return card(
        rx.flex(
            rx.heading("Documentos emitidos", as_="h2", size="4"),
            rx.cond(
                ExpedienteState.can["atender"],
                secondary_button(
                    "Redactar documento",
                    on_click=ExpedienteState.open_panel("documento"),
                    type="button",
                    id="accion-redactar",
                    style={"min_height": "44px"},
                ),
            ),
            justify="between",
            align="center",
            wrap="wrap",
            gap="0.5rem",
        ),
        rx.cond(
            ExpedienteState.internal_docs.length() == 0,
            rx.text("Aún no hay documentos emitidos.", color=MUTED, size="2"),
        ),
        rx.foreach(
            ExpedienteState.internal_docs,
            lambda d: rx.flex(
                rx.box(
                    rx.flex(
                        rx.text(d["title"], weight="bold"),
                        rx.badge(d["status_label"], color_scheme="gray"),
                        gap="0.5rem",
                        wrap="wrap",
                        align="center",
                    ),
                    rx.text(d["subject"], size="2"),
                    rx.text("Redactó ", d["author"], size="1", color=MUTED),
                    rx.cond(
                        d["round"] != "",
                        rx.text(d["round"], size="1", color=MUTED, class_name="ronda-firma"),
                    ),
                    rx.cond(
                        d["returned"] != "",
                        rx.text(
                            d["returned"],
                            size="2",
                            class_name="devuelto",
                            style={
                                "background": "#fff4e5",
                                "border_left": "4px solid #8a4b00",
                                "color": "#5c3200",
                                "padding": "0.4rem 0.6rem",
                                "margin_top": "0.35rem",
                                "border_radius": "4px",
                            },
                        ),
                    ),
                    flex="1",
                    min_width="0",
                ),
                rx.flex(
                    rx.el.a(
                        "Ver PDF",
                        href="/api/v1/borradores/" + d["id"].to(str) + ".pdf",
                        target="_blank",
                        rel="noopener",
                        style={"color": BRAND, "padding": "0.5rem", "font_weight": "500"},
                    ),
                    rx.cond(
                        d["mine_draft"] != "",
                        rx.fragment(
                            rx.button(
                                "Editar",
                                on_click=ExpedienteState.open_edit(d["id"]),
                                size="2",
                                variant="soft",
                                type="button",
                                aria_label="Editar " + d["title"],
                                style={"min_height": "40px"},
                            ),
                            rx.button(
                                "Enviar a firma",
                                on_click=ExpedienteState.open_send(d["id"]),
                                size="2",
                                variant="soft",
                                type="button",
                                style={"min_height": "40px"},
                            ),
                            _discard(d),
                        ),
                    ),
                    gap="0.25rem",
                    align="center",
                    flex_shrink="0",
                ),
                gap="0.75rem",
                padding_y="0.5rem",
                border_bottom="1px solid #eceff2",
                align="center",
            ),
        ),
        rx.match(
            ExpedienteState.panel,
            ("documento", draft_form),
            ("editar", edit_form),
            ("enviar", send_form),
            rx.fragment(),
        ),
        style={"margin_bottom": "1rem"},
    )
