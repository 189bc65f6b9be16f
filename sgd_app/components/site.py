"""The header, skip link and footer of every page (ui.shell puts them around the content).

On a phone (< 768 px) the navigation is one "Menú" button (Radix's dropdown menu: a real
<button> with aria-expanded / aria-haspopup, arrow keys move through the links, Escape closes it
and gives the focus back to the button; all in the browser, no round trip to the server). From
768 px the same links are shown in the header. The footer carries the help and contact line.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A
from reflex_components_core.react_router import ReactRouterLink

from sgd_app import routes, settings
from sgd_app.state.header import HeaderState

_BRAND = "#8a1538"  # ui.BRAND (ui imports this module, so the value is repeated here)
_MUTED = "#505a64"
_SURFACE = "#f6f7f9"
_INK = "#1f2328"

# What a citizen may want from any page; "Ingresar" is the staff's door (a signed-in staff member
# sees "Mi bandeja" and "Salir" instead: HeaderState).
NAV = [
    ("Mesa de Partes", routes.MESA_DE_PARTES),
    ("Seguimiento", routes.SEGUIMIENTO),
    ("Casilla", routes.CASILLA),
    ("Verificar", routes.VERIFICAR),
    ("Ayuda", routes.AYUDA),
]
LOGIN = ("Ingresar", routes.INGRESAR)
INBOX = ("Mi bandeja", routes.BANDEJA)
LOGOUT_FORM = "form-salir"
_SIGNED_IN = HeaderState.staff_name != ""

MAIN_ID = "contenido"


def skip_link() -> rx.Component:
    """First focusable element: jumps to <main id="contenido" tabindex="-1"> (the focus moves).
    A plain <a href="#…"> (rx.el.a is React Router's Link, which would navigate, not jump)."""
    return A.create(
        "Saltar al contenido",
        href=f"#{MAIN_ID}",
        id="saltar",
        style={
            "position": "absolute",
            "left": "-999px",
            "top": "0.5rem",
            "background": "white",
            "color": _INK,
            "padding": "0.6rem 0.9rem",
            "border_radius": "6px",
            "z_index": "20",
            "font_weight": "600",
            "_focus": {"left": "0.5rem", "outline": f"3px solid {_BRAND}"},
        },
    )


def _nav_link(text: str, href: str) -> rx.Component:
    return rx.link(
        text,
        href=href,
        color="white",
        size="3",
        weight="medium",
        style={
            "padding": "0.5rem 0.25rem",
            "text_decoration": "underline",
            "text_underline_offset": "3px",
            "_focus_visible": {"outline": "3px solid white", "outline_offset": "2px"},
        },
    )


def _logout_button(**style) -> rx.Component:
    """Submits the header's hidden logout form (a real POST, as the staff bar's)."""
    return rx.el.button(
        "Salir",
        type="submit",
        form=LOGOUT_FORM,
        id="salir-cabecera",
        style={"cursor": "pointer", "font_weight": "600", "min_height": "44px", **style},
    )


def _staff_links(staff: bool) -> rx.Component:
    """Desktop: the signed-in name, "Mi bandeja" and "Salir" (on a staff page only the name: its
    staff bar has the rest); or "Ingresar"."""
    name = rx.text(HeaderState.staff_name, color="white", size="2", id="cabecera-usuario")
    if staff:
        return rx.cond(_SIGNED_IN, name, _nav_link(*LOGIN))
    return rx.cond(
        _SIGNED_IN,
        rx.flex(
            name,
            _nav_link(*INBOX),
            _logout_button(
                background="transparent",
                color="white",
                border="2px solid white",
                border_radius="8px",
                padding="0 0.8rem",
                _focus_visible={"outline": "3px solid white", "outline_offset": "2px"},
            ),
            gap="0.75rem",
            align="center",
        ),
        _nav_link(*LOGIN),
    )


def _menu_link(text: str, href: str) -> rx.Component:
    return rx.menu.item(
        # The router's own link as the item itself (Radix's asChild needs one element).
        ReactRouterLink.create(text, to=href),
        as_child=True,
        style={"min_height": "44px", "font_size": "1.05rem", "color": _INK, "text_decoration": "none"},
    )


def _menu_logout() -> rx.Component:
    """The phone menu's "Salir", for a signed-in staff member (a public page)."""
    return rx.cond(
        _SIGNED_IN,
        rx.menu.item(
            _logout_button(
                background="transparent",
                color=_INK,
                border="none",
                text_align="left",
                font_weight="400",
                font_size="1.05rem",
                padding="0 0.75rem",
            ),
            as_child=True,
            style={"min_height": "44px", "font_size": "1.05rem"},
        ),
    )


def _menu(staff: bool) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.el.button(
                rx.icon("menu", size=22, aria_hidden="true"),
                rx.el.span("Menú"),
                id="menu-boton",
                type="button",
                style={
                    "display": "inline-flex",
                    "align_items": "center",
                    "gap": "0.4rem",
                    "min_height": "44px",
                    "padding": "0 0.8rem",
                    "background": "transparent",
                    "color": "white",
                    "border": "2px solid white",
                    "border_radius": "8px",
                    "font_size": "1rem",
                    "font_weight": "600",
                    "cursor": "pointer",
                    "_focus_visible": {"outline": "3px solid white", "outline_offset": "2px"},
                },
            ),
        ),
        rx.menu.content(
            *[_menu_link(text, href) for text, href in NAV],
            rx.cond(_SIGNED_IN, _menu_link(*INBOX), _menu_link(*LOGIN)),
            *([] if staff else [_menu_logout()]),
            id="menu-principal",
            aria_label="Menú principal",
            align="end",
            size="2",
            style={"min_width": "220px"},
        ),
        modal=False,
    )


