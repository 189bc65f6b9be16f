"""/archivo — the central archive: holdings per series and stage, files due for transfer and for
disposal (with the ones blocked by a legal hold), legal holds, and the inventories (prepare, view
the sealed PDF, approve, execute an approved elimination)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import notice
from sgd_app.components.page import staff_page
from sgd_app.components.ui import ERROR, INK, MUTED, card, error_text, primary_button, secondary_button
from sgd_app.domain.archive import NOT_ALLOWED
from sgd_app.state.archivo import ArchivoState as S

_TABS = (
    ("resumen", "Fondos por serie"),
    ("transferir", "Por transferir"),
    ("eliminar", "Por eliminar"),
    ("retenidos", "Retenciones"),
    ("inventarios", "Inventarios"),
)
_TH = {"text_align": "left", "padding": "0.4rem", "border_bottom": "2px solid #d8dde3", "white_space": "nowrap"}
_TD = {"padding": "0.4rem", "vertical_align": "top"}
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


def _tabs() -> rx.Component:
    return rx.flex(
        *[
            rx.el.button(
                label,
                type="button",
                id=f"pestana-{key}",
                aria_pressed=rx.cond(S.tab == key, "true", "false"),
                on_click=S.show_tab(key),
                style={
                    "min_height": "44px",
                    "padding": "0 0.9rem",
                    "border_radius": "8px",
                    "border": "1px solid #1f3a5f",
                    "background": rx.cond(S.tab == key, "#1f3a5f", "white"),
                    "color": rx.cond(S.tab == key, "white", "#1f3a5f"),
                    "font_weight": "600",
                    "cursor": "pointer",
                },
            )
            for key, label in _TABS
        ],
        gap="0.5rem",
        wrap="wrap",
        margin_bottom="1rem",
        role="toolbar",
        aria_label="Secciones del archivo",
    )


# Below 48em (phones) the table becomes a list of cards: every row a block, every cell a line
# with its column's name in front (the header row is hidden).
def _phone_block(desktop: str) -> list[str]:
    return ["block", "block", desktop]


def _table(headers: tuple[str, ...], row) -> rx.Component:
    return rx.box(
        rx.el.table(
            rx.el.thead(
                rx.el.tr(*[rx.el.th(h, scope="col", style=_TH) for h in headers]),
                display=["none", "none", "table-header-group"],
            ),
            rx.el.tbody(rx.foreach(S.rows, row), display=_phone_block("table-row-group")),
            style={"width": "100%", "border_collapse": "collapse", "font_size": "0.9rem"},
            display=_phone_block("table"),
            id="tabla-archivo",
        ),
    )


def _tr(*cells) -> rx.Component:
    return rx.el.tr(
        *cells,
        style={"border_bottom": "1px solid #eceff2"},
        display=_phone_block("table-row"),
        padding=["0.5rem 0", "0.5rem 0", "0"],
    )


def _td(label: str, *children, **style) -> rx.Component:
    return rx.el.td(
        rx.el.span(label + ": ", display=["inline", "inline", "none"], font_weight="600", color=MUTED)
        if label
        else rx.fragment(),
        *children,
        style={**_TD, **style},
        display=_phone_block("table-cell"),
        padding=["0.15rem 0", "0.15rem 0", "0.4rem"],
    )


def _holdings(r) -> rx.Component:
    return _tr(
        _td("", rx.text(r["code"], weight="bold"), rx.text(r["name"], color=MUTED, size="2")),
        _td("Archivo de gestión", r["gestion"]),
        _td("Archivo central", r["central"]),
        _td("Eliminados", r["eliminado"]),
        _td("Retenidos", r["held"]),
    )


def _case_link(number) -> rx.Component:
    return rx.link(number, href=routes.EXPEDIENTE_PREFIX + number, weight="bold", color="#1f3a5f")


def _due(r) -> rx.Component:
    return _tr(
        _td("", _case_link(r["number"]), rx.text(r["subject"], color=MUTED, size="2")),
        _td("Serie", r["series"], min_width=["0", "0", "12rem"]),
        _td("Cerrado", r["closed"]),
        _td("Desde", r["due"]),
        _td("Estado", rx.cond(r["hold"] != "", rx.text(r["hold"], color=ERROR, weight="bold", as_="span"), "Libre")),
    )


def _hold(r) -> rx.Component:
    return _tr(
        _td("", _case_link(r["number"])),
        _td("Motivo", r["reason"], min_width=["0", "0", "12rem"]),
        _td("Desde", r["since"]),
        _td(
            "",
            rx.cond(
                S.is_archivist,
                rx.el.form(
                    rx.el.input(type="hidden", name="hold_id", value=r["id"]),
                    rx.el.label(
                        "Motivo para levantarla", html_for="levantar-" + r["id"], style={"font_size": "0.85rem"}
                    ),
                    rx.el.input(id="levantar-" + r["id"], name="reason", style=_INPUT),
                    secondary_button("Levantar", type="submit"),
                    on_submit=S.lift_hold,
                    reset_on_submit=True,
                    style={"display": "grid", "gap": "0.3rem", "min_width": "12rem"},
                ),
            ),
        ),
    )


def _inventory(r) -> rx.Component:
    return _tr(
        _td("", rx.text(r["number"], weight="bold"), rx.text(r["kind_label"], color=MUTED, size="2")),
        _td("Expedientes", r["files"]),
        _td("Estado", r["status_label"]),
        _td(
            "Preparó",
            r["prepared"],
            rx.cond(r["approved"] != "", rx.text("Aprobó: ", r["approved"], size="2")),
        ),
        _td(
            "",
            rx.flex(
                rx.link(
                    "Ver PDF",
                    href="/api/v1/archivo/inventarios/" + r["id"] + ".pdf",
                    is_external=True,
                    color="#1f3a5f",
                    weight="bold",
                ),
                rx.cond(
                    (r["status"] == "preparado")
                    & (
                        ((r["kind"] == "transferencia") & S.is_archivist)
                        | ((r["kind"] == "eliminacion") & S.is_committee)
                    ),
                    primary_button("Aprobar", type="button", on_click=S.approve(r["id"]), id="aprobar-" + r["id"]),
                ),
                rx.cond(
                    (r["status"] == "aprobado") & (r["kind"] == "eliminacion") & S.is_archivist,
                    primary_button(
                        "Ejecutar eliminación", type="button", on_click=S.execute(r["id"]), id="ejecutar-" + r["id"]
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
                align="center",
            ),
        ),
    )


def _hold_form() -> rx.Component:
    return card(
        rx.heading("Registrar una retención legal", as_="h2", size="4", margin_bottom="0.5rem"),
        rx.text(
            "Un expediente en litigio o en auditoría no se transfiere ni se elimina mientras la retención esté vigente.",
            color=MUTED,
            margin_bottom="0.5rem",
        ),
        rx.el.form(
            rx.box(
                rx.el.label("N° de expediente", html_for="ret-numero", style={"font_weight": "600"}),
                rx.el.input(id="ret-numero", name="number", placeholder="EXP-2026-000123", style=_INPUT),
            ),
            rx.box(
                rx.el.label("Motivo", html_for="ret-motivo", style={"font_weight": "600"}),
                rx.el.input(id="ret-motivo", name="reason", style=_INPUT, aria_describedby="ret-error"),
            ),
            error_text(S.hold_error, field_id="ret"),
            primary_button("Retener", type="submit", id="retener"),
            on_submit=S.set_hold,
            reset_on_submit=False,
            style={"display": "grid", "gap": "0.5rem", "grid_template_columns": ["1fr", "1fr", "1fr 2fr auto"]},
        ),
        style={"margin_bottom": "1rem"},
    )


def _body() -> rx.Component:
    return rx.match(
        S.tab,
        ("transferir", rx.fragment(
            rx.cond(S.is_archivist, rx.box(primary_button("Preparar inventario de transferencia", type="button", on_click=S.prepare("transferencia"),
                    id="preparar-transferencia"))),
            _table(("Expediente", "Serie", "Cerrado", "Transferible desde", "Estado"), _due),
        )),
        ("eliminar", rx.fragment(
            rx.cond(S.is_archivist, rx.box(primary_button("Preparar propuesta de eliminación", type="button", on_click=S.prepare("eliminacion"),
                    id="preparar-eliminacion"))),
            _table(("Expediente", "Serie", "Cerrado", "Eliminable desde", "Estado"), _due),
        )),
        ("retenidos", rx.fragment(
            rx.cond(S.is_archivist, _hold_form()),
            _table(("Expediente", "Motivo", "Desde", ""), _hold),
        )),
        ("inventarios", _table(("Inventario", "Expedientes", "Estado", "Preparó", ""), _inventory)),
        _table(("Serie", "Archivo de gestión", "Archivo central", "Eliminados", "Retenidos"), _holdings),
    )  # fmt: skip


def _pager() -> rx.Component:
    return rx.flex(
        secondary_button("Anterior", type="button", on_click=S.previous_page, disabled=S.page_no <= 1),
        rx.text("Página ", S.page_no, " de ", S.pages, " · ", S.total, " en total", color=MUTED, id="paginas"),
        secondary_button("Siguiente", type="button", on_click=S.next_page, disabled=S.page_no >= S.pages),
        gap="0.75rem",
        align="center",
        wrap="wrap",
        margin_top="1rem",
    )


def _content() -> rx.Component:
    return rx.box(
        _tabs(),
        rx.cond(
            S.error != "", rx.text(S.error, color=ERROR, role="alert", id="error-archivo", margin_bottom="0.75rem")
        ),
        rx.flex(_body(), direction="column", gap="0.75rem"),
        rx.cond(S.total == 0, rx.text("No hay registros en esta sección.", color=MUTED, id="sin-registros")),
        _pager(),
    )


@staff_page(routes.ARCHIVO, title="Archivo Central", on_load=S.load)
def archivo() -> rx.Component:
    return rx.fragment(
        notice(S),
        rx.cond(
            S.allowed,
            _content(),
            rx.cond(
                S.denied,
                card(rx.text(NOT_ALLOWED, id="sin-permiso", role="alert")),
                rx.text("Cargando…", color=MUTED, role="status"),
            ),
        ),
    )
