"""/bandeja: the inbox of the units the official works in (tabs, filters, pages) and, for heads,
delegation. Every handler wears :func:`staff_event`, which resolves the session itself."""

from __future__ import annotations

from datetime import date

import reflex as rx

from sgd_app.domain import filters, routing, vocabulary
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.errors import DomainError, InvalidInput, InvalidInputs
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event

PAGE_SIZE = 50
FILTER_KEYS = ("procedure", "priority", "sender", "date_from", "date_to", "category", "channel")


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class BandejaState(Notice, rx.State):
    user_name: str = ""
    unit_names: str = ""
    tab: str = "por_recibir"
    counts: dict[str, int] = {t: 0 for t in routing.TABS}
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 0
    filters: dict[str, str] = {k: "" for k in FILTER_KEYS}
    procedure_options: list[list[str]] = []
    loaded: bool = False
    # delegation (heads)
    head_units: list[list[str]] = []
    members: list[list[str]] = []
    delegations: list[dict[str, str]] = []
    delegation_error: str = ""
    delegated_note: str = ""

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def is_head(self) -> bool:
        return len(self.head_units) > 0

    def _filters(self) -> routing.InboxFilters:
        f = self.filters
        proc = f.get("procedure", "")
        return routing.InboxFilters(
            procedure_id=int(proc) if proc.isdigit() else None,
            priority=f.get("priority") or None,
            sender=f.get("sender", "")[:100],
            date_from=_parse_date(f.get("date_from", "")),
            date_to=_parse_date(f.get("date_to", "")),
            category=f.get("category") or None,
            channel=f.get("channel") if f.get("channel") in vocabulary.CHANNEL_LABELS else None,
        )

    def _refresh(self, who: Principal) -> None:
        result = routing.inbox(who, tab=self.tab, filters=self._filters(), page=self.page, page_size=PAGE_SIZE)
        if not self.procedure_options:
            self.procedure_options = [[str(pid), name] for pid, name in filters.procedures()]
        head_units = [(u.id, u.name) for u, r in who.memberships if r == "head"]
        self.head_units = [[str(uid), name] for uid, name in head_units]
        if head_units:
            self.members = [
                [str(uid), name] for uid, name in routing.unit_members(head_units[0][0]) if uid != who.user.id
            ]
            self.delegations = [
                {
                    "id": str(d["id"]),
                    "to": d["to"],
                    "unit": d["unit"],
                    "range": f"{format_date_es(d['starts_on'])} al {format_date_es(d['ends_on'])}",
                }
                for d in routing.delegations_of(who)
            ]
        self.user_name = who.user.full_name
        self.unit_names = ", ".join(sorted({u.name for u, _ in who.memberships}))
        self.delegated_note = f"Actúa por encargo en {len(who.delegated)} unidad(es)." if who.delegated else ""
        self.total = result.total
        self.counts = result.counts
        self.rows = [
            {
                "number": r.number,
                "procedure": r.procedure,
                "category": r.category.capitalize(),
                "filer": r.filer,
                "subject": r.subject,
                "received": format_datetime_es(r.received_at),
                "due": format_date_es(r.due_on) if r.due_on else "—",
                "status": r.status_label,
                "priority": vocabulary.PRIORITY_LABELS.get(r.priority, r.priority),
                "urgent": "1" if r.priority != "normal" else "",
                "channel": vocabulary.CHANNEL_SHORT_LABELS.get(r.channel, r.channel.capitalize()),
                "unit": r.unit,
                "light": r.light,
                "light_label": r.light_label,
                "moved": format_datetime_es(r.moved_at) if r.moved_at else "",
                "note": r.note[:140],
                "read": format_datetime_es(r.read_at) if r.read_at else "",  # Copias: marked read
            }
            for r in result.rows
        ]
        self.loaded = True

    @staff_event
    def load(self, who: Principal):
        tab = self.router.url.query_parameters.get("pestana", "")
        if tab in routing.TABS:
            self.tab = tab
        self._refresh(who)

    @staff_event
    def set_tab(self, who: Principal, tab: str):
        if tab in routing.TABS:
            self.tab = tab
            self.page = 0
        self._refresh(who)

    @staff_event
    def apply_filters(self, who: Principal, form: dict):
        self.filters = {k: str(form.get(k, "") or "")[:100] for k in FILTER_KEYS}
        self.page = 0
        self._refresh(who)

    @staff_event
    def clear_filters(self, who: Principal):
        self.filters = {k: "" for k in FILTER_KEYS}
        self.page = 0
        self._refresh(who)

    @staff_event
    def next_page(self, who: Principal):
        if self.page + 1 < self.pages:
            self.page += 1
        self._refresh(who)

    @staff_event
    def prev_page(self, who: Principal):
        if self.page > 0:
            self.page -= 1
        self._refresh(who)

    @staff_event
    def delegate(self, who: Principal, form: dict):
        try:
            unit = str(form.get("unit", ""))
            to_user = str(form.get("to_user", ""))
            starts, ends = _parse_date(str(form.get("starts_on", ""))), _parse_date(str(form.get("ends_on", "")))
            if not (unit.isdigit() and to_user.isdigit()):
                raise InvalidInput("to_user", "Elija a la persona que lo reemplazará.")
            if starts is None or ends is None:
                raise InvalidInput("ends_on", "Indique las fechas de inicio y fin.")
            routing.delegate(who=who, unit_id=int(unit), to_user_id=int(to_user), starts_on=starts, ends_on=ends)
        except InvalidInputs as exc:
            self.delegation_error = " ".join(exc.errors.values())
            return
        except DomainError as exc:
            self.delegation_error = exc.message
            return
        self.delegation_error = ""
        self._refresh(who)
        self._notify("Delegación registrada.")

    @staff_event
    def revoke(self, who: Principal, delegation_id: str):
        try:
            routing.revoke_delegation(who=who, delegation_id=int(delegation_id))
        except (DomainError, ValueError) as exc:
            self.delegation_error = getattr(exc, "message", "Delegación no encontrada.")
            return
        self._refresh(who)
        self._notify("Delegación revocada.")
