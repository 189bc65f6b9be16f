"""/admin, Usuarios tab: staff accounts, and the forms for a new account, a new password, and a
user's units and roles."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, INK, MUTED, card, primary_button, secondary_button
from sgd_app.pages.admin.forms import (
    ROW,
    SMALL_BUTTON,
    TWO_COLUMNS,
    badge,
    form_buttons,
    general_error,
    item_list,
    role_options,
    section_head,
    select_input,
    text_input,
    unit_options,
)
from sgd_app.state.admin import AdminState


def _user_form() -> rx.Component:
    return rx.el.form(
        rx.box(
            text_input(
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
            text_input(
                "Nombres y apellidos",
                field_id="nu-name",
                name="full_name",
                error_key="user_full_name",
                default=AdminState.f_name,
                required=True,
                auto_complete="off",
                max_length=200,
            ),
            text_input(
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
            text_input(
                "Contraseña inicial",
                field_id="nu-password",
                name="password",
                error_key="user_password",
                type_="password",
                required=True,
                auto_complete="new-password",
                help_text="Al menos 10 caracteres. Entréguela a la persona por un medio seguro.",
            ),
            select_input(
                "Unidad",
                unit_options(),
                field_id="nu-unit",
                name="unit_id",
                error_key="user_memberships",
                default=AdminState.f_unit,
                required=True,
            ),
            select_input(
                "Rol en la unidad",
                role_options(),
                field_id="nu-role",
                name="role",
                error_key="user_role",
                default="officer",
                required=True,
                help_text="Podrá agregar más unidades y roles después.",
            ),
            style=TWO_COLUMNS,
        ),
        form_buttons("Crear usuario"),
        on_submit=AdminState.save_user,
        reset_on_submit=False,
        key=AdminState.form_key,
        no_validate=True,
    )


def _password_form() -> rx.Component:
    return rx.el.form(
        rx.box(
            text_input(
                "Nueva contraseña",
                field_id="pw-password",
                name="password",
                error_key="pwd_password",
                type_="password",
                required=True,
                auto_complete="new-password",
                help_text="Al menos 10 caracteres. Las sesiones abiertas de la persona se cerrarán.",
            ),
            text_input(
                "Repita la contraseña",
                field_id="pw-confirm",
                name="confirm",
                error_key="pwd_confirm",
                type_="password",
                required=True,
                auto_complete="new-password",
            ),
            style=TWO_COLUMNS,
        ),
        form_buttons("Guardar contraseña"),
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
                style=SMALL_BUTTON,
                aria_label="Quitar " + r["role_label"] + " en " + r["unit"],
            ),
            justify="between",
            align="center",
            gap="0.5rem",
            wrap="wrap",
        ),
        style={**ROW, "padding": "0.5rem 0.75rem"},
    )


def _memberships_form() -> rx.Component:
    return rx.box(
        rx.cond(
            AdminState.m_rows.length() == 0,
            rx.text("Sin unidades ni roles asignados.", color=MUTED, margin_bottom="0.75rem"),
        ),
        item_list(
            rx.foreach(AdminState.m_rows, _membership_row),
            aria_label="Unidades y roles asignados",
            style={"margin": "0 0 1rem"},
        ),
        rx.el.form(
            rx.el.fieldset(
                rx.el.legend("Agregar una unidad y rol", style={"font_weight": "700", "padding": "0 0.35rem"}),
                rx.box(
                    select_input(
                        "Unidad",
                        unit_options(),
                        field_id="mr-unit",
                        name="unit_id",
                        error_key="mem_memberships",
                        default=AdminState.f_unit,
                    ),
                    select_input(
                        "Rol", role_options(), field_id="mr-role", name="role", error_key="mem_role", default="officer"
                    ),
                    style=TWO_COLUMNS,
                ),
                secondary_button("Agregar a la lista", type="submit", style=SMALL_BUTTON),
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
            general_error("user_general"),
            general_error("pwd_general"),
            general_error("mem_general"),
            rx.match(
                AdminState.form,
                ("user", _user_form()),
                ("pwd", _password_form()),
                ("mem", _memberships_form()),
                rx.fragment(),
            ),
            id="form-usuario",
            tab_index=-1,  # focused (scrolled into view) when the form opens: rx.set_focus, no eval
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
                    badge(u["status"], rx.cond(active, "grass", "red")),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(u["username"], " · ", u["email"], size="2", color=INK, style={"overflow_wrap": "anywhere"}),
                rx.cond(u["locked"] != "", rx.text(u["locked"], size="2", color="#b42318", weight="bold")),
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
                    style=SMALL_BUTTON,
                    aria_label="Unidades y roles de " + u["full_name"],
                ),
                secondary_button(
                    "Contraseña",
                    type="button",
                    on_click=AdminState.open_password(u["id"]),
                    style=SMALL_BUTTON,
                    aria_label="Restablecer contraseña de " + u["full_name"],
                ),
                secondary_button(
                    "Desbloquear",
                    type="button",
                    on_click=AdminState.unlock_user(u["id"]),
                    style=SMALL_BUTTON,
                    aria_label="Desbloquear la cuenta de " + u["full_name"],
                ),
                rx.cond(
                    active,
                    secondary_button(
                        "Desactivar",
                        type="button",
                        on_click=AdminState.set_user_active(u["id"], False),
                        style=SMALL_BUTTON,
                        aria_label="Desactivar a " + u["full_name"],
                    ),
                    secondary_button(
                        "Activar",
                        type="button",
                        on_click=AdminState.set_user_active(u["id"], True),
                        style=SMALL_BUTTON,
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
        style=ROW,
    )


def users_tab() -> rx.Component:
    return rx.box(
        section_head(
            "Usuarios", primary_button("Nuevo usuario", type="button", on_click=AdminState.new_user, id="nuevo-usuario")
        ),
        rx.text(
            "Al desactivar una cuenta se cierran sus sesiones abiertas. El sistema siempre conserva al menos "
            "un administrador activo. «Desbloquear» olvida los intentos fallidos de una cuenta (desde cualquier "
            "equipo o conexión).",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        general_error("users_general"),
        _user_forms(),
        item_list(rx.foreach(AdminState.users, _user_row), aria_label="Usuarios"),
    )
