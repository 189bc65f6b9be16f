"""The desk's part of the case page (correct the procedure of a filing under review) and the
copy recipients' read mark (case page and /bandeja). Every handler re-resolves the session
(``staff_event``) and calls one domain act; the case page is refreshed afterwards."""

from __future__ import annotations

import reflex as rx

from sgd_app.domain import routing
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Conflict, DomainError, NotFound
from sgd_app.state.bandeja import BandejaState
from sgd_app.state.expediente import ExpedienteState
from sgd_app.state.session import staff_event

CONFIRM = (
    "¿Corregir el procedimiento de este expediente a «{label}»? El plazo legal se vuelve a contar desde la "
    "fecha de presentación con el plazo del nuevo procedimiento, y su unidad pasa a ser la de destino. "
    "Queda registrado en la hoja de ruta."
)


class DeskState(rx.State):
    may_reclassify: bool = False
    suggested_unit: str = ""  # derive's default destination at the desk: the procedure's unit
    procedure_options: list[list[str]] = []  # [id, label] of the active catalogue
    current_procedure: str = ""
    chosen: str = ""  # the procedure chosen, waiting for the confirmation
    confirm_text: str = ""
    error: str = ""
    unread_copies: int = 0
    copy_error: str = ""

    def _clear(self) -> None:
        self.may_reclassify, self.suggested_unit, self.procedure_options = False, "", []
        self.current_procedure = self.chosen = self.confirm_text = self.error = self.copy_error = ""
        self.unread_copies = 0

    def _refresh(self, who: Principal, number: str) -> None:
        try:
            p = routing.desk_panel(who, number)
        except DomainError:
            self._clear()
            return
        self.may_reclassify = p.may_reclassify
        self.suggested_unit = str(p.suggested_unit_id) if p.suggested_unit_id else ""
        self.procedure_options = [[str(c.id), c.label] for c in p.choices]
        self.current_procedure = str(p.current_procedure_id)
        self.unread_copies = p.unread_copies

    @staff_event
    def load(self, who: Principal):
        """The case page's second on_load (after ExpedienteState.load)."""
        self._clear()
        self._refresh(who, str(self.router.page.params.get("numero", "")).upper()[:40])

    # ------------------------------------------------------------ correct the procedure
    @staff_event
    def ask_reclassify(self, who: Principal, form: dict):
        """First step: the procedure chosen, and the Spanish confirmation to read."""
        pid = str((form or {}).get("procedure_id", "") or "")[:20]
        labels = dict((o[0], o[1]) for o in self.procedure_options)
        self.chosen = self.confirm_text = ""
        if pid not in labels:
            self.error = "Elija un procedimiento del catálogo."
        elif pid == self.current_procedure:
            self.error = "El expediente ya tiene ese procedimiento: elija otro."
        else:
            self.error = ""
            self.chosen, self.confirm_text = pid, CONFIRM.format(label=labels[pid])

    @staff_event
    def cancel_reclassify(self, who: Principal):
        self.chosen = self.confirm_text = self.error = ""

    @staff_event
    async def confirm_reclassify(self, who: Principal):
        case_page = await self.get_state(ExpedienteState)
        number = case_page.number
        try:
            proc = routing.reclassify(who=who, number=number, version=case_page.version, procedure_id=self.chosen)
        except Conflict as exc:
            self.chosen = self.confirm_text = ""
            self._refresh(who, number)
            return case_page._refused(who, exc)
        except DomainError as exc:
            self.error = exc.message
            self.chosen = self.confirm_text = ""
            return None
        self.chosen = self.confirm_text = self.error = ""
        self._refresh(who, number)
        case_page._done(who, f"Procedimiento corregido: {proc.name}. Ahora puede derivarlo a su unidad.")
        return None

    # ------------------------------------------------------------ copies: mark read
    @staff_event
    async def mark_copy_read(self, who: Principal):
        """The case page: mark the copy of this case to the user's unit(s) read."""
        case_page = await self.get_state(ExpedienteState)
        try:
            routing.mark_copy_read(who=who, number=case_page.number)
        except DomainError as exc:
            self.copy_error = exc.message
            self._refresh(who, case_page.number)
            return None
        self._refresh(who, case_page.number)
        case_page._done(who, "Copia marcada como leída.")
        return None

    @staff_event
    async def mark_copy_read_in_inbox(self, who: Principal, number: str):
        """/bandeja, tab Copias: mark one row's copy read."""
        inbox = await self.get_state(BandejaState)
        try:
            routing.mark_copy_read(who=who, number=str(number or "")[:40].upper())
        except NotFound as exc:
            inbox._notify(exc.message, "error")
            return None
        except DomainError as exc:
            inbox._notify(exc.message, "warning")
        else:
            inbox._notify(f"Copia del expediente {number} marcada como leída.")
        inbox._refresh(who)
        return None
