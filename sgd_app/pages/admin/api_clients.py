"""/admin, Clientes API tab: the systems of other institutions allowed to call /api/v1/ext
(docs/api.md): the list, the register form (a client_secret is shown once, with a copy button),
deactivate / reactivate, and each client's rate limit."""

from __future__ import annotations

import reflex as rx
from reflex.vars import FunctionVar

from sgd_app.components.notice import notice
from sgd_app.components.ui import BRAND, ERROR, MUTED, OK, error_text, primary_button, secondary_button
from sgd_app.pages.admin.forms import INPUT, LABEL, ROW, SMALL_BUTTON, TEXTAREA, badge, item_list, section_head
from sgd_app.state.admin_api import SCOPE_OPTIONS, ApiClientsState

S = ApiClientsState
_GRID = {
    "display": "grid",
    "grid_template_columns": ["minmax(0,1fr)", "minmax(0,1fr)", "repeat(2, minmax(0,1fr))"],
    "column_gap": "1rem",
}

_COPY = rx.Var(
    """(async (text) => {
  const said = document.getElementById("secreto-copia");
  try {
    await navigator.clipboard.writeText(text);
    if (said) said.textContent = "Secreto copiado.";
  } catch (e) {
    if (said) said.textContent = "No se pudo copiar: selecciónelo y cópielo a mano.";
  }
})"""
).to(FunctionVar)


def _aria(field_id: str, key: str) -> dict:
    return {
        "aria_invalid": rx.cond(S.errors[key] != "", "true", "false"),
        "aria_describedby": f"{field_id}-error",
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


def _input(label: str, field_id: str, name: str, help_text: str = "", **props) -> rx.Component:
    control = rx.el.input(
        id=field_id, name=name, type="text", auto_complete="off", style=INPUT, **_aria(field_id, name), **props
    )
    return _field(label, control, field_id=field_id, key=name, help_text=help_text)


def _scope_box(o) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            name="scope_" + o["scope"],
            id="alcance-" + o["scope"].replace(":", "-"),
            style={"width": "22px", "height": "22px", "accent_color": BRAND, "flex_shrink": "0", "margin_top": "2px"},
        ),
        rx.box(rx.el.code(o["scope"]), rx.text(o["label"], size="2", color=MUTED)),
        style={
            "display": "flex",
            "align_items": "flex-start",
            "gap": "0.6rem",
            "min_height": "44px",
            "cursor": "pointer",
        },
    )


def _scopes() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend("Alcances", style=LABEL),
        rx.box(rx.foreach(SCOPE_OPTIONS, _scope_box), style={"display": "grid", "gap": "0.35rem"}),
        error_text(S.errors["scopes"], field_id="alcances"),
        aria_describedby="alcances-error",
        style={"border": "none", "padding": "0", "margin": "0 0 1rem 0", "min_width": "0"},
    )


def _method() -> rx.Component:
    select = rx.el.select(
        rx.el.option("Clave pública (private_key_jwt, recomendado)", value="private_key_jwt"),
        rx.el.option("Secreto compartido (client_secret)", value="client_secret"),
        id="api-metodo",
        name="auth_method",
        default_value="private_key_jwt",
        on_change=S.set_method,
        style=INPUT,
        **_aria("api-metodo", "auth_method"),
    )
    return _field("Autenticación", select, field_id="api-metodo", key="auth_method")


def _jwk() -> rx.Component:
    area = rx.el.textarea(
        id="api-jwk",
        name="public_jwk",
        rows=6,
        spell_check=False,
        style={**TEXTAREA, "font_family": "monospace", "font_size": "0.9rem"},
        placeholder='{"kty": "EC", "crv": "P-256", "x": "…", "y": "…"}',
        **_aria("api-jwk", "public_jwk"),
    )
    return _field(
        "Clave pública del cliente (JWK)",
        area,
        field_id="api-jwk",
        key="public_jwk",
        help_text="RSA de 2048 bits o más, o EC P-256. Solo la parte pública: la privada no sale del sistema cliente.",
    )


def _form() -> rx.Component:
    return rx.el.form(
        rx.heading("Registrar un cliente", as_="h3", size="4", margin_bottom="0.75rem"),
        rx.box(
            _input("Nombre del sistema cliente", "api-nombre", "name", "Ejemplo: SGD del ONPE", max_length=200),
            _input("RUC de la entidad", "api-ruc", "ruc", "11 dígitos", max_length=11, input_mode="numeric"),
            _input(
                "Cuenta de servicio",
                "api-cuenta",
                "username",
                "El usuario cuyas unidades y roles deciden qué expedientes ve el cliente.",
                max_length=60,
                auto_capitalize="none",
            ),
            _input(
                "Límite propio de llamadas (opcional)",
                "api-limite",
                "rate_limit",
                "Ejemplo: 120/minute. Vacío: el límite general de la API.",
                max_length=40,
                auto_capitalize="none",
            ),
            style=_GRID,
        ),
        _scopes(),
        _method(),
        rx.cond(S.method == "private_key_jwt", _jwk(), rx.fragment()),
        primary_button("Registrar cliente", type="submit", id="api-registrar"),
        key=S.form_key.to(str),
        on_submit=S.register,
        reset_on_submit=False,
        style={**ROW, "margin_bottom": "1rem"},
    )


