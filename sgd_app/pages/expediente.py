"""/expedientes/[numero] — header, documents with a viewer, hoja de ruta, notes and actions."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.staff_page import light_badge, staff_bar, staff_page
from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, card, info_row, primary_button, secondary_button, shell
from sgd_app.domain.drafting import DOC_TYPES
from sgd_app.domain.vocabulary import PRIORITY_LABELS
from sgd_app.state.expediente import ExpedienteState

_INPUT = {
    "width": "100%",
    "min_height": "44px",
    "font_size": "1rem",
    "padding": "0 0.6rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
_AREA = {**_INPUT, "min_height": "96px", "padding": "0.5rem 0.6rem"}


def _err(key: str) -> rx.Component:
    return rx.cond(
        ExpedienteState.errors[key] != "",
        rx.text(ExpedienteState.errors[key], color=ERROR, size="2", role="alert", id=f"{key}-error"),
    )


def _label(text: str, fid: str) -> rx.Component:
    return rx.el.label(
        text, html_for=fid, style={"font_weight": "600", "display": "block", "margin": "0.6rem 0 0.25rem"}
    )


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
            rx.cond(ExpedienteState.h["fields"] != "", info_row("Datos del trámite", ExpedienteState.h["fields"])),
            rx.cond(
                ExpedienteState.h["accumulated_into"] != "",
                info_row("Acumulado a", ExpedienteState.h["accumulated_into"]),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            column_gap="1.5rem",
            margin_top="0.75rem",
        ),
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
        _err("general"),
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
                btn("nota", "Nota"),
                btn("anexo", "Anexo"),
                gap="0.5rem",
                wrap="wrap",
            ),
        ),
        rx.match(
            ExpedienteState.panel,
            ("derivar", _derive_form()),
            ("devolver", _text_form("Motivo de la devolución", "reason", ExpedienteState.return_case, "Devolver")),
            ("archivar", _text_form("Motivo del archivo", "reason", ExpedienteState.archive, "Archivar")),
            ("atender", _attend_form()),
            (
                "observar",
                _panel(
                    _label("Observaciones (una por línea; se formulan una sola vez)", "campo-items"),
                    rx.el.textarea(id="campo-items", name="items", style={**_AREA, "min_height": "140px"}),
                    rx.text(
                        "El expediente queda observado: su plazo se detiene y el administrado tiene 2 días "
                        "hábiles para subsanar desde su casilla o la página de seguimiento.",
                        size="1",
                        color=MUTED,
                    ),
                    _err("items"),
                    _submit_row("Observar"),
                    on_submit=ExpedienteState.observe,
                ),
            ),
            ("acumular", _acumular_form()),
            ("prioridad", _priority_form()),
            ("nota", _text_form("Nota", "note", ExpedienteState.add_note, "Guardar nota")),
            ("anexo", _annex_form()),
            rx.fragment(),
        ),
        style={"margin_bottom": "1rem"},
    )


def _panel(*children, on_submit) -> rx.Component:
    return rx.form(
        *children,
        on_submit=on_submit,
        reset_on_submit=False,
        style={"margin_top": "0.75rem", "padding_top": "0.75rem", "border_top": "1px solid #eceff2"},
    )


def _submit_row(label: str) -> rx.Component:
    return rx.flex(
        primary_button(label, type="submit", id="confirmar", style={"min_height": "44px"}),
        secondary_button(
            "Cancelar", type="button", on_click=ExpedienteState.open_panel(""), style={"min_height": "44px"}
        ),
        gap="0.75rem",
        margin_top="0.75rem",
    )


def _text_form(label: str, key: str, handler, submit: str) -> rx.Component:
    return _panel(
        _label(label, f"campo-{key}"),
        rx.el.textarea(id=f"campo-{key}", name=key, style=_AREA, max_length=4000),
        _err(key),
        _submit_row(submit),
        on_submit=handler,
    )


def _derive_form() -> rx.Component:
    return _panel(
        _label("Unidad de destino", "campo-to_unit"),
        rx.el.select(
            rx.el.option("Elija…", value=""),
            rx.foreach(ExpedienteState.unit_options, lambda u: rx.el.option(u[1], value=u[0])),
            id="campo-to_unit",
            name="to_unit",
            on_change=ExpedienteState.choose_unit,
            style=_INPUT,
        ),
        _err("to_unit"),
        _label("Persona (opcional)", "campo-to_user"),
        rx.el.select(
            rx.el.option("Toda la unidad", value=""),
            rx.foreach(ExpedienteState.user_options, lambda u: rx.el.option(u[1], value=u[0])),
            id="campo-to_user",
            name="to_user",
            style=_INPUT,
        ),
        _err("to_user"),
        rx.el.fieldset(
            rx.el.legend("Copias para conocimiento", style={"font_weight": "600", "margin": "0.6rem 0 0.25rem"}),
            rx.box(
                rx.foreach(
                    ExpedienteState.unit_options,
                    lambda u: rx.el.label(
                        rx.el.input(type="checkbox", name="copia_" + u[0], style={"width": "20px", "height": "20px"}),
                        rx.text(u[1], size="2"),
                        style={"display": "flex", "gap": "0.5rem", "align_items": "center", "min_height": "36px"},
                    ),
                ),
                style={
                    "max_height": "180px",
                    "overflow_y": "auto",
                    "border": "1px solid #d8dde3",
                    "border_radius": "8px",
                    "padding": "0.25rem 0.6rem",
                },
            ),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        _err("copies"),
        _label("Proveído (instrucciones)", "campo-instructions"),
        rx.el.textarea(id="campo-instructions", name="instructions", style=_AREA, max_length=2000),
        _err("instructions"),
        rx.grid(
            rx.box(
                _label("Prioridad", "campo-priority"),
                rx.el.select(
                    *[rx.el.option(v, value=k) for k, v in PRIORITY_LABELS.items()],
                    id="campo-priority",
                    name="priority",
                    default_value=ExpedienteState.h["priority_code"],
                    style=_INPUT,
                ),
                _err("priority"),
            ),
            rx.box(
                _label("Plazo (días hábiles)", "campo-due_days"),
                rx.el.input(
                    id="campo-due_days",
                    name="due_days",
                    type="number",
                    min="1",
                    max="60",
                    placeholder="3",
                    style=_INPUT,
                ),
                _err("due_days"),
            ),
            columns="2",
            gap="0.75rem",
        ),
        _submit_row("Derivar"),
        on_submit=ExpedienteState.derive,
    )


def _attend_form() -> rx.Component:
    return _panel(
        _label("Cómo se atendió", "campo-summary"),
        rx.el.textarea(id="campo-summary", name="summary", style=_AREA, max_length=2000),
        _err("summary"),
        _label("Respuesta firmada para el administrado (opcional)", "campo-answer"),
        rx.el.select(
            rx.el.option("Sin respuesta documental", value=""),
            rx.foreach(ExpedienteState.signed_docs, lambda d: rx.el.option(d[1], value=d[0])),
            id="campo-answer",
            name="answer",
            style=_INPUT,
        ),
        rx.text("Se deposita en su casilla electrónica y se le avisa por correo.", size="1", color=MUTED),
        _err("answer"),
        _submit_row("Marcar como atendido"),
        on_submit=ExpedienteState.attend,
    )


def _acumular_form() -> rx.Component:
    return _panel(
        _label("Número del expediente al que se acumula", "campo-into_number"),
        rx.el.input(id="campo-into_number", name="into_number", placeholder="EXP-2026-000123", style=_INPUT),
        _err("into_number"),
        _submit_row("Acumular"),
        on_submit=ExpedienteState.accumulate,
    )


def _priority_form() -> rx.Component:
    return _panel(
        _label("Nueva prioridad", "campo-priority"),
        rx.el.select(
            *[rx.el.option(v, value=k) for k, v in PRIORITY_LABELS.items()],
            id="campo-priority",
            name="priority",
            default_value=ExpedienteState.h["priority_code"],
            style=_INPUT,
        ),
        _err("priority"),
        _submit_row("Cambiar prioridad"),
        on_submit=ExpedienteState.set_priority,
    )


def _annex_form() -> rx.Component:
    return rx.box(
        rx.el.label(
            rx.upload(
                rx.text("Toque para elegir un PDF (máx. 10 MB)", weight="medium"),
                id="anexo-expediente",
                accept={"application/pdf": [".pdf"]},
                multiple=False,
                max_files=1,
                max_size=10 * 1024 * 1024,
                on_drop=ExpedienteState.upload_annex(rx.upload_files(upload_id="anexo-expediente")),
                border=f"2px dashed {BRAND}",
                border_radius="12px",
                padding="1rem",
                background="white",
                cursor="pointer",
                min_height="64px",
                text_align="center",
            ),
            style={"display": "block"},
        ),
        _err("annex"),
        style={"margin_top": "0.75rem"},
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


def _internal_docs() -> rx.Component:
    draft_form = _panel(
        _label("Tipo de documento", "campo-doc_type"),
        rx.el.select(
            *[rx.el.option(v, value=k) for k, v in DOC_TYPES.items()],
            id="campo-doc_type",
            name="doc_type",
            style=_INPUT,
        ),
        _err("doc_type"),
        _label("Dirigido a", "campo-recipients"),
        rx.el.textarea(id="campo-recipients", name="recipients", style={**_AREA, "min_height": "60px"}),
        _err("recipients"),
        _label("Asunto", "campo-subject"),
        rx.el.input(id="campo-subject", name="subject", style=_INPUT),
        _err("subject"),
        _label("Referencia (opcional)", "campo-reference"),
        rx.el.input(id="campo-reference", name="reference", style=_INPUT),
        _label("Contenido", "campo-body"),
        rx.el.textarea(id="campo-body", name="body", style={**_AREA, "min_height": "200px"}),
        rx.text("Separe los párrafos con una línea en blanco.", size="1", color=MUTED),
        _err("body"),
        _submit_row("Guardar borrador"),
        on_submit=ExpedienteState.create_draft,
    )
    send_form = _panel(
        rx.el.fieldset(
            rx.el.legend(
                "Vistos buenos (en este orden, o todos a la vez)", style={"font_weight": "600", "margin": "0.3rem 0"}
            ),
            rx.box(
                rx.foreach(
                    ExpedienteState.staff_options,
                    lambda u: rx.el.label(
                        rx.el.input(
                            type="checkbox",
                            name="vb_" + u[0],
                            style={"width": "20px", "height": "20px", "flex_shrink": "0"},
                        ),
                        rx.text(u[1], size="2"),
                        style={"display": "flex", "gap": "0.5rem", "align_items": "center", "min_height": "36px"},
                    ),
                ),
                style={
                    "max_height": "180px",
                    "overflow_y": "auto",
                    "border": "1px solid #d8dde3",
                    "border_radius": "8px",
                    "padding": "0.25rem 0.6rem",
                },
            ),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        _err("vistos"),
        rx.el.label(
            rx.el.input(type="checkbox", name="paralelo", style={"width": "20px", "height": "20px"}),
            rx.text("Los vistos buenos pueden darse a la vez (en paralelo)", size="2"),
            style={"display": "flex", "gap": "0.5rem", "align_items": "center", "margin_top": "0.5rem"},
        ),
        _label("Firma (jefe de la unidad)", "campo-firmante"),
        rx.el.select(
            rx.el.option("Elija…", value=""),
            rx.foreach(ExpedienteState.head_options, lambda u: rx.el.option(u[1], value=u[0])),
            id="campo-firmante",
            name="firmante",
            style=_INPUT,
        ),
        _err("firmante"),
        _submit_row("Enviar a firma"),
        on_submit=ExpedienteState.send_to_sign,
    )
    return card(
        rx.flex(
            rx.heading("Documentos emitidos", as_="h2", size="4"),
            rx.cond(
                ExpedienteState.can["atender"],
                secondary_button(
                    "Redactar documento",
                    on_click=ExpedienteState.open_panel("documento"),
                    type="button",
                    id="accion-redactar",
                    style={"min_height": "44px"},
                ),
            ),
            justify="between",
            align="center",
            wrap="wrap",
            gap="0.5rem",
        ),
        rx.cond(
            ExpedienteState.internal_docs.length() == 0,
            rx.text("Aún no hay documentos emitidos.", color=MUTED, size="2"),
        ),
        rx.foreach(
            ExpedienteState.internal_docs,
            lambda d: rx.flex(
                rx.box(
                    rx.flex(
                        rx.text(d["title"], weight="bold"),
                        rx.badge(d["status_label"], color_scheme="gray"),
                        gap="0.5rem",
                        wrap="wrap",
                        align="center",
                    ),
                    rx.text(d["subject"], size="2"),
                    rx.text("Redactó ", d["author"], size="1", color=MUTED),
                    flex="1",
                    min_width="0",
                ),
                rx.flex(
                    rx.el.a(
                        "Ver PDF",
                        href="/api/v1/borradores/" + d["id"].to(str) + ".pdf",
                        target="_blank",
                        rel="noopener",
                        style={"color": BRAND, "padding": "0.5rem", "font_weight": "500"},
                    ),
                    rx.cond(
                        d["mine_draft"] != "",
                        rx.button(
                            "Enviar a firma",
                            on_click=ExpedienteState.open_send(d["id"]),
                            size="2",
                            variant="soft",
                            type="button",
                            style={"min_height": "40px"},
                        ),
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
        rx.match(ExpedienteState.panel, ("documento", draft_form), ("enviar", send_form), rx.fragment()),
        style={"margin_bottom": "1rem"},
    )


@staff_page(routes.EXPEDIENTE, title="Expediente", on_load=ExpedienteState.load)
def expediente() -> rx.Component:
    return shell(
        staff_bar(),
        rx.cond(
            ExpedienteState.found,
            rx.box(
                _header(),
                _actions(),
                _observation(),
                _internal_docs(),
                rx.grid(
                    rx.box(_documents(), _notes()), _timeline(), columns=rx.breakpoints(initial="1", lg="2"), gap="1rem"
                ),
            ),
            card(
                rx.text(rx.cond(ExpedienteState.missing != "", ExpedienteState.missing, "Cargando…"), id="sin-acceso")
            ),
        ),
        wide=True,
    )
