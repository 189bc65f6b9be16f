"""/admin, Entidades tab: the directory of entities for the exchange between institutions
(docs/interop.md): the list, the add / edit form (endpoint, public key, clients), deactivate, and
the import of a JSON file. Bound to state/admin_entities.py's EntitiesState."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.notice import notice
from sgd_app.components.ui import BRAND, MUTED, error_text, primary_button, secondary_button
from sgd_app.pages.admin.forms import INPUT, LABEL, ROW, SMALL_BUTTON, TEXTAREA, badge, item_list, section_head
from sgd_app.state.admin_entities import EntitiesState

S = EntitiesState
_GRID = {
    "display": "grid",
    "grid_template_columns": ["minmax(0,1fr)", "minmax(0,1fr)", "repeat(2, minmax(0,1fr))"],
    "column_gap": "1rem",
}


def _field(label: str, control: rx.Component, *, field_id: str, key: str, help_text: str = "") -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=field_id, style=LABEL),
        control,
        rx.text(help_text, size="2", color=MUTED, margin_top="0.2rem") if help_text else rx.fragment(),
        error_text(S.errors[key], field_id=field_id),
        margin_bottom="1rem",
        min_width="0",
    )


def _aria(field_id: str, key: str) -> dict:
    return {"aria_invalid": rx.cond(S.errors[key] != "", "true", "false"), "aria_describedby": f"{field_id}-error"}


def _input(label: str, field_id: str, name: str, help_text: str = "", **props) -> rx.Component:
    control = rx.el.input(
        id=field_id,
        name=name,
        type="text",
        auto_complete="off",
        default_value=S.draft[name],
        style=INPUT,
        **_aria(field_id, name),
        **props,
    )
    return _field(label, control, field_id=field_id, key=name, help_text=help_text)


def _form() -> rx.Component:
    editing = S.editing != ""
    return rx.el.form(
        rx.heading(
            rx.cond(editing, "Editar la entidad RUC " + S.editing, "Agregar una entidad"),
            as_="h3",
            size="4",
            margin_bottom="0.75rem",
        ),
        rx.box(
            _input("Nombre", "ent-nombre", "name", "Ejemplo: Oficina Nacional de Procesos Electorales", max_length=200),
            rx.cond(
                editing,
                rx.box(
                    rx.text("RUC", style=LABEL),
                    rx.text(S.editing, size="3", weight="medium", margin_bottom="1rem"),
                ),
                _input("RUC", "ent-ruc", "ruc", "11 dígitos", max_length=11, input_mode="numeric"),
            ),
            _input("Categoría", "ent-categoria", "category", "Ejemplo: Organismo autónomo", max_length=80),
            _input(
                "Dirección de su sistema",
                "ent-endpoint",
                "endpoint",
                "URL base, por ejemplo https://sgd.entidad.gob.pe",
                max_length=300,
                auto_capitalize="none",
            ),
            _input(
                "Su cliente API aquí (client_id)",
                "ent-client",
                "client_id",
                "El cliente con el que nos envía (Clientes API).",
                max_length=64,
                auto_capitalize="none",
            ),
            _input(
                "Nuestro cliente en su sistema",
                "ent-nuestro",
                "our_client_id",
                "El client_id que la entidad registró para nosotros.",
                max_length=64,
                auto_capitalize="none",
            ),
            style=_GRID,
        ),
        _field(
            "Clave pública de la entidad (JWK)",
            rx.el.textarea(
                id="ent-jwk",
                name="public_jwk",
                rows=5,
                spell_check=False,
                default_value=S.draft["public_jwk"],
                placeholder='{"kty": "EC", "crv": "P-256", "x": "…", "y": "…"}',
                style={**TEXTAREA, "font_family": "monospace", "font_size": "0.9rem"},
                **_aria("ent-jwk", "public_jwk"),
            ),
            field_id="ent-jwk",
            key="public_jwk",
            help_text="Firma sus manifiestos y respuestas. EC P-256 o RSA de 2048 bits o más; solo la parte pública.",
        ),
        rx.flex(
            primary_button(rx.cond(editing, "Guardar cambios", "Agregar entidad"), type="submit", id="ent-guardar"),
            rx.cond(
                editing,
                secondary_button("Cancelar", type="button", on_click=S.cancel_edit, style=SMALL_BUTTON),
                rx.fragment(),
            ),
            gap="0.75rem",
            wrap="wrap",
        ),
        key=S.form_key.to(str),
        on_submit=S.save,
        reset_on_submit=False,
        id="form-entidad",
        style={**ROW, "margin_bottom": "1rem"},
    )


def _import() -> rx.Component:
    return rx.box(
        rx.heading("Importar un archivo", as_="h3", size="4", margin_bottom="0.4rem"),
        rx.text(
            'Un JSON {"entidades": [...]} con nombre, ruc, categoria, endpoint, clave_publica, client_id y '
            "nuestro_client_id (docs/interop.md). Se agregan las nuevas y se actualizan las que ya están; "
            "si una tiene un error, no se importa ninguna.",
            size="2",
            color=MUTED,
            margin_bottom="0.5rem",
        ),
        rx.el.label(
            rx.upload(
                rx.text("Toque para elegir el archivo JSON", weight="bold"),
                id="entidades-archivo",
                accept={"application/json": [".json"]},
                multiple=False,
                max_files=1,
                max_size=512 * 1024,
                on_drop_rejected=S.file_rejected,
                on_drop=S.import_file(rx.upload_files(upload_id="entidades-archivo")),
                border=f"2px dashed {BRAND}",
                border_radius="12px",
                padding="1rem",
                background="white",
                cursor="pointer",
            ),
            aria_label="Archivo JSON del directorio de entidades",
            style={"display": "block"},
        ),
        error_text(S.errors["file"], field_id="entidades-archivo"),
        style={**ROW, "margin_bottom": "1rem"},
    )


def _row(r) -> rx.Component:
    active = r["active"] != ""
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.flex(
                    rx.text(r["name"], weight="bold"),
                    rx.cond(active, badge("Activa", "green"), badge("Desactivada", "gray")),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                ),
                rx.text("RUC ", r["ruc"], " · ", r["category"], size="2"),
                rx.text(r["endpoint"], size="2", style={"overflow_wrap": "anywhere"}),
                rx.text(
                    "Su cliente aquí: ",
                    rx.el.code(r["client_id"]),
                    " · nuestro cliente allá: ",
                    rx.el.code(r["our_client_id"]),
                    size="2",
                    color=MUTED,
                    style={"overflow_wrap": "anywhere"},
                ),
                rx.text("Actualizada el ", r["updated"], size="2", color=MUTED),
                min_width="0",
            ),
            rx.flex(
                secondary_button(
                    "Editar",
                    type="button",
                    on_click=S.edit(r["ruc"]),
                    aria_label="Editar " + r["name"],
                    style=SMALL_BUTTON,
                ),
                rx.cond(
                    active,
                    secondary_button(
                        "Desactivar",
                        type="button",
                        on_click=S.deactivate(r["ruc"]),
                        aria_label="Desactivar " + r["name"],
                        style=SMALL_BUTTON,
                    ),
                    rx.fragment(),
                ),
                gap="0.5rem",
                wrap="wrap",
            ),
            justify="between",
            align="center",
            gap="0.75rem",
            wrap="wrap",
        ),
        style=ROW,
    )


def entities_tab() -> rx.Component:
    return rx.box(
        notice(S),
        section_head("Entidades"),
        rx.text(
            "Directorio de las entidades con las que se intercambian documentos por interoperabilidad. "
            "También se gestiona con «python -m sgd_app entidad» (docs/interop.md).",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.cond(S.rows.length() == 0, rx.text("Todavía no hay entidades.", color=MUTED, margin_bottom="1rem")),
        item_list(
            rx.foreach(S.rows, _row),
            aria_label="Entidades del directorio",
            id="lista-entidades",
            style={"margin_bottom": "1.25rem"},
        ),
        _form(),
        _import(),
        on_mount=S.load,
    )
