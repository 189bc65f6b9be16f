"""/auditoria — the audit trail for administrators and managers: filters, pages of events, CSV
export and the chain's verification."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import notice
from sgd_app.components.page import staff_page
from sgd_app.components.ui import ERROR, INK, MUTED, OK, card, error_text, link_button, primary_button, secondary_button
from sgd_app.domain.audit_viewer import NOT_ALLOWED
from sgd_app.state.auditoria import AuditoriaState

_INPUT = {
    "width": "100%",
    "min_height": "44px",
    "font_size": "1rem",
    "padding": "0 0.6rem",
    "border": "1px solid #7b8590",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
_LABEL = {"font_weight": "600", "display": "block", "margin_bottom": "0.25rem"}


def _field(label: str, key: str, control: rx.Component) -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=f"au-{key}", style=_LABEL),
        control,
        error_text(AuditoriaState.errors[key], field_id=f"au-{key}"),
        min_width="0",
    )


def _input(key: str, **props) -> rx.Component:
    return rx.el.input(
        id=f"au-{key}",
        name=key,
        default_value=AuditoriaState.f[key],
        style=_INPUT,
        aria_invalid=rx.cond(AuditoriaState.errors[key] != "", "true", "false"),
        aria_describedby=f"au-{key}-error",
        **props,
    )


def _filters() -> rx.Component:
    return card(
        rx.el.form(
            rx.box(
                _field("N° de expediente", "numero", _input("numero", placeholder="EXP-2026-000123")),
                _field("Usuario", "usuario", _input("usuario", placeholder="nombre de usuario")),
                _field(
                    "Acción",
                    "accion",
                    rx.el.select(
                        rx.el.option("Todas", value=""),
                        rx.foreach(AuditoriaState.action_options, lambda a: rx.el.option(a, value=a)),
                        id="au-accion",
                        name="accion",
                        style=_INPUT,
                    ),
                ),
                _field("Desde", "desde", _input("desde", type="date")),
                _field("Hasta", "hasta", _input("hasta", type="date")),
                style={
                    "display": "grid",
                    "grid_template_columns": ["1fr", "1fr 1fr", "repeat(5, minmax(0,1fr))"],
                    "gap": "0.75rem",
                },
            ),
            rx.flex(
                primary_button("Filtrar", type="submit", id="filtrar-auditoria"),
                link_button(
                    "Exportar CSV",
                    href=AuditoriaState.export_url,
                    primary=False,
                    download=True,
                    style={"width": "auto", "display": "inline-flex"},
                ),
                gap="0.75rem",
                wrap="wrap",
                margin_top="0.75rem",
            ),
            on_submit=AuditoriaState.search,
            reset_on_submit=False,
            no_validate=True,
        ),
        style={"margin_bottom": "1rem"},
    )


def _chain() -> rx.Component:
    return rx.flex(
        rx.cond(
            AuditoriaState.chain == "ok",
            rx.icon("shield-check", size=20, color=OK, aria_hidden="true"),
            rx.cond(
                AuditoriaState.chain == "broken",
                rx.icon("shield-alert", size=20, color=ERROR, aria_hidden="true"),
                rx.icon("loader", size=20, color=MUTED, aria_hidden="true"),
            ),
        ),
        rx.text(
            AuditoriaState.chain_text,
            weight="medium",
            color=rx.cond(AuditoriaState.chain == "broken", ERROR, rx.cond(AuditoriaState.chain == "ok", OK, MUTED)),
        ),
        id="cadena",
        role="status",
        gap="0.5rem",
        align="center",
        margin_bottom="1rem",
    )


_TD = {"padding": "0.4rem"}


def _event(r: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(r["seq"], style=_TD),
        rx.el.td(r["at"], style={**_TD, "white_space": "nowrap"}),
        rx.el.td(r["user"], style={**_TD, "min_width": "9rem"}),
        rx.el.td(r["action"], style={**_TD, "white_space": "nowrap"}),
        rx.el.td(r["object"], style={**_TD, "min_width": "8rem"}),
        rx.el.td(r["data"], style={**_TD, "color": MUTED, "word_break": "break-word", "min_width": "14rem"}),
        rx.el.td(rx.el.code(r["hash"]), style={**_TD, "font_size": "0.8rem", "white_space": "nowrap"}),
        style={"border_bottom": "1px solid #eceff2", "vertical_align": "top"},
    )


def _table() -> rx.Component:
    th = {"text_align": "left", "padding": "0.4rem", "border_bottom": "2px solid #d8dde3", "white_space": "nowrap"}
    return rx.box(
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    *[
                        rx.el.th(h, scope="col", style=th)
                        for h in ("N°", "Fecha y hora", "Usuario", "Acción", "Objeto", "Datos", "Huella")
                    ]
                )
            ),
            rx.el.tbody(rx.foreach(AuditoriaState.rows, _event)),
            style={"width": "100%", "border_collapse": "collapse", "font_size": "0.9rem"},
            id="eventos",
        ),
        style={"overflow_x": "auto"},
    )


def _pager() -> rx.Component:
    return rx.flex(
        secondary_button(
            "Anterior",
            type="button",
            on_click=AuditoriaState.previous_page,
            disabled=AuditoriaState.page_no <= 1,
        ),
        rx.text("Página ", AuditoriaState.page_no, color=MUTED),
        secondary_button(
            "Siguiente", type="button", on_click=AuditoriaState.next_page, disabled=~AuditoriaState.has_next
        ),
        gap="0.75rem",
        align="center",
        margin_top="1rem",
    )


def _content() -> rx.Component:
    return rx.box(
        _chain(),
        _filters(),
        rx.cond(
            AuditoriaState.errors["general"] != "",
            rx.text(AuditoriaState.errors["general"], color=ERROR, role="alert"),
        ),
        rx.cond(
            AuditoriaState.rows.length() == 0,
            rx.text("No hay eventos con estos filtros.", color=MUTED, id="sin-eventos"),
            _table(),
        ),
        _pager(),
    )


@staff_page(routes.AUDITORIA, title="Auditoría", on_load=AuditoriaState.load)
def auditoria() -> rx.Component:
    return rx.fragment(
        notice(AuditoriaState),
        rx.cond(
            AuditoriaState.allowed,
            _content(),
            rx.cond(
                AuditoriaState.denied,
                card(rx.text(NOT_ALLOWED, id="sin-permiso", role="alert")),
                rx.text("Cargando…", color=MUTED, role="status"),
            ),
        ),
    )
