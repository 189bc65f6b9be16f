"""/auditoria: the audit trail for administrators and managers. Thin: the rules are in
domain/audit_viewer.py; every handler resolves the session and the domain checks the role."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import reflex as rx

from sgd_app.domain import audit_viewer
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import DomainError, Forbidden, InvalidInputs
from sgd_app.state.notice import Notice
from sgd_app.state.session import principal_or_none, staff_event

KEYS = ("numero", "usuario", "accion", "desde", "hasta", "general")


def _blank() -> dict[str, str]:
    return {k: "" for k in KEYS}


def _row(r: audit_viewer.EventRow) -> dict[str, str]:
    t = r.as_text()
    return {
        "seq": t[0],
        "at": t[1],
        "user": t[2],
        "action": t[3],
        "object": f"{t[4]} {t[5]}",
        "data": t[6],
        "hash": r.hash[:12] + "…",
    }


class AuditoriaState(Notice, rx.State):
    allowed: bool = False
    denied: bool = False
    rows: list[dict[str, str]] = []
    action_options: list[str] = []
    f: dict[str, str] = {k: "" for k in KEYS if k != "general"}  # the filters shown
    errors: dict[str, str] = _blank()
    page_no: int = 1
    has_next: bool = False
    export_url: str = "/api/v1/auditoria/eventos.csv"
    chain: str = ""  # "ok" / "broken" / "" (not checked yet)
    chain_text: str = "Verificando la cadena…"
    _before: list[int] = []  # keyset stack: the "before" of each page shown (None as 0)
    _next: int = 0

    def _forbidden(self):
        self.reset()
        self.denied = True
        return None

    def _query(self, who: Principal, before: int | None) -> None:
        filters = audit_viewer.parse_filters(self.f)
        page = audit_viewer.events(who, filters, before=before)
        self.rows = [_row(r) for r in page.rows]
        self.has_next = page.next_before is not None
        self._next = page.next_before or 0
        params = {k: v for k, v in self.f.items() if v}
        self.export_url = "/api/v1/auditoria/eventos.csv" + (f"?{urlencode(params)}" if params else "")

    def _run(self, who: Principal, before: int | None) -> None:
        self.errors = _blank()
        try:
            self._query(who, before)
        except InvalidInputs as exc:
            self.errors = {**_blank(), **{k: v for k, v in exc.errors.items() if k in KEYS}}
            self.rows, self.has_next = [], False
        except Forbidden:
            self._forbidden()
        except DomainError as exc:
            self.errors = {**_blank(), "general": str(exc)}

    @staff_event
    def load(self, who: Principal):
        if not audit_viewer.may_view(who):
            return self._forbidden()
        self.allowed, self.denied = True, False
        self.f = {k: "" for k in KEYS if k != "general"}
        self.action_options = audit_viewer.actions(who)
        self.page_no, self._before = 1, [0]
        self._run(who, None)
        self.chain, self.chain_text = "", "Verificando la cadena…"
        return AuditoriaState.check_chain

    @staff_event
    def search(self, who: Principal, form: dict):
        form = form if isinstance(form, dict) else {}
        self.f = {k: str(form.get(k, "") or "")[:60] for k in KEYS if k != "general"}
        self.page_no, self._before = 1, [0]
        self._run(who, None)

    @staff_event
    def next_page(self, who: Principal):
        if not self.has_next:
            return
        self._before.append(self._next)
        self.page_no += 1
        self._run(who, self._next)

    @staff_event
    def previous_page(self, who: Principal):
        if self.page_no <= 1:
            return
        self._before.pop()
        self.page_no -= 1
        before = self._before[-1]
        self._run(who, before or None)

    @rx.event(background=True)
    async def check_chain(self):
        """The whole chain recomputed (it can take a while on a big trail: off the event loop)."""
        async with self:
            who = principal_or_none(self)
        if who is None or not audit_viewer.may_view(who):
            return
        report = await asyncio.to_thread(audit_viewer.verify_chain, who)
        async with self:
            if report.ok:
                self.chain = "ok"
                self.chain_text = f"Cadena íntegra: {report.checked} eventos verificados."
            else:
                self.chain = "broken"
                self.chain_text = (
                    f"Cadena alterada: el evento N° {report.first_broken_seq} no coincide ({report.reason})."
                )
