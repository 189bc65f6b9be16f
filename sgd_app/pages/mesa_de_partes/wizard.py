"""The filing wizard, phone-first: five steps, then the receipt (/mesa-de-partes and /registrar)."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import (
    BRAND,
    ERROR,
    INK,
    MUTED,
    card,
    error_text,
    info_row,
    labelled,
    primary_button,
    secondary_button,
)
from sgd_app.domain.identity import DOC_TYPES, PARTY_KINDS
from sgd_app.domain.intake import ANNEX, MAX_ANNEX_BYTES, MAX_MAIN_BYTES, PRINCIPAL
from sgd_app.pages.mesa_de_partes.parts import (
    failure_signals,
    offline_banner,
    privacy_notice,
    rejections,
    retry,
    step_procedure,
)
from sgd_app.pages.mesa_de_partes.receipt import receipt_screen
from sgd_app.state.mesa_de_partes import STEP_ANCHOR, STEPS, MesaDePartesState


def _err(key: str):
    return MesaDePartesState.errors[key]


def _input(
    label: str, field: str, *, help_text: str = "", required: bool = True, input_type: str = "text", **props
) -> rx.Component:
    return labelled(
        label,
        rx.input(
            id=field,
            name=field,
            default_value=getattr(MesaDePartesState, field),
            on_blur=lambda v: MesaDePartesState.set_value(field, v),
            size="3",
            width="100%",
            type=input_type,
            aria_invalid=rx.cond(_err(field) != "", "true", "false"),
            aria_describedby=f"{field}-error",
            **props,
        ),
        field_id=field,
        error=_err(field),
        help_text=help_text,
        required=required,
    )


def _stepper() -> rx.Component:
    return rx.box(
        # Focused at each step change (MesaDePartesState._moved): the browser scrolls it into view
        # and a screen reader reads "Paso 2 de 5: Sus datos"; no script string (the CSP has no eval).
        rx.heading(
            rx.text.span("Paso ", MesaDePartesState.step + 1, " de ", len(STEPS), ": ", color=MUTED, weight="regular"),
            MesaDePartesState.step_title,
            as_="h2",
            size="3",
            color=INK,
            id=STEP_ANCHOR,
            tab_index=-1,
            style={"outline": "none"},
        ),
        rx.progress(
            value=MesaDePartesState.progress_pct,
            max=100,
            color_scheme="ruby",
            size="2",
            aria_label="Avance del formulario",
            margin_top="0.35rem",
        ),
        margin_bottom="1rem",
    )


def _nav(back_to: int, next_label: str = "Continuar", *, submit: bool = False) -> rx.Component:
    """Atrás and Continuar. ``submit``: Continuar submits the step's form (Enter does too)."""
    online = {"custom_attrs": {"data-requiere-conexion": ""}}  # switched off offline by assets/wizard.js
    forward = (
        primary_button(next_label, type="submit", id="continuar", flex="1", **online)
        if submit
        else primary_button(
            next_label, on_click=MesaDePartesState.next, type="button", id="continuar", flex="1", **online
        )
    )
    return rx.flex(
        secondary_button("Atrás", on_click=MesaDePartesState.go(back_to), type="button"),
        forward,
        gap="0.75rem",
        width="100%",
        margin_top="0.5rem",
    )


def _step_form(*children: rx.Component) -> rx.Component:
    """A step with fields is a form: Continuar and Enter send every value the browser holds
    (typed or autofilled), not only those of fields the person left."""
    return rx.form(
        *children,
        on_submit=MesaDePartesState.advance,
        reset_on_submit=False,
        width="100%",
        custom_attrs={"data-formulario-conexion": ""},
    )


# ---------------------------------------------------------------- step 1: filer
def _kind_option(value: str, label: str) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="radio",
            name="kind",
            id=f"kind-{value}",
            value=value,
            default_checked=MesaDePartesState.kind == value,
            on_change=lambda _v: MesaDePartesState.set_value("kind", value),
            style={"width": "20px", "height": "20px", "accent_color": BRAND},
        ),
        rx.text(label, size="3"),
        style={
            "display": "flex",
            "gap": "0.6rem",
            "align_items": "center",
            "padding": "0.75rem",
            "border": "1px solid #d0d5db",
            "border_radius": "10px",
            "background": "white",
            "min_height": "48px",
            "cursor": "pointer",
        },
    )


