"""/admin — units (tree), users and roles, procedure catalogue, non-working days, templates,
SSO links, API clients, classification and the directory of entities. UI only: the
page and its tabs here, one module per tab beside it, the shared form pieces in ``forms``."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import notice
from sgd_app.components.page import staff_page
from sgd_app.components.ui import ERROR, MUTED, card, link_button
from sgd_app.pages.admin.api_clients import api_clients_tab
from sgd_app.pages.admin.classification import classification_tab
from sgd_app.pages.admin.entities import entities_tab
from sgd_app.pages.admin.non_working_days import days_tab
from sgd_app.pages.admin.procedures import procedures_tab
from sgd_app.pages.admin.sso import sso_tab
from sgd_app.pages.admin.templates import templates_tab
from sgd_app.pages.admin.units import units_tab
from sgd_app.pages.admin.users import users_tab
from sgd_app.state.admin import NO_PERMISSION, AdminState

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
                rx.tabs.trigger("Plantillas", value="plantillas", style=_TAB),
                rx.tabs.trigger("Cuentas institucionales", value="sso", style=_TAB),
                rx.tabs.trigger("Clientes API", value="api", style=_TAB),
                rx.tabs.trigger("Clasificación", value="clasificacion", style=_TAB),
                rx.tabs.trigger("Entidades", value="entidades", style=_TAB),
                size="2",
                style={"flex_wrap": "wrap", "margin_bottom": "1rem"},
            ),
            rx.tabs.content(units_tab(), value="unidades"),
            rx.tabs.content(users_tab(), value="usuarios"),
            rx.tabs.content(procedures_tab(), value="tramites"),
            rx.tabs.content(days_tab(), value="dias"),
            rx.tabs.content(templates_tab(), value="plantillas"),
            rx.tabs.content(sso_tab(), value="sso"),
            rx.tabs.content(api_clients_tab(), value="api"),
            rx.tabs.content(classification_tab(), value="clasificacion"),
            rx.tabs.content(entities_tab(), value="entidades"),
            value=AdminState.tab,
            on_change=AdminState.set_tab,
        ),
    )


def _denied() -> rx.Component:
    return card(
        rx.flex(
            rx.icon("lock", size=24, color=ERROR, aria_hidden="true", flex_shrink="0"),
            rx.text(NO_PERMISSION, weight="medium", id="sin-permiso", role="alert"),
            gap="0.6rem",
            align="center",
        ),
        rx.box(
            link_button(
                "Ir a mi bandeja", href=routes.BANDEJA, primary=False, style={"width": "auto", "display": "inline-flex"}
            ),
            margin_top="1rem",
        ),
        style={"max_width": "640px"},
    )


@staff_page(routes.ADMIN, title="Administración", on_load=AdminState.load)
def admin() -> rx.Component:
    return rx.fragment(
        notice(AdminState),
        rx.cond(
            AdminState.allowed,
            _content(),
            rx.cond(AdminState.denied, _denied(), rx.text("Cargando…", color=MUTED, role="status")),
        ),
    )
