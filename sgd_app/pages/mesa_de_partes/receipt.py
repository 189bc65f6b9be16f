"""The last screen of the filing wizard (/mesa-de-partes and /registrar): the receipt (cargo)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import FunctionVar

from sgd_app import routes
from sgd_app.components.ui import (
    BRAND,
    INK,
    MUTED,
    OK,
    card,
    info_row,
    link_button,
    primary_button,
    secondary_button,
)
from sgd_app.pages.mesa_de_partes.print_cargo import print_cargo_form
from sgd_app.state.mesa_de_partes import STEP_ANCHOR, MesaDePartesState

_AMBER_INK = "#5c2c06"  # on #fff4d6: contrast above 10:1
_COPY_TEXT = "Expediente N.° " + MesaDePartesState.r_number + " — Clave de acceso: " + MesaDePartesState.r_key

# "Guardar / Compartir": on a phone with the Web Share API, the receipt PDF itself goes to the
# share sheet (WhatsApp, Drive, Archivos...); elsewhere it is downloaded. Compiled into the page's
# JavaScript (no eval: the CSP has no 'unsafe-eval').
_SHARE = rx.Var(
    """(async (url, num) => {
  const name = `cargo-${num}.pdf`;
  try {
    if (navigator.share && navigator.canShare) {
      const res = await fetch(url, {credentials: "same-origin"});
      const file = new File([await res.blob()], name, {type: "application/pdf"});
      if (navigator.canShare({files: [file]})) {
        await navigator.share({files: [file], title: `Cargo de recepción ${num}`});
        return;
      }
    }
  } catch (e) {
    if (e && e.name === "AbortError") return;
  }
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
})"""
).to(FunctionVar)

_COPY = rx.Var(
    """(async (text) => {
  const said = document.getElementById("copia-estado");
  try {
    await navigator.clipboard.writeText(text);
    if (said) said.textContent = "Copiado: " + text;
  } catch (e) {
    if (said) said.textContent = "No se pudo copiar. Anote su número y su clave.";
  }
})"""
).to(FunctionVar)


def _next_steps() -> rx.Component:
    """What happens now, in plain words: the e-mail, the casilla, the deadline."""
    item = {"margin_bottom": "0.4rem"}
    return card(
        rx.heading("¿Qué sigue?", as_="h2", size="4", margin_bottom="0.4rem"),
        rx.el.ul(
            rx.cond(
                MesaDePartesState.r_email != "",
                rx.el.li(
                    "Le enviamos un correo a ",
                    rx.text.strong(MesaDePartesState.r_email),
                    " con su número, su clave y el cargo de recepción en PDF.",
                    style=item,
                ),
            ),
            rx.cond(
                MesaDePartesState.r_promise != "",
                rx.el.li(rx.text.strong(MesaDePartesState.r_promise), style=item),
            ),
            rx.el.li(
                "Si hay observaciones, y cuando esté la respuesta, le llegarán a su casilla electrónica",
                rx.cond(MesaDePartesState.r_email != "", " y por correo", ""),
                ". Ábrala en ",
                rx.link("Casilla electrónica", href=routes.CASILLA, color=BRAND, underline="always"),
                " con su documento de identidad.",
                style=item,
            ),
            rx.el.li(
                "Puede consultar el estado cuando quiera en ",
                rx.link("Seguimiento", href=routes.SEGUIMIENTO, color=BRAND, underline="always"),
                " con su número y su clave.",
                style=item,
            ),
            style={"padding_left": "1.25rem", "margin": "0", "color": INK},
            id="que-sigue",
        ),
        style={"margin_bottom": "0.75rem"},
    )


def receipt_screen() -> rx.Component:
    """The last screen: the number, the access key (shown once) and the receipt to download."""
    return rx.box(
        rx.flex(
            rx.icon("circle-check", size=36, color=OK, aria_hidden="true"),
            rx.heading("Su documento fue recibido", as_="h2", size="6", color=OK),
            gap="0.6rem",
            align="center",
            margin_bottom="0.75rem",
            role="status",
            id=STEP_ANCHOR,
            tab_index=-1,
            outline="none",
        ),
        card(
            rx.text("Número de expediente", size="2", color=MUTED),
            rx.text(
                MesaDePartesState.r_number,
                id="numero-expediente",
                size=rx.breakpoints(initial="7", sm="8"),
                weight="bold",
                color=INK,
                style={"letter_spacing": "0.02em", "overflow_wrap": "anywhere"},
            ),
            rx.box(
                rx.text("Clave de acceso", size="2", color=MUTED, margin_top="0.75rem"),
                rx.cond(
                    MesaDePartesState.r_key != "",
                    rx.code(
                        MesaDePartesState.r_key,
                        id="clave-acceso",
                        size="6",
                        variant="ghost",
                        style={"color": INK, "font_weight": "700"},
                    ),
                    # A resend of a filing already received (same receipt): its key was shown then.
                    rx.text(
                        "Se mostró cuando presentó este documento y está en el correo que le enviamos.",
                        size="3",
                        color=INK,
                    ),
                ),
                rx.button(
                    rx.icon("copy", size=18, aria_hidden="true"),
                    "Copiar número y clave",
                    on_click=rx.run_script(_COPY.call(_COPY_TEXT)),
                    variant="outline",
                    size="3",
                    type="button",
                    id="copiar-numero-clave",
                    style={"color": BRAND, "border_color": BRAND, "min_height": "44px", "margin_top": "0.5rem"},
                ),
                rx.text("", id="copia-estado", role="status", size="2", color=OK, margin_top="0.25rem"),
                rx.box(
                    rx.icon("triangle-alert", size=18, aria_hidden="true", color=_AMBER_INK, flex_shrink="0"),
                    rx.text(
                        "Guarde su número y su clave: con ellos consulta su trámite. "
                        "Esta pantalla no se volverá a mostrar",
                        rx.cond(
                            MesaDePartesState.r_email != "",
                            rx.fragment(
                                "; también se los enviamos a su correo ",
                                rx.text.strong(MesaDePartesState.r_email),
                                ".",
                            ),
                            ".",
                        ),
                        size="2",
                        color=_AMBER_INK,
                    ),
                    id="aviso-guardar",
                    style={
                        "display": "flex",
                        "gap": "0.5rem",
                        "align_items": "flex-start",
                        "background": "#fff4d6",
                        "border": "1px solid #b54708",
                        "border_radius": "8px",
                        "padding": "0.6rem 0.75rem",
                        "margin_top": "0.75rem",
                    },
                ),
            ),
            style={"margin_bottom": "0.75rem", "border": f"2px solid {OK}"},
        ),
        print_cargo_form(),
        _next_steps(),
        card(
            rx.heading("Cargo de recepción", as_="h2", size="4", margin_bottom="0.25rem"),
            info_row("Fecha y hora de recepción", MesaDePartesState.r_received),
            info_row("Fecha legal de presentación", MesaDePartesState.r_filed),
            rx.cond(
                MesaDePartesState.r_filed_note != "",
                rx.text(MesaDePartesState.r_filed_note, size="2", color=INK, padding_y="0.3rem"),
            ),
            info_row("Lugar", MesaDePartesState.r_place),
            info_row("Trámite", MesaDePartesState.r_procedure),
            info_row("Unidad que lo atiende", MesaDePartesState.r_unit),
            info_row("Plazo de atención hasta", MesaDePartesState.r_due),
            info_row("Remitente", MesaDePartesState.r_filer),
            info_row("Folios", MesaDePartesState.r_folios),
            rx.heading("Archivos recibidos", as_="h3", size="3", margin_top="0.75rem"),
            rx.foreach(
                MesaDePartesState.r_files,
                lambda f: rx.box(
                    rx.text(f["label"], ": ", f["filename"], weight="medium", style={"overflow_wrap": "anywhere"}),
                    rx.text(f["pages"], " página(s) · ", f["size"], size="2", color=MUTED),
                    rx.text(
                        "SHA-256: ",
                        rx.code(f["sha256"], size="1", variant="ghost", style={"color": INK}),
                        size="1",
                        style={"overflow_wrap": "anywhere", "word_break": "break-all"},
                    ),
                    padding_y="0.4rem",
                    border_bottom="1px solid #eceff2",
                ),
            ),
            style={"margin_bottom": "0.75rem"},
        ),
        rx.flex(
            primary_button(
                rx.fragment(rx.icon("share-2", size=18, aria_hidden="true"), "Guardar / Compartir cargo"),
                on_click=rx.run_script(_SHARE.call(MesaDePartesState.r_download, MesaDePartesState.r_number)),
                type="button",
                width="100%",
                id="compartir-cargo",
            ),
            link_button(
                rx.icon("download", size=18, aria_hidden="true"),
                "Descargar cargo (PDF)",
                href=MesaDePartesState.r_download,
                id="descargar-cargo",
                download=True,
                primary=False,
            ),
            link_button(
                "Ver seguimiento", href=routes.SEGUIMIENTO + "?numero=" + MesaDePartesState.r_number, primary=False
            ),
            secondary_button(
                rx.cond(MesaDePartesState.desk_mode, "Registrar otro documento", "Presentar otro documento"),
                on_click=MesaDePartesState.restart,
                width="100%",
                type="button",
            ),
            direction="column",
            gap="0.6rem",
        ),
    )
