"""/admin — units (tree), users and roles, procedure catalogue, non-working days. UI only."""

from __future__ import annotations

from typing import Any

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import staff_page
from sgd_app.components.ui import (
    BRAND,
    ERROR,
    INK,
    MUTED,
    card,
    error_text,
    link_button,
    primary_button,
    secondary_button,
    shell,
)
from sgd_app.domain.admin import KINDS
from sgd_app.domain.vocabulary import CATEGORY_LABELS, ROLE_LABELS
from sgd_app.state.admin import AdminState

_INPUT = {
    "width": "100%",
    "min_height": "48px",
    "font_size": "1rem",
    "padding": "0 0.75rem",
    "border": "1px solid #7b8590",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
_TEXTAREA = {
    **_INPUT,
    "padding": "0.6rem 0.75rem",
    "min_height": "7rem",
    "font_family": "inherit",
    "line_height": "1.45",
}
_LABEL = {"font_weight": "600", "display": "block", "margin_bottom": "0.3rem", "color": INK}
_SMALL_BTN = {"min_height": "44px", "font_size": "0.95rem", "padding_x": "0.9rem"}
_TWO_COLS = {
    "display": "grid",
    "grid_template_columns": ["minmax(0,1fr)", "minmax(0,1fr)", "repeat(2, minmax(0,1fr))"],
    "column_gap": "1rem",
}


# ---------------------------------------------------------------- form pieces
def _field(
    label: str, control: rx.Component, *, field_id: str, error_key: str, help_text: str = "", required: bool = False
) -> rx.Component:
    err = AdminState.errors[error_key]
    return rx.box(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" *", color=ERROR, aria_hidden="true")),
            html_for=field_id,
            style=_LABEL,
        ),
        control,
        rx.text(help_text, size="2", color=MUTED, margin_top="0.2rem") if help_text else rx.fragment(),
        error_text(err, field_id=field_id),
        width="100%",
        margin_bottom="1rem",
        min_width="0",
    )


def _aria(field_id: str, error_key: str) -> dict[str, Any]:
    return {
        "aria_invalid": rx.cond(AdminState.errors[error_key] != "", "true", "false"),
        "aria_describedby": f"{field_id}-error",
    }


def _input(
    label: str,
    *,
    field_id: str,
    name: str,
    error_key: str,
    default: Any = "",
    type_: str = "text",
    help_text: str = "",
    required: bool = False,
    **props,
) -> rx.Component:
    style = {**_INPUT, **props.pop("style", {})}
    return _field(
        label,
        rx.el.input(
            id=field_id,
            name=name,
            type=type_,
            default_value=default,
            style=style,
            required=required,
            **_aria(field_id, error_key),
            **props,
        ),
        field_id=field_id,
        error_key=error_key,
        help_text=help_text,
        required=required,
    )


def _textarea(
    label: str, *, field_id: str, name: str, error_key: str, default: Any = "", help_text: str = "", rows: int = 4
) -> rx.Component:
    return _field(
        label,
        rx.el.textarea(
            id=field_id, name=name, default_value=default, rows=rows, style=_TEXTAREA, **_aria(field_id, error_key)
        ),
        field_id=field_id,
        error_key=error_key,
        help_text=help_text,
    )


def _select(
    label: str,
    options: list[rx.Component] | rx.Component,
    *,
    field_id: str,
    name: str,
    error_key: str,
    default: Any = "",
    help_text: str = "",
    required: bool = False,
) -> rx.Component:
    children = options if isinstance(options, list) else [options]
    return _field(
        label,
        rx.el.select(
            *children,
            id=field_id,
            name=name,
            default_value=default,
            style=_INPUT,
            required=required,
            **_aria(field_id, error_key),
        ),
        field_id=field_id,
        error_key=error_key,
        help_text=help_text,
        required=required,
    )


def _checkbox(label: str, *, field_id: str, name: str, default: Any) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            id=field_id,
            name=name,
            default_checked=default,
            style={"width": "22px", "height": "22px", "accent_color": BRAND, "flex_shrink": "0"},
        ),
        label,
        html_for=field_id,
        style={
            "display": "flex",
            "align_items": "center",
            "gap": "0.6rem",
            "min_height": "44px",
            "font_weight": "600",
            "cursor": "pointer",
        },
    )