def _secret() -> rx.Component:
    return rx.cond(
        S.new_secret != "",
        rx.box(
            rx.heading("Secreto del cliente", as_="h3", size="4", margin_bottom="0.4rem"),
            rx.text("client_id: ", rx.el.code(S.new_client_id, id="nuevo-client-id"), size="2"),
            rx.el.pre(
                S.new_secret,
                id="nuevo-secreto",
                style={
                    "white_space": "pre-wrap",
                    "overflow_wrap": "anywhere",
                    "background": "#f3f5f7",
                    "padding": "0.6rem",
                    "border_radius": "8px",
                    "font_size": "0.95rem",
                    "margin": "0.5rem 0",
                },
            ),
            rx.text(
                "Guárdelo ahora en el sistema cliente: no se mostrará otra vez (aquí solo queda su huella).",
                weight="medium",
                color=ERROR,
                size="2",
            ),
            rx.flex(
                secondary_button(
                    "Copiar secreto",
                    type="button",
                    id="copiar-secreto",
                    on_click=rx.run_script(_COPY.call(S.new_secret)),
                    style=SMALL_BUTTON,
                ),
                secondary_button("Ya lo guardé", type="button", on_click=S.hide_secret, style=SMALL_BUTTON),
                gap="0.75rem",
                wrap="wrap",
                margin_top="0.5rem",
            ),
            rx.text("", id="secreto-copia", role="status", size="2", color=OK, margin_top="0.25rem"),
            role="region",
            aria_label="Secreto del cliente recién registrado",
            style={**ROW, "border": f"2px solid {BRAND}", "margin_bottom": "1rem"},
        ),
    )


def _limit_form(r) -> rx.Component:
    return rx.el.form(
        rx.el.label("Nuevo límite", html_for="api-nuevo-limite", style=LABEL),
        rx.flex(
            rx.el.input(
                id="api-nuevo-limite",
                name="rate_limit",
                default_value=r["limit"],
                placeholder="120/minute",
                auto_complete="off",
                style={**INPUT, "max_width": "16rem"},
                **_aria("api-nuevo-limite", "limit"),
            ),
            primary_button("Guardar límite", type="submit", style=SMALL_BUTTON),
            secondary_button("Cancelar", type="button", on_click=S.cancel_limit, style=SMALL_BUTTON),
            gap="0.5rem",
            wrap="wrap",
            align="center",
        ),
        rx.text("Vacío: el límite general de la API.", size="2", color=MUTED, margin_top="0.2rem"),
        error_text(S.errors["limit"], field_id="api-nuevo-limite"),
        on_submit=S.save_limit,
        reset_on_submit=False,
        margin_top="0.6rem",
    )


def _row(r) -> rx.Component:
    active = r["active"] != ""
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.flex(
                    rx.text(r["name"], weight="bold"),
                    rx.cond(active, badge("Activo", "green"), badge("Desactivado", "gray")),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    "RUC ", r["ruc"], " · ", rx.el.code(r["client_id"]), size="2", style={"overflow_wrap": "anywhere"}
                ),
                rx.text("Alcances: ", r["scopes"], size="2"),
                rx.text(r["method"], " · cuenta ", r["account"], " · límite ", r["limit_label"], size="2", color=MUTED),
                rx.text("Último uso: ", r["last"], " · registrado el ", r["created"], size="2", color=MUTED),
                min_width="0",
            ),
            rx.flex(
                secondary_button(
                    "Cambiar límite",
                    type="button",
                    on_click=S.edit_limit(r["client_id"]),
                    aria_label="Cambiar límite de " + r["name"],
                    style=SMALL_BUTTON,
                ),
                rx.cond(
                    active,
                    secondary_button(
                        "Desactivar",
                        type="button",
                        on_click=S.set_active(r["client_id"], False),
                        aria_label="Desactivar " + r["name"],
                        style=SMALL_BUTTON,
                    ),
                    secondary_button(
                        "Reactivar",
                        type="button",
                        on_click=S.set_active(r["client_id"], True),
                        aria_label="Reactivar " + r["name"],
                        style=SMALL_BUTTON,
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
            ),
            justify="between",
            align="center",
            gap="0.75rem",
            wrap="wrap",
        ),
        rx.cond(S.editing == r["client_id"], _limit_form(r), rx.fragment()),
        style=ROW,
    )


def api_clients_tab() -> rx.Component:
    return rx.box(
        notice(S),
        section_head("Clientes API"),
        rx.text(
            "Sistemas de otras entidades que llaman a /api/v1/ext con un token OAuth2. "
            "También se gestionan con «python -m sgd_app api-client» (docs/api.md).",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        _secret(),
        rx.cond(
            S.rows.length() == 0, rx.text("Todavía no hay clientes registrados.", color=MUTED, margin_bottom="1rem")
        ),
        item_list(
            rx.foreach(S.rows, _row),
            aria_label="Clientes registrados",
            id="lista-clientes-api",
            style={"margin_bottom": "1.25rem"},
        ),
        _form(),
        on_mount=S.load,
    )
