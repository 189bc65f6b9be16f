"""/admin, Cuentas institucionales tab: link a person's account at the identity provider (its
``sub``) to a staff user, and remove links (docs/sso.md)."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.notice import notice
from sgd_app.components.ui import MUTED, error_text, primary_button, secondary_button
from sgd_app.pages.admin.forms import INPUT, LABEL, ROW, SMALL_BUTTON, item_list, section_head
from sgd_app.state.admin_sso import SsoLinksState


def _input(label: str, field_id: str, name: str, help_text: str, **props) -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=field_id, style=LABEL),
        rx.el.input(
            id=field_id,
            name=name,
            type="text",
            required=True,
            auto_complete="off",
            auto_capitalize="none",
            style=INPUT,
            aria_invalid=rx.cond(SsoLinksState.errors[name] != "", "true", "false"),
            aria_describedby=f"{field_id}-error",
            **props,
        ),
        rx.text(help_text, size="2", color=MUTED, margin_top="0.2rem"),
        error_text(SsoLinksState.errors[name], field_id=field_id),
        margin_bottom="1rem",
        min_width="0",
    )


def _form() -> rx.Component:
    return rx.el.form(
        rx.box(
            _input("Usuario del sistema", "sso-usuario", "username", "Ejemplo: maria.quispe", max_length=60),
            _input(
                "Identificador en el proveedor (sub)",
                "sso-sujeto",
                "subject",
                "Lo muestra la auditoría («rechazar_ingreso_sso») tras un primer intento de la persona.",
                max_length=255,
            ),
            style={
                "display": "grid",
                "grid_template_columns": ["minmax(0,1fr)", "minmax(0,1fr)", "repeat(2, minmax(0,1fr))"],
                "column_gap": "1rem",
            },
        ),
        primary_button("Vincular", type="submit", id="sso-vincular"),
        key=SsoLinksState.form_key.to(str),
        on_submit=SsoLinksState.link,
        reset_on_submit=False,
        style={**ROW, "margin_bottom": "1rem"},
    )


def _row(r) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.text(r["user"], weight="bold"),
                rx.text(rx.el.code(r["subject"]), size="2", style={"overflow_wrap": "anywhere"}),
                rx.text(r["how"], size="2", color=MUTED),
                rx.text(r["last"], size="2", color=MUTED),
                min_width="0",
            ),
            secondary_button(
                "Quitar",
                type="button",
                on_click=SsoLinksState.unlink(r["id"]),
                aria_label="Quitar la vinculación de " + r["user"],
                style=SMALL_BUTTON,
            ),
            justify="between",
            align="center",
            gap="0.75rem",
            wrap="wrap",
        ),
        style=ROW,
    )


def sso_tab() -> rx.Component:
    return rx.box(
        notice(SsoLinksState),
        section_head("Cuentas institucionales"),
        rx.cond(
            SsoLinksState.enabled,
            rx.box(
                rx.text(
                    "Quién es quién al ingresar con la cuenta institucional (",
                    rx.el.code(SsoLinksState.issuer),
                    "). Los roles se asignan en la pestaña Usuarios.",
                    rx.cond(
                        SsoLinksState.by_email,
                        " También se vinculan solas las cuentas cuyo correo verificado es el de un usuario.",
                        "",
                    ),
                    size="2",
                    color=MUTED,
                    margin_bottom="1rem",
                ),
                _form(),
                rx.cond(
                    SsoLinksState.rows.length() == 0,
                    rx.text("Todavía no hay cuentas vinculadas.", color=MUTED),
                ),
                item_list(rx.foreach(SsoLinksState.rows, _row), aria_label="Cuentas vinculadas", id="lista-sso"),
            ),
            rx.text(
                "El ingreso con la cuenta institucional no está configurado (SGD_OIDC_ISSUER, docs/sso.md).",
                color=MUTED,
            ),
        ),
        on_mount=SsoLinksState.load,
    )