def _unit_options(include_none: str = "") -> list[rx.Component]:
    first = [rx.el.option(include_none, value="")] if include_none else []
    return first + [rx.foreach(AdminState.unit_options, lambda o: rx.el.option(o["label"], value=o["id"]))]


def _role_options() -> list[rx.Component]:
    return [rx.el.option(label, value=key) for key, label in ROLE_LABELS.items()]


def _form_buttons(save: str) -> rx.Component:
    return rx.flex(
        primary_button(save, type="submit"),
        secondary_button("Cancelar", type="button", on_click=AdminState.cancel_form),
        gap="0.75rem",
        wrap="wrap",
        margin_top="0.25rem",
    )


def _general(key: str) -> rx.Component:
    return rx.cond(
        AdminState.errors[key] != "",
        rx.box(
            rx.text(AdminState.errors[key], color=ERROR, weight="medium"),
            role="alert",
            style={
                "border": f"1px solid {ERROR}",
                "border_radius": "8px",
                "padding": "0.6rem 0.8rem",
                "background": "#fff5f4",
                "margin_bottom": "1rem",
            },
        ),
    )


def _section_head(title: str, *actions: rx.Component) -> rx.Component:
    return rx.flex(
        rx.heading(title, as_="h2", size="5", color=INK),
        *actions,
        justify="between",
        align="center",
        gap="0.75rem",
        wrap="wrap",
        margin_bottom="0.75rem",
    )


def _badge(text: Any, scheme: Any, **props) -> rx.Component:
    return rx.badge(text, color_scheme=scheme, variant="soft", size="2", high_contrast=True, **props)


def _list(*children, style: dict | None = None, **props) -> rx.Component:
    base = {
        "list_style": "none",
        "margin": "0",
        "padding": "0",
        "display": "flex",
        "flex_direction": "column",
        "gap": "0.5rem",
    }
    return rx.el.ul(*children, role="list", style={**base, **(style or {})}, **props)


_ROW = {
    "background": "white",
    "border": "1px solid #d8dde3",
    "border_radius": "10px",
    "padding": "0.75rem",
    "min_width": "0",
}


# ---------------------------------------------------------------- units
def _unit_form() -> rx.Component:
    kinds = [rx.el.option(label, value=key) for key, label in KINDS.items()]
    return card(
        rx.heading(AdminState.edit_title, as_="h3", size="4", margin_bottom="0.75rem"),
        _general("unit_general"),
        rx.el.form(
            rx.box(
                rx.cond(
                    AdminState.edit_id == "",
                    _input(
                        "Código",
                        field_id="uf-code",
                        name="code",
                        error_key="unit_code",
                        default=AdminState.f_code,
                        required=True,
                        help_text="De 2 a 20 caracteres: A-Z, 0-9 y guiones. Ejemplo: JEE-LC1.",
                        auto_complete="off",
                        max_length=20,
                        style={**_INPUT, "text_transform": "uppercase"},
                    ),
                    rx.box(
                        rx.text("Código", style=_LABEL),
                        rx.text(AdminState.f_code, size="4", weight="bold"),
                        rx.text("El código no cambia: identifica a la unidad en la auditoría.", size="2", color=MUTED),
                        margin_bottom="1rem",
                    ),
                ),
                _input(
                    "Nombre",
                    field_id="uf-name",
                    name="name",
                    error_key="unit_name",
                    default=AdminState.f_name,
                    required=True,
                    max_length=200,
                    auto_complete="off",
                ),
                _select(
                    "Tipo",
                    kinds,
                    field_id="uf-kind",
                    name="kind",
                    error_key="unit_kind",
                    default=AdminState.f_kind,
                    required=True,
                ),
                _select(
                    "Unidad superior",
                    [
                        rx.el.option("Ninguna (unidad de primer nivel)", value=""),
                        rx.foreach(AdminState.parent_options, lambda o: rx.el.option(o["label"], value=o["id"])),
                    ],
                    field_id="uf-parent",
                    name="parent_id",
                    error_key="unit_parent_id",
                    default=AdminState.f_parent,
                ),
                _input(
                    "Sede",
                    field_id="uf-place",
                    name="place",
                    error_key="unit_place",
                    default=AdminState.f_place,
                    max_length=80,
                    help_text="Ciudad donde funciona, por ejemplo Lima o Cusco.",
                ),
                rx.box(),
                _input(
                    "Fecha de inicio",
                    field_id="uf-from",
                    name="valid_from",
                    error_key="unit_valid_from",
                    default=AdminState.f_from,
                    type_="date",
                    help_text="Obligatoria en unidades temporales.",
                ),
                _input(
                    "Fecha de cierre",
                    field_id="uf-to",
                    name="valid_to",
                    error_key="unit_valid_to",
                    default=AdminState.f_to,
                    type_="date",
                    help_text="Obligatoria en unidades temporales (p. ej. un Jurado Electoral Especial).",
                ),
                style=_TWO_COLS,
            ),
            _form_buttons("Guardar unidad"),
            on_submit=AdminState.save_unit,
            reset_on_submit=False,
            key=AdminState.form_key,
            no_validate=True,
        ),
        id="form-unidad",
        style={"margin_bottom": "1rem", "border": f"2px solid {BRAND}"},
    )