def _step_filer() -> rx.Component:
    return _step_form(
        rx.el.fieldset(
            rx.el.legend("¿Quién presenta el documento?", style={"font_weight": "600", "margin_bottom": "0.4rem"}),
            rx.grid(
                *[_kind_option(value, label) for value, label in PARTY_KINDS.items()],
                columns=rx.breakpoints(initial="1", sm="2"),
                gap="0.5rem",
            ),
            error_text(_err("kind"), field_id="kind"),
            style={"border": "none", "padding": "0", "margin": "0 0 1rem 0"},
        ),
        labelled(
            "Tipo de documento",
            rx.el.select(
                *[rx.el.option(label, value=code) for code, label in DOC_TYPES.items()],
                id="doc_type",
                name="doc_type",
                value=MesaDePartesState.doc_type,
                on_change=lambda v: MesaDePartesState.set_value("doc_type", v),
                style={
                    "width": "100%",
                    "min_height": "48px",
                    "font_size": "1rem",
                    "padding": "0 0.6rem",
                    "border": "1px solid #b9c0c8",
                    "border_radius": "8px",
                    "background": "white",
                },
            ),
            field_id="doc_type",
            error=_err("doc_type"),
            required=True,
        ),
        _input(MesaDePartesState.doc_number_label, "doc_number", input_mode="text", auto_complete="off"),
        _input(MesaDePartesState.name_label, "name", auto_complete="name"),
        _input(
            rx.cond(MesaDePartesState.desk_mode, "Correo electrónico (opcional)", "Correo electrónico"),
            "email",
            input_type="email",
            auto_complete="email",
            required=~MesaDePartesState.desk_mode,
            help_text="Le enviaremos el cargo y las notificaciones a este correo.",
        ),
        _input(
            "Celular o teléfono", "phone", input_type="tel", auto_complete="tel", help_text="Por ejemplo: 987 654 321"
        ),
        _input("Dirección (opcional)", "address", required=False, auto_complete="street-address"),
        _nav(0, submit=True),
    )


# ---------------------------------------------------------------- step 2: what
def _proc_field(f: rx.Var) -> rx.Component:
    return rx.box(
        rx.el.label(
            f["label"],
            rx.cond(f["required"] != "", rx.text.span(" *", color=ERROR)),
            html_for="campo-" + f["name"].to(str),
            style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"},
        ),
        rx.input(
            id="campo-" + f["name"].to(str),
            name="campo-" + f["name"].to(str),
            default_value=f["value"],
            size="3",
            width="100%",
            on_blur=lambda v: MesaDePartesState.set_proc_field(f["name"], v),
            aria_describedby="campo-" + f["name"].to(str) + "-error",
        ),
        rx.cond(f["help"] != "", rx.text(f["help"], size="2", color=MUTED, margin_top="0.2rem")),
        rx.cond(
            f["error"] != "",
            rx.text(f["error"], color=ERROR, size="2", role="alert", id="campo-" + f["name"].to(str) + "-error"),
        ),
        margin_bottom="1rem",
    )


def _step_details() -> rx.Component:
    return _step_form(
        card(
            rx.text("Trámite", size="2", color=MUTED),
            rx.text(MesaDePartesState.proc_name, weight="bold"),
            rx.text(
                "Plazo: ",
                MesaDePartesState.proc_deadline,
                " · Lo atiende: ",
                MesaDePartesState.proc_unit,
                size="2",
                color=MUTED,
            ),
            margin_bottom="1rem",
        ),
        labelled(
            "Asunto: ¿qué solicita?",
            rx.text_area(
                id="subject",
                name="subject",
                default_value=MesaDePartesState.subject,
                rows="4",
                size="3",
                width="100%",
                on_blur=lambda v: MesaDePartesState.set_value("subject", v),
                aria_describedby="subject-error",
                aria_invalid=rx.cond(_err("subject") != "", "true", "false"),
            ),
            field_id="subject",
            error=_err("subject"),
            required=True,
            help_text="Escriba en pocas palabras lo que pide. Máximo 500 caracteres.",
        ),
        rx.foreach(MesaDePartesState.proc_fields, _proc_field),
        _nav(1, submit=True),
    )


# ---------------------------------------------------------------- step 3: files
def _file_card(a: rx.Var) -> rx.Component:
    return card(
        rx.flex(
            rx.icon("file-text", size=28, color=BRAND, aria_hidden="true"),
            rx.box(
                rx.text(a["label"], size="2", color=MUTED),
                rx.text(a["filename"], weight="bold", style={"overflow_wrap": "anywhere"}),
                rx.text(a["pages"], " página(s) · ", a["size"], size="2", color=INK),
                flex="1",
                min_width="0",
            ),
            rx.button(
                rx.icon("trash-2", size=18, aria_hidden="true"),
                "Quitar",
                on_click=MesaDePartesState.remove_attachment(a["id"]),
                variant="ghost",
                color_scheme="gray",
                size="3",
                type="button",
                aria_label="Quitar " + a["filename"].to(str),
                style={"min_height": "44px", "color": INK},
            ),
            gap="0.75rem",
            align="center",
        ),
        style={"margin_bottom": "0.5rem"},
    )


