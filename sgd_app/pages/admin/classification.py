"""/admin, Clasificación tab: the classification scheme (fondo → sección → serie → subserie) with
each series' retention, final disposition and access level — list, create and edit — and the
series of each procedure and internal document type."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.notice import notice
from sgd_app.components.ui import MUTED, error_text, primary_button, secondary_button
from sgd_app.domain.records.classification import ACCESS_LEVELS, DISPOSITIONS
from sgd_app.pages.admin.forms import INPUT, LABEL, ROW, SMALL_BUTTON, badge, item_list, section_head
from sgd_app.state.admin_records import ClassificationState as S

GRID = {
    "display": "grid",
    "grid_template_columns": ["minmax(0,1fr)", "minmax(0,1fr)", "repeat(2, minmax(0,1fr))"],
    "column_gap": "1rem",
}


def _field(label: str, control: rx.Component, field_id: str, key: str) -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=field_id, style=LABEL),
        control,
        error_text(S.errors[key], field_id=field_id),
        margin_bottom="1rem",
        min_width="0",
    )


def _input(label: str, key: str, **props) -> rx.Component:
    fid = f"serie-{key}"
    return _field(
        label,
        rx.el.input(
            id=fid,
            name=key,
            default_value=S.editing[key],
            style=INPUT,
            aria_invalid=rx.cond(S.errors[key] != "", "true", "false"),
            aria_describedby=f"{fid}-error",
            **props,
        ),
        fid,
        key,
    )


def _select(label: str, key: str, options: list[rx.Component]) -> rx.Component:
    fid = f"serie-{key}"
    return _field(
        label,
        rx.el.select(*options, id=fid, name=key, default_value=S.editing[key], style=INPUT),
        fid,
        key,
    )


def _form() -> rx.Component:
    return rx.el.form(
        rx.heading(
            rx.cond(S.editing["id"] != "", "Editar serie " + S.editing["code"], "Nueva serie documental"),
            size="3",
            margin_bottom="0.75rem",
        ),
        rx.box(
            _input("Código", "code", max_length=20, required=True, placeholder="SG-07"),
            _input("Nombre", "name", max_length=200, required=True),
            _select(
                "Sección (unidad que la produce)",
                "unit_id",
                [
                    rx.el.option("— Ninguna —", value=""),
                    rx.foreach(S.unit_options, lambda o: rx.el.option(o[1], value=o[0])),
                ],
            ),
            _select(
                "Depende de (subserie de)",
                "parent_id",
                [
                    rx.el.option("— Es una serie —", value=""),
                    rx.foreach(S.series_options, lambda o: rx.el.option(o[1], value=o[0])),
                ],
            ),
            _input("Años en el archivo de gestión", "office_years", type="number", min="0", max="100", required=True),
            _input("Años en el archivo central", "central_years", type="number", min="0", max="100", required=True),
            _select("Disposición final", "disposition", [rx.el.option(v, value=k) for k, v in DISPOSITIONS.items()]),
            _select("Nivel de acceso", "access", [rx.el.option(v, value=k) for k, v in ACCESS_LEVELS.items()]),
            style=GRID,
        ),
        rx.el.label(
            rx.el.input(type="checkbox", name="active", default_checked=S.editing["active"] != "", id="serie-activa"),
            " Activa (se puede asignar a trámites y documentos)",
            html_for="serie-activa",
            style={"display": "flex", "gap": "0.5rem", "align_items": "center", "min_height": "44px"},
        ),
        error_text(S.errors["general"], field_id="serie-general"),
        rx.flex(
            primary_button("Guardar serie", type="submit", id="guardar-serie"),
            secondary_button("Cancelar", type="button", on_click=S.cancel),
            gap="0.75rem",
            margin_top="0.5rem",
        ),
        key=S.form_key.to(str),
        on_submit=S.save_series,
        reset_on_submit=False,
        style={**ROW, "margin_bottom": "1rem"},
        id="form-serie",
    )


def _series_row(r) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.text(
                    rx.el.code(r["code"]),
                    " ",
                    r["name"],
                    rx.cond(r["parent"] != "", rx.text.span(" (subserie de " + r["parent"] + ")", color=MUTED)),
                    weight="bold",
                ),
                rx.text(
                    r["section"] + " · " + r["retention"] + " · " + r["disposition_label"] + " · " + r["access_label"],
                    size="2",
                    color=MUTED,
                ),
                min_width="0",
            ),
            rx.flex(
                rx.cond(r["active"] == "", badge("Inactiva", "gray")),
                secondary_button(
                    "Editar",
                    type="button",
                    on_click=S.edit_series(r["id"]),
                    aria_label="Editar la serie " + r["code"],
                    style=SMALL_BUTTON,
                ),
                gap="0.5rem",
                align="center",
            ),
            justify="between",
            align="center",
            gap="0.75rem",
            wrap="wrap",
        ),
        style=ROW,
    )


def _mapping_row(label, hidden_name: str, hidden_value, current, handler) -> rx.Component:
    return rx.el.li(
        rx.el.form(
            rx.el.input(type="hidden", name=hidden_name, value=hidden_value),
            rx.flex(
                rx.text(label, weight="medium", min_width="0", flex="1 1 16rem"),
                rx.el.select(
                    rx.el.option("— Elija una serie —", value=""),
                    rx.foreach(S.series_options, lambda o: rx.el.option(o[1], value=o[0])),
                    name="series",
                    default_value=current,
                    aria_label="Serie de " + label,
                    style={**INPUT, "max_width": "24rem"},
                ),
                secondary_button("Guardar", type="submit", style=SMALL_BUTTON),
                gap="0.75rem",
                align="center",
                wrap="wrap",
            ),
            on_submit=handler,
            reset_on_submit=False,
        ),
        style=ROW,
    )


def classification_tab() -> rx.Component:
    return rx.box(
        notice(S),
        section_head(
            "Cuadro de clasificación",
            primary_button("Nueva serie", type="button", on_click=S.new_series, id="nueva-serie", style=SMALL_BUTTON),
        ),
        rx.text(
            "Fondo: la institución. Sección: la unidad que produce la serie. Cada serie dice cuántos años se "
            "conserva en el archivo de gestión y en el archivo central y su disposición final.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.cond(S.form_open, _form()),
        item_list(rx.foreach(S.rows, _series_row), aria_label="Series documentales", id="lista-series"),
        section_head("Serie de cada trámite"),
        item_list(
            rx.foreach(
                S.procedures,
                lambda p: _mapping_row(
                    p["code"] + " — " + p["name"], "procedure_id", p["id"], p["series_id"], S.map_procedure
                ),
            ),
            aria_label="Serie de cada trámite",
            id="series-tramites",
            key="p" + S.lists_key.to(str),
        ),
        section_head("Serie de cada tipo de documento emitido"),
        item_list(
            rx.foreach(
                S.doc_types,
                lambda d: _mapping_row(d["name"], "doc_type", d["doc_type"], d["series_id"], S.map_doc_type),
            ),
            aria_label="Serie de cada tipo de documento",
            id="series-documentos",
            key="d" + S.lists_key.to(str),
        ),
        on_mount=S.load,
    )