def _unit_row(u: rx.Var) -> rx.Component:
    active = u["active"] == "1"
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.flex(
                    rx.text(u["name"], weight="bold", size="3", style={"overflow_wrap": "anywhere"}),
                    rx.text("(", u["code"], ")", size="2", color=MUTED),
                    gap="0.4rem",
                    align="baseline",
                    wrap="wrap",
                ),
                rx.flex(
                    _badge(u["kind_label"], rx.cond(u["kind"] == "temporal", "amber", "gray")),
                    _badge(u["status"], rx.cond(active, "grass", "red")),
                    rx.text(u["place"], size="2", color=INK),
                    rx.cond(u["dates"] != "", rx.text("Vigencia: ", u["dates"], size="2", color=INK)),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                    margin_top="0.3rem",
                ),
                rx.cond(
                    u["parent"] != "", rx.text("Depende de ", u["parent"], size="2", color=MUTED, margin_top="0.2rem")
                ),
                min_width="0",
                flex="1 1 16rem",
            ),
            rx.flex(
                secondary_button(
                    "Editar",
                    type="button",
                    on_click=AdminState.edit_unit(u["id"]),
                    style=_SMALL_BTN,
                    aria_label="Editar " + u["name"],
                ),
                rx.cond(
                    active,
                    secondary_button(
                        "Cerrar",
                        type="button",
                        on_click=AdminState.close_unit(u["id"]),
                        style=_SMALL_BTN,
                        aria_label="Cerrar " + u["name"],
                    ),
                    secondary_button(
                        "Reabrir",
                        type="button",
                        on_click=AdminState.reopen_unit(u["id"]),
                        style=_SMALL_BTN,
                        aria_label="Reabrir " + u["name"],
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
                align="center",
            ),
            gap="0.75rem",
            justify="between",
            align="center",
            wrap="wrap",
        ),
        id="unidad-" + u["code"],
        style={
            **_ROW,
            "margin_left": u["indent"],
            "border_left": rx.cond(u["depth"] == "0", f"4px solid {BRAND}", "4px solid #c5ccd3"),
            "background": rx.cond(active, "white", "#f1f2f4"),
        },
    )


