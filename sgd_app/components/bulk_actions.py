"""/bandeja: the selection column, the bulk action bar, its forms, progress bar and per-case
results (issue 14, item 8). Bound to :class:`BulkState`; every check happens in the domain."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, OK, SMALL_INPUT, error_text, primary_button
from sgd_app.domain.vocabulary import PRIORITY_LABELS
from sgd_app.state.bandeja import BandejaState
from sgd_app.state.bandeja_bulk import BulkState

AREA = {**SMALL_INPUT, "min_height": "5rem", "padding": "0.5rem", "width": "100%"}
SMALL_BUTTON = {
    "min_height": "44px",
    "padding": "0 0.9rem",
    "border_radius": "8px",
    "border": f"1px solid {BRAND}",
    "background": "white",
    "color": BRAND,
    "font_weight": "600",
    "cursor": "pointer",
    "font_size": "0.95rem",
}


def selectable() -> rx.Var:
    """Tabs whose rows are cases one can act on in bulk."""
    t = BandejaState.tab
    return (t == "por_recibir") | (t == "en_tramite") | (t == "por_vencer")


def row_select(r: rx.Var) -> rx.Component:
    """The checkbox at the start of an inbox row (a 44 px target)."""
    return rx.cond(
        selectable(),
        rx.el.label(
            rx.checkbox(
                checked=BulkState.all_matching | BulkState.selected.contains(r["number"]),
                on_change=lambda checked: BulkState.toggle(r["number"], checked),
                aria_label="Seleccionar " + r["number"].to(str),
                size="3",
                class_name="seleccion-caso",
                custom_attrs={"data-numero": r["number"]},
            ),
            style={
                "display": "flex",
                "align_items": "center",
                "justify_content": "center",
                "min_width": "44px",
                "padding_left": "0.5rem",
                "cursor": "pointer",
            },
        ),
    )


def _small(*children, **props) -> rx.Component:
    style = {**SMALL_BUTTON, **props.pop("style", {})}
    return rx.el.button(*children, type="button", style=style, **props)


def _action(text: str, **props) -> rx.Component:
    none = ~BulkState.all_matching & (BulkState.count == 0)
    return _small(
        text,
        disabled=none | BulkState.running,
        style={
            "background": BRAND,
            "color": "white",
            "_disabled": {"background": "#9aa1a9", "border_color": "#9aa1a9"},
        },
        **props,
    )


def _field(label: str, control: rx.Component, fid: str, key: str) -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=fid, style={"font_weight": "600", "display": "block", "font_size": "0.95rem"}),
        control,
        error_text(BulkState.errors[key], field_id=fid),
        width="100%",
        min_width="0",
    )


def _derive_form() -> rx.Component:
    return rx.form(
        rx.grid(
            _field(
                "Unidad de destino",
                rx.el.select(
                    rx.el.option("Elija…", value=""),
                    rx.foreach(BulkState.unit_options, lambda u: rx.el.option(u[1], value=u[0])),
                    id="bloque-to_unit",
                    name="to_unit",
                    style={**SMALL_INPUT, "padding": "0 0.5rem", "width": "100%"},
                ),
                "bloque-to_unit",
                "to_unit",
            ),
            _field(
                "Prioridad",
                rx.el.select(
                    rx.el.option("Mantener la de cada expediente", value=""),
                    *[rx.el.option(label, value=code) for code, label in PRIORITY_LABELS.items()],
                    id="bloque-priority",
                    name="priority",
                    style={**SMALL_INPUT, "padding": "0 0.5rem", "width": "100%"},
                ),
                "bloque-priority",
                "priority",
            ),
            _field(
                "Plazo (días hábiles, opcional)",
                rx.el.input(
                    id="bloque-due_days", name="due_days", input_mode="numeric", style={**SMALL_INPUT, "width": "100%"}
                ),
                "bloque-due_days",
                "due_days",
            ),
            columns=rx.breakpoints(initial="1", sm="3"),
            gap="0.75rem",
            width="100%",
        ),
        _field(
            "Proveído (instrucciones, el mismo para todos)",
            rx.el.textarea(id="bloque-instructions", name="instructions", max_length=2000, style=AREA),
            "bloque-instructions",
            "instructions",
        ),
        rx.flex(
            primary_button("Derivar los seleccionados", type="submit", style={"min_height": "44px"}),
            _small("Cancelar", on_click=BulkState.close_action),
            gap="0.75rem",
            wrap="wrap",
            margin_top="0.75rem",
        ),
        on_submit=BulkState.run,
        reset_on_submit=False,
        id="form-bloque-derivar",
    )


def _archive_form() -> rx.Component:
    return rx.form(
        _field(
            "Motivo del archivo (el mismo para todos)",
            rx.el.textarea(id="bloque-reason", name="reason", max_length=2000, style=AREA),
            "bloque-reason",
            "reason",
        ),
        rx.flex(
            primary_button("Archivar los seleccionados", type="submit", style={"min_height": "44px"}),
            _small("Cancelar", on_click=BulkState.close_action),
            gap="0.75rem",
            wrap="wrap",
            margin_top="0.75rem",
        ),
        on_submit=BulkState.run,
        reset_on_submit=False,
        id="form-bloque-archivar",
    )


def _results() -> rx.Component:
    return rx.box(
        rx.el.progress(
            value=BulkState.progress,
            max=100,
            aria_label="Avance de la acción en bloque",
            style={"width": "100%", "height": "14px", "accent_color": BRAND},
            id="avance-bloque",
        ),
        rx.flex(
            rx.text(
                rx.cond(BulkState.running, "Procesando: ", "Terminado: "),
                BulkState.done,
                " de ",
                BulkState.run_total,
                size="2",
                color=INK,
                weight="medium",
                id="avance-bloque-texto",
                aria_live="polite",
            ),
            rx.cond(
                ~BulkState.running,
                _small("Cerrar resultados", on_click=BulkState.clear_results, id="cerrar-resultados"),
            ),
            justify="between",
            align="center",
            gap="0.5rem",
            margin_top="0.25rem",
        ),
        rx.cond(
            BulkState.summary != "",
            rx.text(BulkState.summary, id="resumen-bloque", role="status", size="2", weight="bold", color=INK),
        ),
        rx.el.ul(
            rx.foreach(
                BulkState.results,
                lambda r: rx.el.li(
                    r["line"],
                    style={
                        "color": rx.cond(r["ok"] != "", OK, ERROR),
                        "padding": "0.15rem 0",
                        "overflow_wrap": "anywhere",
                    },
                ),
            ),
            id="resultados-bloque",
            aria_label="Resultado por expediente",
            style={
                "margin": "0.5rem 0 0",
                "padding": "0 0 0 1.1rem",
                "max_height": "min(16rem, 40vh)",
                "overflow_y": "auto",
                "font_size": "0.9rem",
            },
        ),
    )


def _has_selection() -> rx.Var:
    return BulkState.all_matching | (BulkState.count > 0)


def _count_text(fid: str = "cuenta-seleccion", live: bool = True) -> rx.Component:
    return rx.text(
        rx.cond(
            BulkState.all_matching,
            rx.text.span("Seleccionados: los ", BandejaState.total, " que coinciden con los filtros"),
            rx.text.span(BulkState.count, " seleccionado(s)"),
        ),
        size="2",
        color=INK,
        weight="medium",
        id=fid,
        **({"aria_live": "polite"} if live else {}),
    )


def bulk_bar() -> rx.Component:
    """Above the list: how to select, and what is selected."""
    return rx.cond(
        selectable() & (BandejaState.rows.length() > 0),
        rx.box(
            rx.flex(
                _small("Seleccionar todos en esta página", on_click=BulkState.select_page, id="seleccionar-pagina"),
                _small(
                    "Seleccionar todos los ",
                    BandejaState.total,
                    " que coinciden con los filtros",
                    on_click=BulkState.select_matching,
                    id="seleccionar-todos",
                ),
                rx.cond(
                    _has_selection(),
                    _small("Quitar selección", on_click=BulkState.clear_selection, id="quitar-seleccion"),
                ),
                gap="0.5rem",
                wrap="wrap",
            ),
            rx.box(_count_text(), margin_top="0.5rem"),
            error_text(BulkState.errors["seleccion"], field_id="bloque-seleccion"),
            error_text(BulkState.errors["accion"], field_id="bloque-accion"),
            role="region",
            aria_label="Selección de expedientes",
            id="seleccion-bloque",
            style={
                "background": "white",
                "border": "1px solid #d8dde3",
                "border_radius": "12px",
                "padding": "0.75rem 1rem",
                "margin_bottom": "1rem",
            },
        ),
    )


def bulk_footer() -> rx.Component:
    """After the list, stuck to the bottom of the screen while the list scrolls (a phone reaches
    the actions from any row): the actions on the selection, then the progress and the results."""
    shown = (selectable() & _has_selection()) | BulkState.running | (BulkState.results.length() > 0)
    return rx.cond(
        shown,
        rx.box(
            rx.cond(
                selectable() & _has_selection() & ~BulkState.running,
                rx.flex(
                    _count_text("cuenta-seleccion-acciones", live=False),
                    rx.flex(
                        rx.cond(
                            BandejaState.tab == "por_recibir",
                            _action("Recibir", on_click=BulkState.receive_selected, id="bloque-recibir"),
                            rx.fragment(
                                _action("Derivar…", on_click=BulkState.open_action("derivar"), id="bloque-derivar"),
                                rx.cond(
                                    BandejaState.is_head,
                                    _action(
                                        "Archivar…", on_click=BulkState.open_action("archivar"), id="bloque-archivar"
                                    ),
                                ),
                            ),
                        ),
                        gap="0.5rem",
                        wrap="wrap",
                    ),
                    justify="between",
                    align="center",
                    gap="0.5rem",
                    wrap="wrap",
                ),
            ),
            rx.cond(BulkState.running | (BulkState.results.length() > 0), _results()),
            role="region",
            aria_label="Acciones en bloque",
            id="acciones-bloque",
            style={
                "position": "sticky",
                "bottom": "0",
                "z_index": "20",
                "background": "white",
                "border": f"2px solid {BRAND}",
                "border_radius": "12px",
                "padding": "0.6rem 1rem",
                "margin_top": "0.75rem",
                "box_shadow": "0 -4px 16px rgba(31, 35, 40, 0.12)",
            },
        ),
    )


def bulk_dialog() -> rx.Component:
    """The derivation or archive form for the whole selection, over the page."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(BulkState.dialog_kind == "archivar", "Archivar en bloque", "Derivar en bloque")),
            rx.dialog.description(
                rx.cond(
                    BulkState.all_matching,
                    rx.text.span("Los ", BandejaState.total, " expedientes que coinciden con los filtros."),
                    rx.text.span(BulkState.count, " expediente(s) seleccionado(s)."),
                ),
                " Cada uno se revisa por separado; si alguno no se puede, los demás siguen.",
                size="2",
                color=MUTED,
                margin_bottom="0.75rem",
            ),
            rx.cond(BulkState.dialog_kind == "archivar", _archive_form(), _derive_form()),
            max_width="40rem",
        ),
        open=(BulkState.action == "derivar") | (BulkState.action == "archivar"),
        on_open_change=BulkState.dialog_changed,
    )
