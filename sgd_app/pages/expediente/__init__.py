"""/expedientes/[numero] — header, documents with a viewer, hoja de ruta, notes and actions."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import notice
from sgd_app.components.page import staff_page
from sgd_app.components.shortcuts import shortcuts
from sgd_app.components.ui import (
    BRAND,
    INK,
    MUTED,
    card,
    info_row,
    light_badge,
    primary_button,
    secondary_button,
)
from sgd_app.pages.expediente.desk import copy_read_box, reclassify_form
from sgd_app.pages.expediente.forms import (
    AREA,
    acumular_form,
    annex_form,
    attend_form,
    derive_form,
    field_error,
    field_label,
    panel,
    priority_form,
    submit_row,
    text_form,
)
from sgd_app.pages.expediente.internal_docs import internal_docs
from sgd_app.pages.expediente.interop import interop_box, origin_rows
from sgd_app.pages.expediente.prints import print_links
from sgd_app.pages.expediente.records_card import records_card
from sgd_app.state.desk import DeskState
from sgd_app.state.expediente import ExpedienteState
from sgd_app.state.interop import InteropSendState


def _header() -> rx.Component:
    return card(
        rx.flex(
            rx.box(
                rx.text(ExpedienteState.h["procedure"], " · ", ExpedienteState.h["category"], size="2", color=MUTED),
                rx.heading(ExpedienteState.h["number"], as_="h1", size="7", id="numero-expediente"),
                rx.text(ExpedienteState.h["subject"], size="3", color=INK),
                min_width="0",
            ),
            rx.box(
                rx.badge(ExpedienteState.h["status_label"], size="3", color_scheme="ruby", id="estado-expediente"),
                rx.box(
                    light_badge(ExpedienteState.h["light"], ExpedienteState.h["light_label"]),
                    margin_top="0.4rem",
                    id="semaforo",
                ),
                text_align="right",
            ),
            justify="between",
            gap="1rem",
            wrap="wrap",
        ),
        rx.grid(
            info_row("Remitente", ExpedienteState.h["filer"] + " · " + ExpedienteState.h["filer_doc"]),
            info_row("Contacto", ExpedienteState.h["filer_contact"]),
            info_row(
                "Unidad a cargo",
                ExpedienteState.h["unit"]
                + rx.cond(ExpedienteState.h["assigned"] != "", " — " + ExpedienteState.h["assigned"], ""),
            ),
            info_row("Prioridad", ExpedienteState.h["priority"]),
            info_row("Recibido", ExpedienteState.h["received"] + " · " + ExpedienteState.h["channel"]),
            info_row("Fecha legal de presentación", ExpedienteState.h["filed"]),
            info_row("Plazo legal", ExpedienteState.h["due"]),
            info_row(
                "Plazo de este paso",
                ExpedienteState.h["step_due"]
                + rx.cond(
                    ExpedienteState.h["days_left"] != "", " (" + ExpedienteState.h["days_left"] + " días hábiles)", ""
                ),
            ),
            info_row("Folios", ExpedienteState.h["folios"]),
            origin_rows(),
            rx.cond(ExpedienteState.h["fields"] != "", info_row("Datos del trámite", ExpedienteState.h["fields"])),
            rx.cond(
                ExpedienteState.h["accumulated_into"] != "",
                info_row("Acumulado a", ExpedienteState.h["accumulated_into"]),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            column_gap="1.5rem",
            margin_top="0.75rem",
        ),
        print_links(),
        style={"margin_bottom": "1rem"},
    )


def _actions() -> rx.Component:
    def btn(key: str, label: str, **props):
        return rx.cond(
            ExpedienteState.can[key],
            secondary_button(
                label,
                on_click=ExpedienteState.open_panel(key),
                type="button",
                id=f"accion-{key}",
                style={"min_height": "44px"},
                **props,
            ),
        )

    return card(
        rx.heading("Acciones", as_="h2", size="4", margin_bottom="0.5rem"),
        rx.cond(
            ExpedienteState.message != "",
            rx.callout(
                ExpedienteState.message,
                icon="refresh-cw",
                color_scheme="amber",
                role="alert",
                id="aviso-conflicto",
                margin_bottom="0.5rem",
            ),
        ),
        field_error("general"),
        copy_read_box(),
        rx.cond(
            ExpedienteState.actions.length() == 0,
            rx.text("No tiene acciones disponibles en este expediente (solo lectura).", color=MUTED, id="solo-lectura"),
            rx.flex(
                rx.cond(
                    ExpedienteState.can["recibir"],
                    primary_button(
                        "Recibir",
                        on_click=ExpedienteState.receive,
                        type="button",
                        id="accion-recibir",
                        style={"min_height": "44px"},
                    ),
                ),
                btn("derivar", "Derivar"),
                btn("devolver", "Devolver"),
                btn("atender", "Atender"),
                btn("archivar", "Archivar"),
                btn("acumular", "Acumular"),
                btn("prioridad", "Prioridad"),
                btn("observar", "Observar"),
                btn("reclasificar", "Corregir procedimiento"),
                btn("nota", "Nota"),
                btn("anexo", "Anexo"),
                gap="0.5rem",
                wrap="wrap",
            ),
        ),
        rx.match(
            ExpedienteState.panel,
            ("derivar", derive_form()),
            ("devolver", text_form("Motivo de la devolución", "reason", ExpedienteState.return_case, "Devolver")),
            ("archivar", text_form("Motivo del archivo", "reason", ExpedienteState.archive, "Archivar")),
            ("atender", attend_form()),
            (
                "observar",
                panel(
                    field_label("Observaciones (una por línea; se formulan una sola vez)", "campo-items"),
                    rx.el.textarea(id="campo-items", name="items", style={**AREA, "min_height": "140px"}),
                    rx.text(
                        "El expediente queda observado: su plazo se detiene y el administrado tiene 2 días "
                        "hábiles para subsanar desde su casilla o la página de seguimiento.",
                        size="1",
                        color=MUTED,
                    ),
                    field_error("items"),
                    submit_row("Observar"),
                    on_submit=ExpedienteState.observe,
                ),
            ),
            ("reclasificar", reclassify_form()),
            ("acumular", acumular_form()),
            ("prioridad", priority_form()),
            ("nota", text_form("Nota", "note", ExpedienteState.add_note, "Guardar nota")),
            ("anexo", annex_form()),
            rx.fragment(),
        ),
        interop_box(),
        style={"margin_bottom": "1rem"},
    )


def _documents() -> rx.Component:
    return card(
        rx.heading("Documentos", as_="h2", size="4", margin_bottom="0.5rem"),
        rx.foreach(
            ExpedienteState.documents,
            lambda d: rx.flex(
                rx.box(
                    rx.text(d["label"], ": ", d["filename"], weight="medium", style={"overflow_wrap": "anywhere"}),
                    rx.text(
                        d["pages"],
                        " pág. · ",
                        d["size"],
                        " · ",
                        d["at"],
                        rx.cond(d["author"] != "", " · " + d["author"], ""),
                        size="1",
                        color=MUTED,
                    ),
                    rx.text("SHA-256 ", d["sha256"], size="1", color=MUTED, style={"word_break": "break-all"}),
                    rx.cond(d["text"] != "", rx.text(d["text"], size="1", color=INK, class_name="texto-documento")),
                    rx.cond(
                        d["text_busy"] != "",
                        rx.progress(
                            value=d["text_pct"].to(int),
                            max=100,
                            color_scheme="ruby",
                            aria_label="Avance de la lectura del texto",
                            style={"max_width": "240px"},
                        ),
                    ),
                    flex="1",
                    min_width="0",
                ),
                rx.flex(
                    rx.button(
                        "Ver",
                        on_click=ExpedienteState.view_document(d["id"], d["filename"]),
                        size="2",
                        variant="soft",
                        type="button",
                        style={"min_height": "40px"},
                    ),
                    rx.el.a(
                        "Descargar",
                        href="/api/v1/documentos/" + d["id"].to(str) + "?descargar=1",
                        style={"color": BRAND, "font_weight": "500", "padding": "0.5rem"},
                    ),
                    gap="0.25rem",
                    align="center",
                    flex_shrink="0",
                ),
                gap="0.75rem",
                padding_y="0.5rem",
                border_bottom="1px solid #eceff2",
                align="center",
            ),
        ),
        rx.cond(
            ExpedienteState.viewer_url != "",
            rx.box(
                rx.text("Vista: ", ExpedienteState.viewer_name, size="2", color=MUTED, margin_y="0.5rem"),
                rx.el.iframe(
                    src=ExpedienteState.viewer_url,
                    title="Visor del documento",
                    style={"width": "100%", "height": "70vh", "border": "1px solid #d8dde3", "border_radius": "8px"},
                ),
                rx.el.a(
                    "Abrir el PDF en otra pestaña",
                    href=ExpedienteState.viewer_url,
                    target="_blank",
                    rel="noopener",
                    style={"color": BRAND},
                ),
            ),
        ),
        style={"margin_bottom": "1rem"},
    )


def _timeline() -> rx.Component:
    return card(
        rx.heading("Hoja de ruta", as_="h2", size="4", margin_bottom="0.5rem"),
        rx.el.ol(
            rx.foreach(
                ExpedienteState.timeline,
                lambda t: rx.el.li(
                    rx.text(t["title"], weight="bold"),
                    rx.cond(
                        t["from"] != "",
                        rx.text("De ", t["from"], rx.cond(t["to"] != "", " a " + t["to"], ""), size="2"),
                    ),
                    rx.cond((t["from"] == "") & (t["to"] != ""), rx.text("A ", t["to"], size="2")),
                    rx.cond(t["text"] != "", rx.text(t["text"], size="2", color=INK, style={"font_style": "italic"})),
                    rx.text(t["at"], " · ", t["by"], size="1", color=MUTED),
                    rx.cond(t["due"] != "", rx.text("Plazo: ", t["due"], size="1", color=MUTED)),
                    rx.cond(t["received"] != "", rx.text(t["received"], size="1", color=MUTED)),
                    style={
                        "border_left": f"3px solid {BRAND}",
                        "padding": "0.2rem 0 0.7rem 0.75rem",
                        "list_style": "none",
                    },
                ),
            ),
            style={"margin": "0", "padding": "0"},
            id="hoja-de-ruta",
        ),
        style={"margin_bottom": "1rem"},
    )


def _notes() -> rx.Component:
    return card(
        rx.heading("Notas", as_="h2", size="4", margin_bottom="0.5rem"),
        rx.cond(ExpedienteState.notes.length() == 0, rx.text("Sin notas.", color=MUTED, size="2")),
        rx.foreach(
            ExpedienteState.notes,
            lambda n: rx.box(
                rx.text(n["text"], size="2", style={"white_space": "pre-wrap"}),
                rx.text(n["by"], " · ", n["unit"], " · ", n["at"], size="1", color=MUTED),
                padding_y="0.4rem",
                border_bottom="1px solid #eceff2",
            ),
        ),
    )


def _observation() -> rx.Component:
    return rx.cond(
        ExpedienteState.has_observation,
        card(
            rx.heading("Observaciones (art. 136)", as_="h2", size="4"),
            rx.text(ExpedienteState.observation["items"], size="2", style={"white_space": "pre-wrap"}),
            rx.text(
                "Plazo para subsanar: ",
                ExpedienteState.observation["deadline"],
                " · estado: ",
                ExpedienteState.observation["status"],
                size="2",
                color=MUTED,
            ),
            rx.cond(
                ExpedienteState.observation["fix_note"] != "",
                rx.text("Subsanación: ", ExpedienteState.observation["fix_note"], size="2"),
            ),
            id="observaciones",
            style={"margin_bottom": "1rem"},
        ),
    )


@staff_page(
    routes.EXPEDIENTE,
    title="Expediente",
    heading="",
    on_load=[ExpedienteState.load, DeskState.load, InteropSendState.load],
)
def expediente() -> rx.Component:
    return rx.fragment(
        notice(ExpedienteState, focus=True),  # the focus follows the act's result (issue 14)
        rx.cond(
            ExpedienteState.found,
            rx.box(
                _header(),
                _actions(),
                _observation(),
                internal_docs(),
                records_card(),
                rx.grid(
                    rx.box(_documents(), _notes()), _timeline(), columns=rx.breakpoints(initial="1", lg="2"), gap="1rem"
                ),
                shortcuts("expediente"),
            ),
            card(
                rx.text(rx.cond(ExpedienteState.missing != "", ExpedienteState.missing, "Cargando…"), id="sin-acceso")
            ),
        ),
    )