def _units_tab() -> rx.Component:
    return rx.box(
        _section_head(
            "Unidades orgánicas",
            primary_button("Nueva unidad", type="button", on_click=AdminState.new_unit, id="nueva-unidad"),
        ),
        rx.text(
            "Direcciones, oficinas, oficinas desconcentradas y unidades temporales (por ejemplo, un Jurado "
            "Electoral Especial que se crea para una elección y se cierra después). Una unidad con "
            "expedientes abiertos no se puede cerrar.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        _general("units_general"),
        rx.cond(AdminState.form == "unit", _unit_form()),
        _list(rx.foreach(AdminState.units, _unit_row), aria_label="Árbol de unidades", id="arbol-unidades"),
    )


# ---------------------------------------------------------------- users
def _user_form() -> rx.Component:
    return rx.el.form(
        rx.box(
            _input(
                "Usuario",
                field_id="nu-username",
                name="username",
                error_key="user_username",
                default=AdminState.f_code,
                required=True,
                auto_complete="off",
                auto_capitalize="none",
                max_length=60,
                help_text="Minúsculas, números, punto o guion. Ejemplo: maria.quispe",
            ),
            _input(
                "Nombres y apellidos",
                field_id="nu-name",
                name="full_name",
                error_key="user_full_name",
                default=AdminState.f_name,
                required=True,
                auto_complete="off",
                max_length=200,
            ),
            _input(
                "Correo electrónico",
                field_id="nu-email",
                name="email",
                error_key="user_email",
                default=AdminState.f_email,
                type_="email",
                required=True,
                auto_complete="off",
                max_length=200,
            ),
            _input(
                "Contraseña inicial",
                field_id="nu-password",
                name="password",
                error_key="user_password",
                type_="password",
                required=True,
                auto_complete="new-password",
                help_text="Al menos 10 caracteres. Entréguela a la persona por un medio seguro.",
            ),
            _select(
                "Unidad",
                _unit_options(),
                field_id="nu-unit",
                name="unit_id",
                error_key="user_memberships",
                default=AdminState.f_unit,
                required=True,
            ),
            _select(
                "Rol en la unidad",
                _role_options(),
                field_id="nu-role",
                name="role",
                error_key="user_role",
                default="officer",
                required=True,
                help_text="Podrá agregar más unidades y roles después.",
            ),
            style=_TWO_COLS,
        ),
        _form_buttons("Crear usuario"),
        on_submit=AdminState.save_user,
        reset_on_submit=False,
        key=AdminState.form_key,
        no_validate=True,
    )


def _password_form() -> rx.Component:
    return rx.el.form(
        rx.box(
            _input(
                "Nueva contraseña",
                field_id="pw-password",
                name="password",
                error_key="pwd_password",
                type_="password",
                required=True,
                auto_complete="new-password",
                help_text="Al menos 10 caracteres. Las sesiones abiertas de la persona se cerrarán.",
            ),
            _input(
                "Repita la contraseña",
                field_id="pw-confirm",
                name="confirm",
                error_key="pwd_confirm",
                type_="password",
                required=True,
                auto_complete="new-password",
            ),
            style=_TWO_COLS,
        ),
        _form_buttons("Guardar contraseña"),
        on_submit=AdminState.save_password,
        reset_on_submit=False,
        key=AdminState.form_key,
        no_validate=True,
    )


def _membership_row(r: rx.Var, i: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.text(r["role_label"], weight="bold"),
                rx.text(r["unit"], size="2", color=INK),
                min_width="0",
                flex="1 1 12rem",
            ),
            secondary_button(
                "Quitar",
                type="button",
                on_click=AdminState.remove_membership_row(i),
                style=_SMALL_BTN,
                aria_label="Quitar " + r["role_label"] + " en " + r["unit"],
            ),
            justify="between",
            align="center",
            gap="0.5rem",
            wrap="wrap",
        ),
        style={**_ROW, "padding": "0.5rem 0.75rem"},
    )


def _memberships_form() -> rx.Component:
    return rx.box(
        rx.cond(
            AdminState.m_rows.length() == 0,
            rx.text("Sin unidades ni roles asignados.", color=MUTED, margin_bottom="0.75rem"),
        ),
        _list(
            rx.foreach(AdminState.m_rows, _membership_row),
            aria_label="Unidades y roles asignados",
            style={"margin": "0 0 1rem"},
        ),
        rx.el.form(
            rx.el.fieldset(
                rx.el.legend("Agregar una unidad y rol", style={"font_weight": "700", "padding": "0 0.35rem"}),
                rx.box(
                    _select(
                        "Unidad",
                        _unit_options(),
                        field_id="mr-unit",
                        name="unit_id",
                        error_key="mem_memberships",
                        default=AdminState.f_unit,
                    ),
                    _select(
                        "Rol", _role_options(), field_id="mr-role", name="role", error_key="mem_role", default="officer"
                    ),
                    style=_TWO_COLS,
                ),
                secondary_button("Agregar a la lista", type="submit", style=_SMALL_BTN),
                style={
                    "border": "1px solid #c5ccd3",
                    "border_radius": "10px",
                    "padding": "0.75rem",
                    "margin": "0 0 1rem",
                    "min_width": "0",
                },
            ),
            on_submit=AdminState.add_membership_row,
            reset_on_submit=False,
            key=AdminState.form_key,
        ),
        rx.flex(
            primary_button("Guardar unidades y roles", type="button", on_click=AdminState.save_memberships),
            secondary_button("Cancelar", type="button", on_click=AdminState.cancel_form),
            gap="0.75rem",
            wrap="wrap",
        ),
    )


