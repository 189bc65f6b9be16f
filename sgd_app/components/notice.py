"""The inline notice of a state with the ``Notice`` mixin (sgd_app/state/notice.py): a polite
status for a success, an alert for a refusal, with a "Cerrar" button. Both live regions are always
in the page (empty when there is nothing to say), so screen readers announce what appears.

``notice(state, focus=True)`` (the case page, the inbox) also moves the keyboard focus to the message
each time a new one appears: the button that was pressed often goes away with the act (Recibir, a
closed form), and the focus would drop to the page's <body>. The message is focusable from script
only (tabindex -1); Tab goes on from there to its "Cerrar" button."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from sgd_app.components.ui import ERROR, INK, OK

EDGE = {"ok": OK, "warning": "#b54708", "error": ERROR}
ICON = {"ok": "circle-check", "warning": "triangle-alert", "error": "circle-alert"}


def _body(state: Any, kind: str, focus: bool = False) -> rx.Component:
    grab: dict[str, Any] = {"tab_index": -1, "on_mount": rx.set_focus(f"aviso-{kind}")} if focus else {}
    # A new message is a new element (the key of the box around it), so that it takes the focus again.
    again: dict[str, Any] = {"key": state.notice} if focus else {}
    return rx.flex(
        rx.icon(ICON[kind], size=20, color=EDGE[kind], aria_hidden="true", flex_shrink="0"),
        rx.text(state.notice, color=INK, weight="medium", flex="1", id=f"aviso-{kind}", **grab),
        rx.el.button(
            rx.icon("x", size=18, aria_hidden="true"),
            type="button",
            aria_label="Cerrar aviso",
            title="Cerrar aviso",
            on_click=state.dismiss_notice,
            style={
                "background": "transparent",
                "border": "none",
                "color": INK,
                "cursor": "pointer",
                "min_width": "44px",
                "min_height": "44px",
                "display": "flex",
                "align_items": "center",
                "justify_content": "center",
                "margin": "-0.5rem -0.5rem -0.5rem 0",
            },
        ),
        gap="0.5rem",
        align="center",
        **again,
        style={
            "background": "white",
            "border": "1px solid #c5ccd3",
            "border_left": f"6px solid {EDGE[kind]}",
            "border_radius": "8px",
            "box_shadow": "0 4px 16px rgba(16, 24, 40, 0.18)",
            "padding": "0.6rem 0.75rem",
            "pointer_events": "auto",
        },
    )


def notice(state: Any, *, focus: bool = False) -> rx.Component:
    """Fixed at the bottom of the screen, over the page, where a toast would have been (``focus``:
    a new message takes the keyboard focus)."""
    shown = state.notice != ""
    return rx.box(
        rx.box(rx.cond(shown & (state.notice_kind != "error"), _body_match(state, focus)), role="status"),
        rx.box(rx.cond(shown & (state.notice_kind == "error"), _body(state, "error", focus)), role="alert"),
        class_name="aviso",
        style={
            "position": "fixed",
            "left": "0.75rem",
            "right": "0.75rem",
            "bottom": "0.75rem",
            "max_width": "32rem",
            "margin": "0 auto",
            "z_index": "900",
            "pointer_events": "none",
        },
    )


def _body_match(state: Any, focus: bool = False) -> rx.Component:
    return rx.cond(state.notice_kind == "warning", _body(state, "warning", focus), _body(state, "ok", focus))


def brief_rejections(handler: Any) -> Any:
    """``on_drop_rejected`` of an ``rx.upload`` in Spanish: ``handler(rejections)`` receives only
    what the message needs, ``[{"name", "size", "codes"}]`` (react-dropzone's error codes), never
    the File itself; the state words it with ``state.notice.refusal``. Without it Reflex shows an
    English toast ("Files not Accepted", "File is larger than … bytes")."""

    def brief(r):
        r = r.to(ObjectVar, dict[str, Any])
        file = r["file"].to(ObjectVar, dict[str, Any])
        errors = r["errors"].to(ArrayVar, list[dict[str, Any]])
        codes = errors.map(lambda e: e.to(ObjectVar, dict[str, Any])["code"])
        return rx.Var.create({"name": file["name"], "size": file["size"], "codes": codes})

    return lambda rejected: handler(rejected.to(ArrayVar, list[dict[str, Any]]).map(brief))
