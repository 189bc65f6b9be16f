"""/buscar — search box, filters, ranked results with highlighted snippets, pages."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import notice
from sgd_app.components.page import staff_page
from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, SMALL_INPUT, card, primary_button, secondary_button
from sgd_app.state.buscar import BuscarState

_LABEL = {"font_size": "0.9rem", "font_weight": "600", "display": "block", "margin_bottom": "0.2rem"}
_SELECT = {**SMALL_INPUT, "padding": "0 0.5rem"}


def _field(label: str, control: rx.Component, fid: str) -> rx.Component:
    return rx.box(rx.el.label(label, html_for=fid, style=_LABEL), control, min_width="0")


def _select(fid: str, name: str, first: str, options) -> rx.Component:
    return rx.el.select(
        rx.el.option(first, value=""),
        rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
        id=fid,
        name=name,
        default_value=BuscarState.filters[name],
        style=_SELECT,
    )


def _form() -> rx.Component:
    return card(
        rx.form(
            rx.el.label("Buscar expedientes y documentos", html_for="q", style=_LABEL),
            rx.flex(
                rx.el.input(
                    id="q",
                    name="q",
                    type="search",
                    default_value=BuscarState.query,
                    auto_complete="off",
                    placeholder="Número, DNI o RUC, nombre, asunto o palabras del documento",
                    style={**SMALL_INPUT, "flex": "1", "min_width": "0", "font_size": "1.05rem"},
                ),
                primary_button("Buscar", type="submit", style={"min_height": "44px"}),
                gap="0.5rem",
                align="center",
            ),
            rx.text(
                "Sin tildes también funciona («resolucion» encuentra «resolución»); termine una palabra con * "
                "para buscar por su comienzo (mínimo 3 letras).",
                size="1",
                color=MUTED,
                margin_top="0.3rem",
            ),
            rx.el.details(
                rx.el.summary(
                    "Filtros",
                    style={
                        "cursor": "pointer",
                        "font_weight": "600",
                        "min_height": "44px",
                        "padding_top": "0.6rem",
                        "color": INK,
                    },
                ),
                rx.grid(
                    _field(
                        "Unidad", _select("b-unit", "unit_id", "Todas mis unidades", BuscarState.unit_options), "b-unit"
                    ),
                    _field(
                        "Trámite", _select("b-proc", "procedure_id", "Todos", BuscarState.procedure_options), "b-proc"
                    ),
                    _field("Estado", _select("b-status", "status", "Todos", BuscarState.status_options), "b-status"),
                    _field(
                        "Presentado desde",
                        rx.el.input(
                            type="date",
                            id="b-from",
                            name="date_from",
                            default_value=BuscarState.filters["date_from"],
                            style=SMALL_INPUT,
                        ),
                        "b-from",
                    ),
                    _field(
                        "Presentado hasta",
                        rx.el.input(
                            type="date",
                            id="b-to",
                            name="date_to",
                            default_value=BuscarState.filters["date_to"],
                            style=SMALL_INPUT,
                        ),
                        "b-to",
                    ),
                    _field(
                        "Canal",
                        rx.el.select(
                            rx.el.option("Todos", value=""),
                            rx.el.option("Virtual", value="virtual"),
                            rx.el.option("Presencial", value="presencial"),
                            id="b-channel",
                            name="channel",
                            default_value=BuscarState.filters["channel"],
                            style=_SELECT,
                        ),
                        "b-channel",
                    ),
                    _field(
                        "Prioridad",
                        rx.el.select(
                            rx.el.option("Todas", value=""),
                            rx.el.option("Normal", value="normal"),
                            rx.el.option("Urgente", value="urgente"),
                            id="b-priority",
                            name="priority",
                            default_value=BuscarState.filters["priority"],
                            style=_SELECT,
                        ),
                        "b-priority",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2", md="4"),
                    gap="0.75rem",
                    margin_top="0.5rem",
                ),
            ),
            on_submit=BuscarState.submit,
            reset_on_submit=False,
            role="search",
            aria_label="Búsqueda",
            key=BuscarState.form_key,
        ),
        style={"margin_bottom": "1rem"},
    )


def _snippet(parts: rx.Var) -> rx.Component:
    # Plain text segments; matches in bold. Never HTML from the documents.
    return rx.text(
        rx.foreach(
            parts,
            lambda p: rx.cond(
                p[1] == "1",
                rx.el.mark(
                    p[0], style={"background": "#fde8ec", "color": INK, "font_weight": "700", "padding": "0 1px"}
                ),
                rx.text.span(p[0]),
            ),
        ),
        size="2",
        color=INK,
        style={"overflow_wrap": "anywhere"},
    )


def _hit(h: rx.Var, i: rx.Var) -> rx.Component:
    return card(
        rx.flex(
            rx.el.a(
                h["number"],
                href=routes.EXPEDIENTE_PREFIX + h["number"].to(str),
                style={
                    "color": BRAND,
                    "font_weight": "700",
                    "font_size": "1.05rem",
                    "min_height": "44px",
                    "display": "inline-flex",
                    "align_items": "center",
                },
            ),
            rx.text(h["status"], size="2", color=MUTED),
            rx.cond(h["priority"] != "", rx.text(h["priority"], size="2", color=ERROR, weight="bold")),
            gap="0.75rem",
            align="center",
            wrap="wrap",
        ),
        rx.text(h["subject"], weight="medium", style={"overflow_wrap": "anywhere"}),
        rx.text(h["filer"], " · ", h["procedure"], " · ", h["unit"], " · ", h["filed"], size="2", color=MUTED),
        rx.cond(
            BuscarState.snippets[i].length() > 0,
            rx.box(
                rx.text("En ", h["found_in"], ":", size="1", color=MUTED),
                _snippet(BuscarState.snippets[i]),
                margin_top="0.3rem",
                padding_left="0.6rem",
                border_left=f"3px solid {BRAND}",
            ),
        ),
        class_name="resultado",
        style={"margin_bottom": "0.6rem"},
    )


def _saved_list() -> rx.Component:
    """The person's saved searches: each reruns with one tap; × deletes it."""
    return rx.cond(
        BuscarState.saved.length() > 0,
        rx.box(
            rx.heading("Mis búsquedas guardadas", as_="h2", size="3", margin_bottom="0.4rem"),
            rx.el.ul(
                rx.foreach(
                    BuscarState.saved,
                    lambda s: rx.el.li(
                        rx.el.button(
                            rx.text(s["name"], weight="bold", color=BRAND),
                            rx.text(s["what"], size="1", color=MUTED, style={"overflow_wrap": "anywhere"}),
                            type="button",
                            on_click=BuscarState.run_saved(s["id"]),
                            class_name="busqueda-guardada",
                            style={
                                "flex": "1",
                                "min_width": "0",
                                "min_height": "44px",
                                "text_align": "left",
                                "background": "none",
                                "border": "none",
                                "cursor": "pointer",
                                "padding": "0.3rem 0",
                            },
                        ),
                        rx.el.button(
                            "×",
                            type="button",
                            aria_label="Eliminar la búsqueda " + s["name"].to(str),
                            on_click=BuscarState.delete_saved(s["id"]),
                            style={
                                "min_width": "44px",
                                "min_height": "44px",
                                "font_size": "1.3rem",
                                "background": "none",
                                "border": "none",
                                "color": MUTED,
                                "cursor": "pointer",
                            },
                        ),
                        style={
                            "display": "flex",
                            "align_items": "center",
                            "gap": "0.5rem",
                            "border_bottom": "1px solid #eef0f3",
                        },
                    ),
                ),
                id="busquedas-guardadas",
                style={"list_style": "none", "margin": "0", "padding": "0"},
            ),
            style={"margin_bottom": "1rem"},
        ),
    )


