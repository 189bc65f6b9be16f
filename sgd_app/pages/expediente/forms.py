"""The case page's action forms: one panel per action, with its fields and their errors."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.notice import brief_rejections
from sgd_app.components.ui import (
    BRAND,
    ERROR,
    INK,
    MUTED,
    primary_button,
    secondary_button,
)
from sgd_app.domain import routing
from sgd_app.domain.vocabulary import PRIORITY_LABELS
from sgd_app.state.desk import DeskState
from sgd_app.state.expediente import ExpedienteState

FIELD = {
    "width": "100%",
    "min_height": "44px",
    "font_size": "1rem",
    "padding": "0 0.6rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
AREA = {**FIELD, "min_height": "96px", "padding": "0.5rem 0.6rem"}


def field_error(key: str) -> rx.Component:
    return rx.cond(
        ExpedienteState.errors[key] != "",
        rx.text(ExpedienteState.errors[key], color=ERROR, size="2", role="alert", id=f"{key}-error"),
    )


def field_label(text: str, fid: str) -> rx.Component:
    return rx.el.label(
        text, html_for=fid, style={"font_weight": "600", "display": "block", "margin": "0.6rem 0 0.25rem"}
    )


def panel(*children, on_submit) -> rx.Component:
    return rx.form(
        *children,
        on_submit=on_submit,
        reset_on_submit=False,
        style={"margin_top": "0.75rem", "padding_top": "0.75rem", "border_top": "1px solid #eceff2"},
    )


def submit_row(label: str) -> rx.Component:
    return rx.flex(
        primary_button(label, type="submit", id="confirmar", style={"min_height": "44px"}),
        secondary_button(
            "Cancelar", type="button", on_click=ExpedienteState.open_panel(""), style={"min_height": "44px"}
        ),
        gap="0.75rem",
        margin_top="0.75rem",
    )


def text_form(label: str, key: str, handler, submit: str) -> rx.Component:
    return panel(
        field_label(label, f"campo-{key}"),
        rx.el.textarea(id=f"campo-{key}", name=key, style=AREA, max_length=4000),
        field_error(key),
        submit_row(submit),
        on_submit=handler,
    )


def derive_form() -> rx.Component:
    return panel(
        field_label("Unidad de destino", "campo-to_unit"),
        rx.el.select(
            rx.el.option("Elija…", value=""),
            rx.foreach(ExpedienteState.unit_options, lambda u: rx.el.option(u[1], value=u[0])),
            id="campo-to_unit",
            name="to_unit",
            on_change=ExpedienteState.choose_unit,
            default_value=DeskState.suggested_unit,  # at the desk: the procedure's unit
            style=FIELD,
        ),
        field_error("to_unit"),
        field_label("Persona (opcional)", "campo-to_user"),
        rx.el.select(
            rx.el.option("Toda la unidad", value=""),
            rx.foreach(ExpedienteState.user_options, lambda u: rx.el.option(u[1], value=u[0])),
            id="campo-to_user",
            name="to_user",
            style=FIELD,
        ),
        field_error("to_user"),
        rx.el.fieldset(
            rx.el.legend("Copias para conocimiento", style={"font_weight": "600", "margin": "0.6rem 0 0.25rem"}),
            rx.box(
                rx.foreach(
                    ExpedienteState.copy_options,
                    lambda u: rx.el.label(
                        rx.el.input(type="checkbox", name="copia_" + u[0], style={"width": "20px", "height": "20px"}),
                        rx.text(u[1], size="2"),
                        style={"display": "flex", "gap": "0.5rem", "align_items": "center", "min_height": "36px"},
                    ),
                ),
                style={
                    "max_height": "180px",
                    "overflow_y": "auto",
                    "border": "1px solid #d8dde3",
                    "border_radius": "8px",
                    "padding": "0.25rem 0.6rem",
                },
            ),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        field_error("copies"),
        field_label("Proveído (instrucciones)", "campo-instructions"),
        rx.el.textarea(id="campo-instructions", name="instructions", style=AREA, max_length=2000),
        field_error("instructions"),
        rx.grid(
            rx.box(
                field_label("Prioridad", "campo-priority"),
                rx.el.select(
                    *[rx.el.option(v, value=k) for k, v in PRIORITY_LABELS.items()],
                    id="campo-priority",
                    name="priority",
                    default_value=ExpedienteState.h["priority_code"],
                    style=FIELD,
                ),
                field_error("priority"),
            ),
            rx.box(
                field_label("Plazo (días hábiles)", "campo-due_days"),
                rx.el.input(
                    id="campo-due_days",
                    name="due_days",
                    type="number",
                    min="1",
                    max="60",
                    placeholder="3",
                    style=FIELD,
                ),
                field_error("due_days"),
            ),
            columns="2",
            gap="0.75rem",
        ),
        submit_row("Derivar"),
        on_submit=ExpedienteState.derive,
    )


def attend_form() -> rx.Component:
    return panel(
        field_label("Cómo se atendió", "campo-summary"),
        rx.el.textarea(id="campo-summary", name="summary", style=AREA, max_length=2000),
        field_error("summary"),
        field_label("Respuesta firmada para el administrado (opcional)", "campo-answer"),
        rx.el.select(
            rx.el.option("Sin respuesta documental", value=""),
            rx.foreach(ExpedienteState.signed_docs, lambda d: rx.el.option(d[1], value=d[0])),
            id="campo-answer",
            name="answer",
            style=FIELD,
        ),
        rx.text("Se deposita en su casilla electrónica y se le avisa por correo.", size="1", color=MUTED),
        field_error("answer"),
        submit_row("Marcar como atendido"),
        on_submit=ExpedienteState.attend,
    )


def acumular_form() -> rx.Component:
    return panel(
        field_label("Número del expediente al que se acumula", "campo-into_number"),
        rx.el.input(id="campo-into_number", name="into_number", placeholder="EXP-2026-000123", style=FIELD),
        field_error("into_number"),
        submit_row("Acumular"),
        on_submit=ExpedienteState.accumulate,
    )


def priority_form() -> rx.Component:
    return panel(
        field_label("Nueva prioridad", "campo-priority"),
        rx.el.select(
            *[rx.el.option(v, value=k) for k, v in PRIORITY_LABELS.items()],
            id="campo-priority",
            name="priority",
            default_value=ExpedienteState.h["priority_code"],
            style=FIELD,
        ),
        field_error("priority"),
        submit_row("Cambiar prioridad"),
        on_submit=ExpedienteState.set_priority,
    )


def annex_form() -> rx.Component:
    return rx.box(
        rx.el.label(
            rx.upload(
                rx.text("Toque para elegir un PDF (máx. 10 MB)", weight="medium"),
                id="anexo-expediente",
                accept={"application/pdf": [".pdf"]},
                multiple=False,
                max_files=1,
                max_size=routing.MAX_ANNEX_BYTES,
                on_drop=ExpedienteState.upload_annex(rx.upload_files(upload_id="anexo-expediente")),
                on_drop_rejected=brief_rejections(ExpedienteState.annex_rejected),
                border=f"2px dashed {BRAND}",
                border_radius="12px",
                padding="1rem",
                background="white",
                cursor="pointer",
                min_height="64px",
                text_align="center",
            ),
            style={"display": "block"},
        ),
        field_error("annex"),
        style={"margin_top": "0.75rem"},
    )