SCAN_TYPES = {
    "application/pdf": [".pdf"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/png": [".png"],
    "image/tiff": [".tif", ".tiff"],
}


def _dropzone(
    upload_id: str, title: str, handler, progress_handler, max_size: int, uploading, progress, *, scans: bool = False
) -> rx.Component:
    """An upload box. ``scans`` (the desk): a PDF, or the scanned pages as images (several at
    once), which are joined into one PDF."""
    hint = (
        rx.text(
            "Toque para elegir un PDF o las páginas escaneadas (JPG, PNG o TIFF; varias a la vez se unen en un PDF)",
            size="2",
            color=MUTED,
            text_align="center",
        )
        if scans
        else rx.text("Toque para elegir un PDF (máx. ", max_size // (1024 * 1024), " MB)", size="2", color=MUTED)
    )
    return rx.box(
        rx.el.label(
            rx.upload(
                rx.flex(
                    rx.icon("upload", size=28, color=BRAND, aria_hidden="true"),
                    rx.text(title, weight="bold", color=INK),
                    hint,
                    direction="column",
                    align="center",
                    gap="0.3rem",
                ),
                id=upload_id + ("-escaneo" if scans else ""),
                accept=SCAN_TYPES if scans else {"application/pdf": [".pdf"]},
                multiple=scans,
                max_files=60 if scans else 1,
                max_size=max_size,
                on_drop=handler(
                    rx.upload_files(
                        upload_id=upload_id + ("-escaneo" if scans else ""), on_upload_progress=progress_handler
                    )
                ),
                on_drop_rejected=lambda rejected: MesaDePartesState.upload_rejected(upload_id, rejections(rejected)),
                # Direct props: Reflex's default upload style (padding 5em) wins over `style`.
                border=f"2px dashed {BRAND}",
                border_radius="12px",
                padding="1.25rem",
                background="white",
                cursor="pointer",
                min_height="96px",
            ),
            style={"display": "block"},
        ),
        rx.cond(
            uploading,
            rx.box(
                rx.text("Subiendo… ", progress, " %", size="2", color=INK, role="status"),
                rx.progress(value=progress, max=100, color_scheme="ruby", aria_label="Avance de la carga"),
                margin_top="0.5rem",
            ),
        ),
        margin_bottom="0.75rem",
    )


def _step_files() -> rx.Component:
    return rx.box(
        rx.text(
            rx.cond(
                MesaDePartesState.desk_mode,
                "Suba el documento escaneado: un PDF o las páginas como imágenes, todas a la vez. "
                "Los anexos, uno por uno (máximo 5).",
                "Adjunte su documento en formato PDF. Si tiene anexos, agréguelos uno por uno (máximo 5).",
            ),
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.heading("Documento principal *", as_="h2", size="4", margin_bottom="0.5rem"),
        rx.foreach(MesaDePartesState.main_file, _file_card),
        rx.cond(
            MesaDePartesState.main_file.length() == 0,
            rx.cond(
                MesaDePartesState.desk_mode,
                _dropzone(
                    "principal",
                    "Documento principal",
                    MesaDePartesState.upload_main,
                    MesaDePartesState.main_upload_progress,
                    MAX_MAIN_BYTES,
                    MesaDePartesState.uploading_main,
                    MesaDePartesState.main_progress,
                    scans=True,
                ),
                _dropzone(
                    "principal",
                    "Documento principal",
                    MesaDePartesState.upload_main,
                    MesaDePartesState.main_upload_progress,
                    MAX_MAIN_BYTES,
                    MesaDePartesState.uploading_main,
                    MesaDePartesState.main_progress,
                ),
            ),
        ),
        error_text(_err("principal"), field_id="principal"),
        retry(PRINCIPAL, MesaDePartesState.retry_principal),
        rx.heading("Anexos", as_="h2", size="4", margin_top="1.25rem", margin_bottom="0.5rem"),
        rx.foreach(MesaDePartesState.proc_annexes, lambda n: rx.text("Requerido: ", n, size="2", color=INK)),
        rx.foreach(MesaDePartesState.annex_files, _file_card),
        rx.cond(
            MesaDePartesState.can_add_annex,
            rx.cond(
                MesaDePartesState.desk_mode,
                _dropzone(
                    "anexo",
                    MesaDePartesState.next_annex_label,
                    MesaDePartesState.upload_annex,
                    MesaDePartesState.annex_upload_progress,
                    MAX_ANNEX_BYTES,
                    MesaDePartesState.uploading_annex,
                    MesaDePartesState.annex_progress,
                    scans=True,
                ),
                _dropzone(
                    "anexo",
                    MesaDePartesState.next_annex_label,
                    MesaDePartesState.upload_annex,
                    MesaDePartesState.annex_upload_progress,
                    MAX_ANNEX_BYTES,
                    MesaDePartesState.uploading_annex,
                    MesaDePartesState.annex_progress,
                ),
            ),
        ),
        error_text(_err("anexos"), field_id="anexos"),
        retry(ANNEX, MesaDePartesState.retry_annex),
        failure_signals(),
        _nav(2),
    )


# ---------------------------------------------------------------- step 4: review
def _edit_link(step: int) -> rx.Component:
    return rx.button(
        "Editar",
        on_click=MesaDePartesState.go(step),
        variant="ghost",
        size="2",
        type="button",
        style={"color": BRAND, "min_height": "40px"},
    )


def _section(title: str, step: int, *rows) -> rx.Component:
    return card(
        rx.flex(rx.heading(title, as_="h2", size="4"), _edit_link(step), justify="between", align="center"),
        *rows,
        style={"margin_bottom": "0.75rem"},
    )


def _step_review() -> rx.Component:
    return rx.box(
        rx.text("Revise sus datos antes de enviar.", color=MUTED, margin_bottom="1rem"),
        _section(
            "Trámite",
            0,
            info_row("Procedimiento", MesaDePartesState.proc_name),
            info_row("Plazo", MesaDePartesState.proc_deadline),
        ),
        _section(
            "Sus datos",
            1,
            info_row("Presenta", MesaDePartesState.kind_label),
            info_row("Documento", MesaDePartesState.filer_doc),
            info_row("Nombre", MesaDePartesState.name),
            info_row("Correo", MesaDePartesState.email),
            info_row("Teléfono", MesaDePartesState.phone),
            rx.cond(MesaDePartesState.address != "", info_row("Dirección", MesaDePartesState.address)),
        ),
        _section(
            "Su pedido",
            2,
            info_row("Asunto", MesaDePartesState.subject),
            rx.foreach(MesaDePartesState.proc_fields, lambda f: info_row(f["label"], f["value"])),
        ),
        _section(
            "Archivos",
            3,
            rx.foreach(
                MesaDePartesState.attachments,
                lambda a: info_row(a["label"], a["filename"] + " · " + a["pages"].to(str) + " pág."),
            ),
        ),
        rx.cond(~MesaDePartesState.desk_mode, privacy_notice()),
        rx.box(
            rx.checkbox(
                "Declaro que la información y los documentos que presento son verdaderos.",
                id="declaracion",
                default_checked=MesaDePartesState.declaration,
                on_change=MesaDePartesState.set_declaration,
                size="3",
                color_scheme="ruby",
            ),
            padding_y="0.75rem",
        ),
        error_text(_err("declaration"), field_id="declaration"),
        error_text(_err("general"), field_id="general"),
        rx.flex(
            secondary_button("Atrás", on_click=MesaDePartesState.go(3), type="button"),
            primary_button(
                rx.cond(MesaDePartesState.submitting, "Enviando…", "Enviar"),
                on_click=MesaDePartesState.submit,
                id="enviar",
                disabled=MesaDePartesState.submitting,
                custom_attrs={"data-requiere-conexion": ""},
                type="button",
                flex="1",
            ),
            gap="0.75rem",
            width="100%",
        ),
    )


# ---------------------------------------------------------------- the wizard
def wizard() -> rx.Component:
    """The five steps and the receipt; /registrar shows the same wizard at the desk."""
    return rx.fragment(
        rx.script(src="/wizard.js"),
        offline_banner(),
        rx.match(
            MesaDePartesState.step,
            (0, rx.fragment(_stepper(), step_procedure())),
            (1, rx.fragment(_stepper(), _step_filer())),
            (2, rx.fragment(_stepper(), _step_details())),
            (3, rx.fragment(_stepper(), _step_files())),
            (4, rx.fragment(_stepper(), _step_review())),
            receipt_screen(),
        ),
    )