def site_header(*, staff: bool = False) -> rx.Component:
    """``staff``: a staff page (its staff bar carries the navigation and "Salir")."""
    return rx.el.header(
        rx.flex(
            rx.link(
                rx.flex(
                    rx.box(
                        settings.INSTITUTION_SHORT,
                        style={
                            "background": "white",
                            "color": _BRAND,
                            "font_weight": "800",
                            "padding": "0.15rem 0.45rem",
                            "border_radius": "6px",
                        },
                    ),
                    rx.text("Trámite Digital", color="white", weight="bold", size="4"),
                    gap="0.5rem",
                    align="center",
                ),
                href=routes.HOME,
                underline="none",
                style={"_focus_visible": {"outline": "3px solid white", "outline_offset": "2px"}},
            ),
            rx.el.nav(
                rx.flex(
                    *[_nav_link(t, h) for t, h in NAV], _staff_links(staff), gap="0.75rem", wrap="wrap", align="center"
                ),
                aria_label="Principal",
                display=["none", "none", "block"],
            ),
            rx.box(_menu(staff), display=["block", "block", "none"]),
            justify="between",
            align="center",
            gap="0.5rem",
            max_width="1100px",
            margin_x="auto",
            width="100%",
        ),
        rx.el.form(id=LOGOUT_FORM, action="/api/v1/sesion/salir", method="post", on_submit=None),
        on_mount=HeaderState.look,
        style={"background": _BRAND, "padding": "0.6rem 1rem", "min_height": "60px"},
    )


def site_footer() -> rx.Component:
    # Explicit colours in every state: Radix's link tint (hover, focus, the current page's link)
    # failed the contrast check on /casilla.
    link = {
        "color": _INK,
        "text_decoration": "underline",
        "text_underline_offset": "3px",
        "_hover": {"color": _BRAND},
        "_visited": {"color": _INK},
    }
    return rx.el.footer(
        rx.el.nav(
            rx.flex(
                rx.el.a("Ayuda y contacto", href=routes.AYUDA, style=link),
                rx.el.a("Seguimiento", href=routes.SEGUIMIENTO, style=link),
                rx.el.a("Casilla electrónica", href=routes.CASILLA, style=link),
                rx.el.a("Mirador", href=routes.MIRADOR, style=link),
                gap="0.5rem 1.25rem",
                wrap="wrap",
                justify="center",
            ),
            aria_label="Pie de página",
        ),
        rx.text(
            f"Consultas: {settings.CONTACT_PHONE} ({settings.CONTACT_HOURS}) · {settings.CONTACT_EMAIL}",
            size="2",
            color=_MUTED,
            text_align="center",
            margin_top="0.75rem",
        ),
        rx.text(
            f"{settings.INSTITUTION_NAME} · Mesa de Partes Virtual abierta las 24 horas. "
            "Lo presentado en día inhábil se considera presentado el siguiente día hábil (Ley N° 31465).",
            size="2",
            color=_MUTED,
            text_align="center",
            margin_top="0.5rem",
        ),
        style={"padding": "1.5rem 1rem", "border_top": "1px solid #e3e6ea", "background": _SURFACE},
    )
