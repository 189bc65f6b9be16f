"""/casilla: the filer's electronic mailbox, opened with their document number and a one-time
code sent to their e-mail. The opened casilla lives only in this tab's server-side state."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from sgd_app.domain import links, observations
from sgd_app.domain.calendar import format_datetime_es
from sgd_app.domain.errors import DomainError, TooManyAttempts
from sgd_app.domain.identity import DOC_TYPES, normalize_document

SENT = (
    "Si el documento tiene una casilla o un trámite con correo registrado, enviamos un código a ese "
    "correo. Revise su bandeja de entrada (y la de correo no deseado)."
)


class CasillaState(rx.State):
    doc_type: str = "DNI"
    doc_number: str = ""
    code_sent: bool = False
    message: str = ""
    error: str = ""
    opened: bool = False
    notices: list[dict[str, str]] = []
    current: dict[str, str] = {}
    _party_id: int = 0
    _opened_at: float = 0.0

    @rx.var
    def has_current(self) -> bool:
        return bool(self.current)

    def _open_party(self) -> int | None:
        if self._party_id and observations.casilla_still_open(self._opened_at, time.time()):
            return self._party_id
        self.opened, self.notices, self.current, self._party_id = False, [], {}, 0
        return None

    @rx.event
    async def send_code(self, form: dict):
        self.error = ""
        self.doc_type = str(form.get("doc_type", "DNI"))
        try:
            self.doc_number = normalize_document(self.doc_type, str(form.get("doc_number", "")))
        except ValueError as exc:
            self.error = str(exc)
            return
        ip = self.router.session.client_ip or "?"
        delay = observations.code_request_delay(client_ip=ip)
        if delay:
            await asyncio.sleep(delay)
        try:
            await asyncio.to_thread(
                observations.send_code, doc_type=self.doc_type, doc_number=self.doc_number, client_ip=ip
            )
        except TooManyAttempts as exc:  # the same sentence whether the document has a casilla or not
            self.error = exc.message
            return
        self.code_sent = True
        self.message = SENT

    @rx.event
    def open(self, form: dict):
        self.error = ""
        doc_type, doc_number, code = self.doc_type, self.doc_number, str(form.get("code", "")).strip()
        try:
            party_id = observations.open_casilla(
                doc_type=doc_type, doc_number=doc_number, code=code, client_ip=self.router.session.client_ip or "?"
            )
        except DomainError as exc:
            self.error = exc.message
            return
        self._party_id, self._opened_at = party_id, time.time()
        self.opened = True
        self.message = ""
        self._refresh()

    def _refresh(self) -> None:
        party = self._open_party()
        if party is None:
            return
        self.notices = [
            {
                "id": str(n.id),
                "title": n.title,
                "kind": n.kind,
                "deposited": format_datetime_es(n.deposited_at),
                "read": format_datetime_es(n.read_at) if n.read_at else "",
            }
            for n in observations.notices_of(party)
        ]

    @rx.event
    def read(self, notice_id: str):
        party = self._open_party()
        if party is None or not notice_id.isdigit():
            self.error = "Su casilla se cerró por seguridad. Vuelva a ingresar."
            return
        try:
            n = observations.read_notice(party_id=party, notice_id=int(notice_id))
        except DomainError as exc:
            self.error = exc.message
            return
        self.current = {
            "id": str(n.id),
            "title": n.title,
            "body": n.body,
            "deposited": format_datetime_es(n.deposited_at),
            "read": format_datetime_es(n.read_at) if n.read_at else "",
            "download": links.notice_url(n.id) if n.document_id else "",
        }
        self._refresh()

    @rx.event
    def back(self):
        self.current = {}

    @rx.event
    def close(self):
        self.reset()


DOC_OPTIONS = list(DOC_TYPES.items())
