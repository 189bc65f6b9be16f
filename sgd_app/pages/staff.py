"""/ingresar and /bandeja (the unit inbox with its tabs, filters and deadline traffic light)."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, OK, card, primary_button, secondary_button, shell
from sgd_app.domain.routing import PRIORITIES, TABS
from sgd_app.state.login import LoginState as L
from sgd_app.state.staff import InboxState as I
from sgd_app.state.staff import StaffNav as N

_INPUT = {
    "width": "100%",
    "min_height": "48px",
    "font_size": "1.05rem",
    "padding": "0 0.75rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
_SMALL_INPUT = {**_INPUT, "min_height": "44px", "font_size": "1rem"}
LIGHT_COLORS = {"red": "#b42318", "amber": "#b54708", "green": "#146c2e", "gray": "#667085"}


def _nav(text: str, href: str) -> rx.Component:
    # Explicit colours: Radix's hover/focus tint on a link failed the contrast check.
    return rx.el.a(
        text,
        href=href,
        style={
            "color": BRAND,
            "font_weight": "500",
            "text_decoration": "underline",
            "text_underline_offset": "3px",
            "padding": "0.35rem 0",
            "_hover": {"color": "#6b0f2b"},
            "_visited": {"color": BRAND},
        },
    )


def staff_bar() -> rx.Component:
    """Navigation shared by the staff pages, with the logout button (a real form POST)."""
    return rx.flex(
        rx.flex(
            _nav("Bandeja", "/bandeja"),
            rx.cond(
                N.expiring > 0,
                rx.el.a(
                    rx.icon("alarm-clock", size=14, aria_hidden="true"),
                    N.expiring,
                    " vencen pronto",
                    href="/bandeja?pestana=por_vencer",
                    id="alerta-vencimientos",
                    title="Expedientes de sus unidades que vencen en un día hábil o menos",
                    style={
                        "display": "inline-flex",
                        "gap": "0.3rem",
                        "align_items": "center",
                        "background": ERROR,
                        "color": "white",
                        "border_radius": "999px",
                        "padding": "0.2rem 0.7rem",
                        "font_weight": "600",
                        "font_size": "0.9rem",
                        "text_decoration": "none",
                        "min_height": "32px",
                    },
                ),
            ),
            _nav("Buscar", "/buscar"),
            _nav("Firma", "/firma"),
            _nav("Reportes", "/reportes"),
            _nav("Tablero", "/tablero"),
            rx.cond(N.is_clerk, _nav("Registrar documento", "/registrar")),
            rx.cond(N.is_admin, _nav("Administración", "/admin")),
            gap="1rem",
            wrap="wrap",
            align="center",
        ),
        rx.el.form(
            secondary_button("Salir", type="submit", style={"min_height": "44px"}),
            action="/api/v1/sesion/salir",
            method="post",
            on_submit=None,
        ),
        justify="between",
        align="center",
        gap="1rem",
        wrap="wrap",
        margin_bottom="1rem",
        padding_bottom="0.75rem",
        border_bottom="1px solid #e3e6ea",
    )


def ingresar() -> rx.Component:
    return shell(
        card(
            rx.cond(
                L.notice != "",
                rx.text(
                    L.notice, role="alert", id="aviso", color=rx.cond(L.is_error, ERROR, OK), margin_bottom="0.75rem"
                ),
            ),
            rx.el.form(
                rx.el.label(
                    "Usuario",
                    html_for="usuario",
                    style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"},
                ),
                rx.el.input(
                    id="usuario",
                    name="usuario",
                    type="text",
                    auto_complete="username",
                    required=True,
                    auto_capitalize="none",
                    style=_INPUT,
                ),
                rx.el.label(
                    "Contraseña",
                    html_for="clave",
                    style={"font_weight": "600", "display": "block", "margin": "1rem 0 0.3rem"},
                ),
                rx.el.input(
                    id="clave",
                    name="clave",
                    type="password",
                    auto_complete="current-password",
                    required=True,
                    style=_INPUT,
                ),
                primary_button("Ingresar", type="submit", width="100%", margin_top="1.25rem", id="ingresar"),
                action="/api/v1/sesion",
                method="post",
                on_submit=None,
            ),
            style={"max_width": "420px"},
        ),
        rx.text("Acceso solo para el personal de la institución.", size="2", color=MUTED, margin_top="1rem"),
        title="Ingresar",
    )


def light_badge(color, label) -> rx.Component:
    return rx.flex(
        rx.box(
            width="12px",
            height="12px",
            border_radius="50%",
            flex_shrink="0",
            background=rx.match(color, *[(k, v) for k, v in LIGHT_COLORS.items()], "#667085"),
            aria_hidden="true",
        ),
        rx.text(
            label,
            size="2",
            weight="medium",
            color=rx.match(color, *[(k, v) for k, v in LIGHT_COLORS.items()], "#667085"),
        ),
        gap="0.4rem",
        align="center",
    )


def _tab_button(key: str, label: str) -> rx.Component:
    active = I.tab == key
    return rx.el.button(
        label,
        " ",
        rx.badge(I.counts[key], variant=rx.cond(active, "solid", "soft"), color_scheme="gray", size="1"),
        on_click=I.set_tab(key),
        type="button",
        id=f"pestana-{key}",
        aria_pressed=rx.cond(active, "true", "false"),
        style={
            "min_height": "44px",
            "padding": "0 0.9rem",
            "border_radius": "999px",
            "white_space": "nowrap",
            "border": rx.cond(active, f"2px solid {BRAND}", "1px solid #c6ccd3"),
            "background": rx.cond(active, "#fbeff2", "white"),
            "color": INK,
            "font_weight": "600",
            "cursor": "pointer",
        },
    )


def _filters() -> rx.Component:
    def field(label: str, control: rx.Component, fid: str) -> rx.Component:
        return rx.box(
            rx.el.label(label, html_for=fid, style={"font_size": "0.9rem", "font_weight": "600"}),
            control,
            min_width="0",
        )

    select_style = {**_SMALL_INPUT, "padding": "0 0.5rem"}
    return rx.el.details(
        rx.el.summary(
            "Filtros",
            style={
                "cursor": "pointer",
                "font_weight": "600",
                "min_height": "44px",
                "display": "flex",
                "align_items": "center",
            },
        ),
        rx.form(
            rx.grid(
                field(
                    "Trámite",
                    rx.el.select(
                        rx.el.option("Todos", value=""),
                        rx.foreach(I.procedure_options, lambda p: rx.el.option(p[1], value=p[0])),
                        id="f-procedure",
                        name="procedure",
                        default_value=I.filters["procedure"],
                        style=select_style,
                    ),
                    "f-procedure",
                ),
                field(
                    "Prioridad",
                    rx.el.select(
                        rx.el.option("Todas", value=""),
                        *[rx.el.option(label, value=code) for code, label in PRIORITIES.items()],
                        id="f-priority",
                        name="priority",
                        default_value=I.filters["priority"],
                        style=select_style,
                    ),
                    "f-priority",
                ),
                field(
                    "Categoría",
                    rx.el.select(
                        rx.el.option("Todas", value=""),
                        rx.el.option("Administrativo", value="administrativo"),
                        rx.el.option("Jurisdiccional", value="jurisdiccional"),
                        id="f-category",
                        name="category",
                        default_value=I.filters["category"],
                        style=select_style,
                    ),
                    "f-category",
                ),
                field(
                    "Remitente (nombre o documento)",
                    rx.el.input(id="f-sender", name="sender", default_value=I.filters["sender"], style=_SMALL_INPUT),
                    "f-sender",
                ),
                field(
                    "Presentado desde",
                    rx.el.input(
                        type="date",
                        id="f-from",
                        name="date_from",
                        default_value=I.filters["date_from"],
                        style=_SMALL_INPUT,
                    ),
                    "f-from",
                ),
                field(
                    "Presentado hasta",
                    rx.el.input(
                        type="date", id="f-to", name="date_to", default_value=I.filters["date_to"], style=_SMALL_INPUT
                    ),
                    "f-to",
                ),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                gap="0.75rem",
                width="100%",
            ),
            rx.flex(
                primary_button("Aplicar filtros", type="submit", style={"min_height": "44px"}),
                secondary_button("Limpiar", type="button", on_click=I.clear_filters, style={"min_height": "44px"}),
                gap="0.75rem",
                margin_top="0.75rem",
            ),
            on_submit=I.apply_filters,
            reset_on_submit=False,
        ),
        style={
            "background": "white",
            "border": "1px solid #d8dde3",
            "border_radius": "12px",
            "padding": "0.25rem 1rem 0.75rem",
            "margin_bottom": "1rem",
        },
    )


def _case_row(r: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.flex(
                rx.box(
                    rx.flex(
                        rx.text(r["number"], weight="bold", size="3", color=BRAND),
                        rx.cond(r["urgent"] != "", rx.badge(r["priority"], color_scheme="red", size="1")),
                        gap="0.5rem",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.text(r["procedure"], size="2", weight="medium", color=INK),
                    rx.text(
                        r["subject"],
                        size="2",
                        color=MUTED,
                        style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"},
                    ),
                    rx.text(r["filer"], " · ", r["channel"], " · recibido ", r["received"], size="1", color=MUTED),
                    rx.cond(r["note"] != "", rx.text("Proveído: ", r["note"], size="1", color=INK)),
                    min_width="0",
                    flex="1",
                ),
                rx.box(
                    light_badge(r["light"], r["light_label"]),
                    rx.text("Vence ", r["due"], size="1", color=MUTED),
                    rx.text(r["status"], " · ", r["unit"], size="1", color=MUTED),
                    text_align="right",
                    flex_shrink="0",
                    max_width="45%",
                ),
                gap="0.75rem",
                justify="between",
            ),
            href="/expedientes/" + r["number"].to(str),
            underline="none",
            style={"display": "block", "padding": "0.75rem 1rem", "color": INK, "_hover": {"background": "#fbf7f8"}},
        ),
        style={"border_bottom": "1px solid #eceff2", "list_style": "none"},
    )


def _delegation() -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            "Delegar mi bandeja (subrogación)",
            style={
                "cursor": "pointer",
                "font_weight": "600",
                "min_height": "44px",
                "display": "flex",
                "align_items": "center",
            },
        ),
        rx.text(
            "Mientras dure, la persona elegida puede recibir, derivar, archivar y atender como usted; la "
            "hoja de ruta indicará que actúa por su encargo.",
            size="2",
            color=MUTED,
        ),
        rx.form(
            rx.grid(
                rx.box(
                    rx.el.label("Unidad", html_for="d-unit", style={"font_weight": "600"}),
                    rx.el.select(
                        rx.foreach(I.head_units, lambda u: rx.el.option(u[1], value=u[0])),
                        id="d-unit",
                        name="unit",
                        style=_SMALL_INPUT,
                    ),
                ),
                rx.box(
                    rx.el.label("Persona", html_for="d-user", style={"font_weight": "600"}),
                    rx.el.select(
                        rx.el.option("Elija…", value=""),
                        rx.foreach(I.members, lambda m: rx.el.option(m[1], value=m[0])),
                        id="d-user",
                        name="to_user",
                        style=_SMALL_INPUT,
                    ),
                ),
                rx.box(
                    rx.el.label("Desde", html_for="d-from", style={"font_weight": "600"}),
                    rx.el.input(type="date", id="d-from", name="starts_on", style=_SMALL_INPUT),
                ),
                rx.box(
                    rx.el.label("Hasta", html_for="d-to", style={"font_weight": "600"}),
                    rx.el.input(type="date", id="d-to", name="ends_on", style=_SMALL_INPUT),
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                gap="0.75rem",
            ),
            rx.cond(I.delegation_error != "", rx.text(I.delegation_error, color=ERROR, role="alert", size="2")),
            primary_button("Delegar", type="submit", margin_top="0.75rem", style={"min_height": "44px"}),
            on_submit=I.delegate,
            reset_on_submit=False,
        ),
        rx.foreach(
            I.delegations,
            lambda d: rx.flex(
                rx.text(d["to"], " · ", d["unit"], " · ", d["range"], size="2"),
                rx.button(
                    "Revocar",
                    on_click=I.revoke(d["id"]),
                    variant="ghost",
                    size="2",
                    type="button",
                    style={"color": BRAND, "min_height": "40px"},
                ),
                justify="between",
                align="center",
                border_top="1px solid #eceff2",
                padding_y="0.3rem",
            ),
        ),
        style={
            "background": "white",
            "border": "1px solid #d8dde3",
            "border_radius": "12px",
            "padding": "0.25rem 1rem 0.75rem",
            "margin_top": "1rem",
        },
    )


def bandeja() -> rx.Component:
    return shell(
        staff_bar(),
        rx.box(
            rx.text(I.user_name, weight="bold", id="usuario-actual"),
            rx.text(I.unit_names, size="2", color=MUTED),
            rx.cond(I.delegated_note != "", rx.text(I.delegated_note, size="2", color=BRAND)),
            margin_bottom="0.75rem",
        ),
        rx.box(
            rx.flex(*[_tab_button(k, v) for k, v in TABS.items()], gap="0.5rem", wrap="nowrap"),
            role="toolbar",
            aria_label="Pestañas de la bandeja",
            style={"overflow_x": "auto", "padding_bottom": "0.5rem", "margin_bottom": "0.75rem"},
        ),
        _filters(),
        card(
            rx.text(I.total, " expediente(s)", size="2", color=MUTED, id="total-bandeja", padding="0 1rem 0.5rem"),
            rx.cond(
                I.rows.length() == 0,
                rx.text("No hay expedientes en esta pestaña.", color=MUTED, padding="1rem"),
                rx.el.ul(rx.foreach(I.rows, _case_row), style={"margin": "0", "padding": "0"}, id="lista-bandeja"),
            ),
            style={"padding": "0.75rem 0 0"},
        ),
        rx.flex(
            secondary_button("Anterior", on_click=I.prev_page, disabled=I.page == 0, type="button"),
            rx.text("Página ", I.page + 1, " de ", I.pages),
            secondary_button("Siguiente", on_click=I.next_page, disabled=I.page + 1 >= I.pages, type="button"),
            gap="1rem",
            align="center",
            justify="center",
            margin_top="1rem",
        ),
        rx.cond(I.is_head, _delegation()),
        title="Bandeja",
        wide=True,
    )