def _save_form() -> rx.Component:
    """Under the results: keep this search (the words and filters last searched) under a name."""
    return rx.form(
        rx.el.label("Guardar esta búsqueda como", html_for="nombre-busqueda", style=_LABEL),
        rx.flex(
            rx.el.input(
                id="nombre-busqueda",
                name="name",
                max_length=60,
                auto_complete="off",
                placeholder="Por ejemplo: Multas urgentes",
                aria_invalid=rx.cond(BuscarState.save_error != "", "true", "false"),
                aria_describedby="error-guardar",
                style={**SMALL_INPUT, "flex": "1", "min_width": "0"},
            ),
            secondary_button("Guardar", type="submit", style={"min_height": "44px"}),
            gap="0.5rem",
            align="center",
        ),
        rx.cond(
            BuscarState.save_error != "",
            rx.text(BuscarState.save_error, id="error-guardar", color=ERROR, size="2", margin_top="0.3rem"),
        ),
        on_submit=BuscarState.save_current,
        reset_on_submit=True,
        id="guardar-busqueda",
        style={"margin_top": "1rem"},
    )


@staff_page(routes.BUSCAR, title="Buscar", on_load=BuscarState.load)
def buscar() -> rx.Component:
    return rx.fragment(
        _form(),
        _saved_list(),
        rx.cond(
            BuscarState.error != "",
            rx.text(BuscarState.error, color=ERROR, role="alert", id="busqueda-error", margin_bottom="0.75rem"),
        ),
        rx.cond(
            BuscarState.searched & (BuscarState.error == ""),
            rx.flex(
                rx.text(BuscarState.total_label, weight="bold", id="total-resultados"),
                rx.text(BuscarState.order_label, size="2", color=MUTED),
                rx.text("(", BuscarState.elapsed, ")", size="1", color=MUTED),
                gap="0.6rem",
                align="baseline",
                wrap="wrap",
                margin_bottom="0.6rem",
                aria_live="polite",
            ),
        ),
        rx.box(rx.foreach(BuscarState.hits, _hit), id="resultados"),
        rx.cond(
            BuscarState.searched & ((BuscarState.page > 0) | BuscarState.has_next),
            rx.flex(
                secondary_button(
                    "Anterior",
                    on_click=BuscarState.previous_page,
                    disabled=BuscarState.page == 0,
                    type="button",
                    style={"min_height": "44px"},
                ),
                rx.text("Página ", BuscarState.page + 1, size="2", color=MUTED),
                secondary_button(
                    "Siguiente",
                    on_click=BuscarState.next_page,
                    disabled=~BuscarState.has_next,
                    type="button",
                    style={"min_height": "44px"},
                ),
                gap="0.75rem",
                align="center",
                justify="center",
                margin_top="0.5rem",
            ),
        ),
        rx.cond(BuscarState.searched & (BuscarState.error == ""), _save_form()),
        notice(BuscarState, focus=True),
    )