def _user_forms() -> rx.Component:
    return rx.cond(
        (AdminState.form == "user") | (AdminState.form == "pwd") | (AdminState.form == "mem"),
        card(
            rx.heading(AdminState.edit_title, as_="h3", size="4", margin_bottom="0.75rem"),
            _general("user_general"),
            _general("pwd_general"),
            _general("mem_general"),
            rx.match(
                AdminState.form,
                ("user", _user_form()),
                ("pwd", _password_form()),
                ("mem", _memberships_form()),
                rx.fragment(),
            ),
            id="form-usuario",
            style={"margin_bottom": "1rem", "border": f"2px solid {BRAND}"},
        ),
    )


def _user_row(u: rx.Var) -> rx.Component:
    active = u["active"] == "1"
    return rx.el.li(
        rx.box(
            rx.box(
                rx.flex(
                    rx.text(u["full_name"], weight="bold", style={"overflow_wrap": "anywhere"}),
                    _badge(u["status"], rx.cond(active, "grass", "red")),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(u["username"], " · ", u["email"], size="2", color=INK, style={"overflow_wrap": "anywhere"}),
                min_width="0",
            ),
            rx.box(
                rx.text("Unidades y roles", size="1", color=MUTED),
                rx.text(u["roles"], size="2", style={"overflow_wrap": "anywhere"}),
                min_width="0",
            ),
            rx.flex(
                secondary_button(
                    "Roles",
                    type="button",
                    on_click=AdminState.open_memberships(u["id"]),
                    style=_SMALL_BTN,
                    aria_label="Unidades y roles de " + u["full_name"],
                ),
                secondary_button(
                    "Contraseña",
                    type="button",
                    on_click=AdminState.open_password(u["id"]),
                    style=_SMALL_BTN,
                    aria_label="Restablecer contraseña de " + u["full_name"],
                ),
                rx.cond(
                    active,
                    secondary_button(
                        "Desactivar",
                        type="button",
                        on_click=AdminState.set_user_active(u["id"], False),
                        style=_SMALL_BTN,
                        aria_label="Desactivar a " + u["full_name"],
                    ),
                    secondary_button(
                        "Activar",
                        type="button",
                        on_click=AdminState.set_user_active(u["id"], True),
                        style=_SMALL_BTN,
                        aria_label="Activar a " + u["full_name"],
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
                align="center",
            ),
            style={
                "display": "grid",
                "gap": "0.6rem",
                "align_items": "center",
                "grid_template_columns": ["1fr", "1fr", "minmax(0,2fr) minmax(0,2fr) auto"],
            },
        ),
        style=_ROW,
    )


def _users_tab() -> rx.Component:
    return rx.box(
        _section_head(
            "Usuarios", primary_button("Nuevo usuario", type="button", on_click=AdminState.new_user, id="nuevo-usuario")
        ),
        rx.text(
            "Al desactivar una cuenta se cierran sus sesiones abiertas. El sistema siempre conserva al menos "
            "un administrador activo.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        _general("users_general"),
        _user_forms(),
        _list(rx.foreach(AdminState.users, _user_row), aria_label="Usuarios"),
    )


# ---------------------------------------------------------------- procedures
def _procedure_form() -> rx.Component:
    categories = [rx.el.option(label, value=key) for key, label in CATEGORY_LABELS.items()]
    return card(
        rx.heading(AdminState.edit_title, as_="h3", size="4", margin_bottom="0.75rem"),
        _general("proc_general"),
        rx.el.form(
            rx.box(
                rx.cond(
                    AdminState.edit_id == "",
                    _input(
                        "Código",
                        field_id="pf-code",
                        name="code",
                        error_key="proc_code",
                        default=AdminState.f_code,
                        required=True,
                        auto_complete="off",
                        max_length=20,
                        help_text="De 2 a 20 caracteres: A-Z, 0-9 y guiones.",
                        style={**_INPUT, "text_transform": "uppercase"},
                    ),
                    rx.box(
                        rx.text("Código", style=_LABEL),
                        rx.text(AdminState.f_code, size="4", weight="bold"),
                        margin_bottom="1rem",
                    ),
                ),
                _input(
                    "Nombre del trámite",
                    field_id="pf-name",
                    name="name",
                    error_key="proc_name",
                    default=AdminState.f_name,
                    required=True,
                    max_length=300,
                ),
                _select(
                    "Categoría",
                    categories,
                    field_id="pf-category",
                    name="category",
                    error_key="proc_category",
                    default=AdminState.f_category,
                    required=True,
                ),
                _select(
                    "Unidad que lo atiende",
                    _unit_options(),
                    field_id="pf-unit",
                    name="unit_id",
                    error_key="proc_unit_id",
                    default=AdminState.f_unit,
                    required=True,
                ),
                _input(
                    "Plazo (días hábiles)",
                    field_id="pf-deadline",
                    name="deadline_days",
                    error_key="proc_deadline_days",
                    default=AdminState.f_deadline,
                    type_="number",
                    required=True,
                    min="1",
                    max="365",
                    input_mode="numeric",
                ),
                rx.flex(
                    _checkbox(
                        "Se ofrece en la Mesa de Partes Virtual (público)",
                        field_id="pf-public",
                        name="public",
                        default=AdminState.f_public,
                    ),
                    _checkbox("Trámite activo", field_id="pf-active", name="active", default=AdminState.f_active),
                    direction="column",
                    justify="center",
                    margin_bottom="1rem",
                ),
                style=_TWO_COLS,
            ),
            _textarea(
                "Descripción para el ciudadano",
                field_id="pf-description",
                name="description",
                error_key="proc_description",
                default=AdminState.f_description,
                rows=3,
            ),
            _textarea(
                "Datos que pide el formulario",
                field_id="pf-fields",
                name="fields",
                error_key="proc_fields",
                default=AdminState.f_fields,
                rows=4,
                help_text="Un dato por línea: nombre | Etiqueta | obligatorio u opcional | ayuda (opcional). "
                "Ejemplo: numero_resolucion | Número de la resolución | obligatorio",
            ),
            _textarea(
                "Anexos obligatorios",
                field_id="pf-annexes",
                name="required_annexes",
                error_key="proc_required_annexes",
                default=AdminState.f_annexes,
                rows=3,
                help_text="Un anexo por línea, por ejemplo: Vigencia de poder del representante legal",
            ),
            _form_buttons("Guardar trámite"),
            on_submit=AdminState.save_procedure,
            reset_on_submit=False,
            key=AdminState.form_key,
            no_validate=True,
        ),
        id="form-tramite",
        style={"margin_bottom": "1rem", "border": f"2px solid {BRAND}"},
    )


def _procedure_row(p: rx.Var) -> rx.Component:
    active = p["active"] == "1"
    return rx.el.li(
        rx.box(
            rx.box(
                rx.text(p["name"], weight="bold", style={"overflow_wrap": "anywhere"}),
                rx.flex(
                    rx.text(p["code"], size="2", weight="medium"),
                    _badge(p["category"], "gray"),
                    _badge(p["status"], rx.cond(active, "grass", "red")),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                    margin_top="0.2rem",
                ),
                min_width="0",
            ),
            rx.box(
                rx.text(p["unit"], size="2", style={"overflow_wrap": "anywhere"}),
                rx.text(p["deadline"], " · Público: ", p["public"], size="2"),
                rx.text(p["detail"], size="2", color=MUTED),
                min_width="0",
            ),
            secondary_button(
                "Editar",
                type="button",
                on_click=AdminState.edit_procedure(p["id"]),
                style=_SMALL_BTN,
                aria_label="Editar " + p["name"],
            ),
            style={
                "display": "grid",
                "gap": "0.6rem",
                "align_items": "center",
                "grid_template_columns": ["1fr", "1fr", "minmax(0,3fr) minmax(0,2fr) auto"],
            },
        ),
        style=_ROW,
    )


def _procedures_tab() -> rx.Component:
    return rx.box(
        _section_head(
            "Catálogo de trámites",
            primary_button("Nuevo trámite", type="button", on_click=AdminState.new_procedure, id="nuevo-tramite"),
        ),
        rx.text(
            "Unidad de destino, plazo en días hábiles, datos y anexos que se piden, y si el trámite se ofrece "
            "en la Mesa de Partes Virtual. Los expedientes ya presentados conservan su plazo.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.cond(AdminState.form == "proc", _procedure_form()),
        _list(rx.foreach(AdminState.procedures, _procedure_row), aria_label="Trámites"),
    )


# ---------------------------------------------------------------- non-working days
def _day_row(d: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.text(d["label"], weight="bold"),
                rx.text(d["reason"], size="2", color=INK),
                min_width="0",
                flex="1 1 14rem",
            ),
            secondary_button(
                "Quitar",
                type="button",
                on_click=AdminState.remove_day(d["day"]),
                style=_SMALL_BTN,
                aria_label="Quitar " + d["label"],
            ),
            justify="between",
            align="center",
            gap="0.5rem",
            wrap="wrap",
        ),
        style=_ROW,
    )


def _days_tab() -> rx.Component:
    return rx.box(
        _section_head("Días no laborables de la institución"),
        rx.text(
            "Se suman a los feriados nacionales: los plazos en días hábiles que se calculen desde ahora los saltan.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        card(
            rx.el.form(
                rx.box(
                    _input(
                        "Fecha",
                        field_id="nd-day",
                        name="day",
                        error_key="day_day",
                        default=AdminState.f_from,
                        type_="date",
                        required=True,
                    ),
                    _input(
                        "Motivo",
                        field_id="nd-reason",
                        name="reason",
                        error_key="day_reason",
                        default=AdminState.f_description,
                        required=True,
                        max_length=200,
                        help_text="Por ejemplo: Día no laborable compensable (D. S. N.° …)",
                    ),
                    style=_TWO_COLS,
                ),
                _general("day_general"),
                primary_button("Agregar día no laborable", type="submit", id="agregar-dia"),
                on_submit=AdminState.add_day,
                reset_on_submit=False,
                key=AdminState.form_key,
                no_validate=True,
            ),
            style={"margin_bottom": "1rem"},
        ),
        rx.cond(AdminState.days.length() == 0, rx.text("No hay días no laborables registrados.", color=MUTED)),
        _list(rx.foreach(AdminState.days, _day_row), aria_label="Días no laborables", id="lista-dias"),
    )


# ---------------------------------------------------------------- page
_TAB = {"min_height": "44px", "font_size": "1rem", "padding_x": "0.9rem"}


def _content() -> rx.Component:
    return rx.box(
        rx.text("Sesión de ", AdminState.admin_name, size="2", color=MUTED, margin_bottom="0.75rem"),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Unidades", value="unidades", style=_TAB),
                rx.tabs.trigger("Usuarios", value="usuarios", style=_TAB),
                rx.tabs.trigger("Trámites", value="tramites", style=_TAB),
                rx.tabs.trigger("Días no laborables", value="dias", style=_TAB),
                size="2",
                style={"flex_wrap": "wrap", "margin_bottom": "1rem"},
            ),
            rx.tabs.content(_units_tab(), value="unidades"),
            rx.tabs.content(_users_tab(), value="usuarios"),
            rx.tabs.content(_procedures_tab(), value="tramites"),
            rx.tabs.content(_days_tab(), value="dias"),
            value=AdminState.tab,
            on_change=AdminState.set_tab,
        ),
    )


def _denied() -> rx.Component:
    return card(
        rx.flex(
            rx.icon("lock", size=24, color=ERROR, aria_hidden="true", flex_shrink="0"),
            rx.text(
                "No tiene permiso para administrar el sistema. Esta página es solo para administradores.",
                weight="medium",
                id="sin-permiso",
                role="alert",
            ),
            gap="0.6rem",
            align="center",
        ),
        rx.box(
            link_button(
                "Ir a mi bandeja", href="/bandeja", primary=False, style={"width": "auto", "display": "inline-flex"}
            ),
            margin_top="1rem",
        ),
        style={"max_width": "640px"},
    )


@staff_page(routes.ADMIN, title="Administración", on_load=AdminState.load)
def admin() -> rx.Component:
    return shell(
        rx.cond(
            AdminState.allowed,
            _content(),
            rx.cond(AdminState.denied, _denied(), rx.text("Cargando…", color=MUTED, role="status")),
        ),
        title="Administración",
        wide=True,
    )
