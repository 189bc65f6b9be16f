"""Staff session and the read-only inbox. Every handler resolves the session itself from the
HttpOnly cookie (set by /api/v1/sesion); nothing the browser sends is trusted for identity."""
from __future__ import annotations

from http.cookies import SimpleCookie

import reflex as rx

from sgd_app import db, settings
from sgd_app.domain import auth, routing
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.errors import NotAuthenticated

PAGE_SIZE = 50


def session_token(state: rx.State) -> str:
    raw = state.router.headers.cookie or ""
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 — a malformed cookie header means no session
        return ""
    morsel = jar.get(settings.SESSION_COOKIE)
    return morsel.value if morsel else ""


def current_principal(state: rx.State) -> Principal:
    """The signed-in staff member, or NotAuthenticated. Call it in every privileged handler."""
    with db.session() as s:
        return auth.resolve(s, session_token(state), idle_minutes=settings.SESSION_IDLE_MINUTES)


class InboxState(rx.State):
    user_name: str = ""
    unit_names: str = ""
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 0
    loaded: bool = False

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.event
    def load(self):
        try:
            who = current_principal(self)
        except NotAuthenticated:
            self.reset()
            return rx.redirect("/ingresar?motivo=sesion")
        self.user_name = who.user.full_name
        self.unit_names = ", ".join(sorted({u.name for u, _ in who.memberships}))
        with db.session() as s:
            result = routing.unit_inbox(s, who, page=self.page, page_size=PAGE_SIZE)
        self.total = result.total
        self.rows = [
            {"number": r.number, "procedure": r.procedure, "filer": r.filer, "subject": r.subject,
             "received": format_datetime_es(r.received_at), "due": format_date_es(r.due_on),
             "status": r.status_label, "channel": r.channel, "unit": r.unit}
            for r in result.rows
        ]
        self.loaded = True

    @rx.event
    def next_page(self):
        if self.page + 1 < self.pages:
            self.page += 1
        return InboxState.load

    @rx.event
    def prev_page(self):
        if self.page > 0:
            self.page -= 1
        return InboxState.load
