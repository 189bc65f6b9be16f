"""A short message after an act ("Delegación registrada.", "Su rol no permite esta acción."),
held in the state and shown inline by components/notice.py, instead of a toast sent from the
handler (a toast from the server is a script the browser must eval, which the CSP refuses).

    class BandejaState(Notice, rx.State):
        @staff_event
        def revoke(self, who, delegation_id):
            ...
            self._notify("Delegación revocada.")

The notice is cleared by the next act: ``staff_event`` clears it before running any handler of a
state that has it; handlers without that guard call ``_clear_notice()`` themselves.
"""

from __future__ import annotations

import reflex as rx

KINDS = ("ok", "warning", "error")


def _size(n: float, *, tenths: bool = True) -> str:
    """21,0 MB / 98 KB (``tenths=False`` for a round limit: 20 MB)."""
    mb = 1024 * 1024
    if n < mb:
        return f"{max(1, round(n / 1024))} KB"
    text = f"{n / mb:.1f}"
    if not tenths and text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",") + " MB"


def refusal(rejections: object, *, limit: int, one: str = "archivo PDF", not_it: str = "no es un PDF") -> str:
    """Why a drop zone refused the chosen file(s), in Spanish, from what the page sends
    (components/notice.py ``brief_rejections``: ``[{"name", "size", "codes"}]``, react-dropzone's
    error codes). ``limit``: the maximum size in bytes. Anything else (a broken or hostile client)
    gets the general sentence."""
    items = [r for r in rejections if isinstance(r, dict)] if isinstance(rejections, list) else []
    codes = {str(c) for r in items if isinstance(r.get("codes"), list) for c in r["codes"]}
    if "too-many-files" in codes or len(items) > 1:
        return f"Eligió {len(items)} archivos: suba un solo {one} a la vez."
    name = str(items[0].get("name") or "")[:80] if items else ""
    if len(name) > 60:
        name = name[:57] + "…"
    called = f"«{name}» " if name else ""
    if "file-invalid-type" in codes:
        return f"El archivo {called}{not_it}. Suba un {one}."
    if "file-too-large" in codes:
        size = items[0].get("size")
        weight = f" ({_size(size)})" if isinstance(size, int | float) and not isinstance(size, bool) else ""
        return f"El archivo {called}pesa demasiado{weight}: el máximo es {_size(limit, tenths=False)}."
    return f"No se pudo aceptar el archivo {called.strip() or 'elegido'}: suba un solo {one} de hasta {_size(limit, tenths=False)}."


class Notice(rx.State, mixin=True):
    notice: str = ""
    notice_kind: str = ""  # "ok" | "warning" | "error"

    def _notify(self, text: str, kind: str = "ok") -> None:
        self.notice = text
        self.notice_kind = kind if kind in KINDS else "ok"

    def _clear_notice(self) -> None:
        self.notice = ""
        self.notice_kind = ""

    @rx.event
    def dismiss_notice(self):
        self._clear_notice()
