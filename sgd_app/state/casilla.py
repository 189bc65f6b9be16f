"""/casilla: the filer's electronic mailbox, opened with their document number and a one-time
code sent to their e-mail. The opened casilla lives only in this tab's server-side state."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from sgd_app.domain import intake, links, observations
from sgd_app.domain.calendar import format_datetime_es
from sgd_app.domain.errors import DomainError, TooManyAttempts
from sgd_app.domain.identity import DOC_TYPES, normalize_document

SENT = (
    "Si el documento tiene una casilla o un trámite con correo registrado, enviamos un código a ese "
    "correo. Revise su bandeja de entrada (y la de correo no deseado)."
)
EXPIRES = f"El código vence en {observations.CODE_MINUTES} minutos y sirve una sola vez."
RESENT = "Le enviamos un código nuevo, si pasó al menos un minuto desde el anterior. Use el más reciente."


class CasillaState(rx.State):
    doc_type: str = "DNI"
    doc_number: str = ""
    code_sent: bool = False
    message: str = ""
    error: str = ""
    opened: bool = False
    notices: list[dict[str, str]] = []
    current: dict[str, str] = {}
    owner: str = ""  # the name of the opened casilla's owner
    cases: list[dict[str, str]] = []  # ONE page of their cases (intake.party_cases)
    cases_page: int = 0
    cases_pages: int = 1
    cases_total: int = 0
    _party_id: int = 0
    _opened_at: float = 0.0

    @rx.var
    def has_current(self) -> bool:
        return bool(self.current)

    def _open_party(self) -> int | None:
        if self._party_id and observations.casilla_still_open(self._opened_at, time.time()):
            return self._party_id
        self.opened, self.notices, self.current, self._party_id = False, [], {}, 0
        self.owner, self.cases, self.cases_page, self.cases_pages, self.cases_total = "", [], 0, 1, 0
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
        if await self._mail_code():
            self.code_sent = True
            self.message = SENT

    @rx.event
    async def resend_code(self):
        """ "Reenviar código": the same limits as the first request (domain/ratelimit.py)."""
        self.error = ""
        if not self.code_sent or not self.doc_number:
            self.error = "Escriba primero su número de documento."
            return
        if await self._mail_code():
            self.message = RESENT

    async def _mail_code(self) -> bool:
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
            return False
        return True

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
        self._load_cases(0)

    def _load_cases(self, page: int) -> None:
        party = self._open_party()
        if party is None:
            return
        found = intake.party_cases(party, page=page)
        self.owner, self.cases = found.name, found.rows
        self.cases_page, self.cases_pages, self.cases_total = found.page, found.pages, found.total

    @rx.event
    def cases_next(self):
        self._load_cases(self.cases_page + 1)

    @rx.event
    def cases_prev(self):
        self._load_cases(self.cases_page - 1)

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
