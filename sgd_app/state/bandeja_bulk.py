"""/bandeja: acting on several cases at once (issue 14, item 8).

The state holds only the selected case NUMBERS (at most ``routing.BULK_MAX_CASES``) or the flag
"all matching the filters", never rows. The run is a background event: each case goes through
the domain's single act (``routing.bulk``) off the event loop, and the progress bar and the
per-case result list are written back a few times a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import reflex as rx

from sgd_app import routes
from sgd_app.domain import routing
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import DomainError, InvalidInput, InvalidInputs
from sgd_app.state.bandeja import BandejaState
from sgd_app.state.notice import Notice
from sgd_app.state.session import principal_or_none, staff_event

MAX = routing.BULK_MAX_CASES
FIELDS = ("seleccion", "to_unit", "instructions", "priority", "due_days", "reason", "accion")
DONE_WORDS = {"recibir": "recibidos", "derivar": "derivados", "archivar": "archivados"}
TOO_MANY = f"Puede seleccionar hasta {MAX} expedientes a la vez."
UPDATE_EVERY_S = 0.25


def _blank() -> dict[str, str]:
    return {k: "" for k in FIELDS}


def _take(results: Iterator[routing.BulkResult], seconds: float) -> list[routing.BulkResult]:
    """The results the batch gives within ``seconds`` (at least one, unless it is over)."""
    out: list[routing.BulkResult] = []
    end = time.monotonic() + seconds
    for r in results:
        out.append(r)
        if time.monotonic() >= end:
            break
    return out


def _number(value: str) -> str:
    return str(value or "").strip().upper()[:40]


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


class BulkState(Notice, rx.State):
    selected: list[str] = []  # case numbers, at most MAX
    all_matching: bool = False  # "todos los N que coinciden con los filtros", resolved at run time
    action: str = ""  # the open panel: "derivar" / "archivar" ("recibir" runs at once)
    dialog_kind: str = "derivar"  # what the dialog shows (kept while it closes)
    unit_options: list[list[str]] = []
    errors: dict[str, str] = _blank()
    running: bool = False
    progress: int = 0  # percent
    done: int = 0
    run_total: int = 0
    results: list[dict[str, str]] = []  # {"line", "ok"}
    summary: str = ""  # "28 de 30 expediente(s) recibidos; 2 no se pudieron."

    @rx.var
    def count(self) -> int:
        return len(self.selected)

    @rx.event
    async def toggle(self, number: str, checked: bool):
        number = _number(number)
        if not number:
            return
        self.errors = _blank()
        if self.all_matching:  # unticking one row leaves "all matching": the rest of this page stays
            self.all_matching = False
            bandeja = await self.get_state(BandejaState)
            self.selected = [n for n in (_number(r.get("number", "")) for r in bandeja.rows) if n][:MAX]
        if checked and number not in self.selected:
            if len(self.selected) >= MAX:
                self.errors = {**_blank(), "seleccion": TOO_MANY}
                return
            self.selected = [*self.selected, number]
        elif not checked:
            self.selected = [n for n in self.selected if n != number]

    @rx.event
    async def select_page(self):
        bandeja = await self.get_state(BandejaState)
        page = [_number(r.get("number", "")) for r in bandeja.rows]
        merged = list(dict.fromkeys([*self.selected, *(n for n in page if n)]))
        self.errors = _blank()
        self.all_matching = False
        if len(merged) > MAX:
            self.errors = {**_blank(), "seleccion": TOO_MANY}
            merged = merged[:MAX]
        self.selected = merged

    @rx.event
    async def select_matching(self):
        bandeja = await self.get_state(BandejaState)
        self.errors = _blank()
        if bandeja.total > MAX:
            self.errors = {
                **_blank(),
                "seleccion": f"Son {bandeja.total} expedientes. {TOO_MANY} Afine los filtros.",
            }
            return
        self.all_matching = True
        self.selected = []

    @rx.event
    def clear_selection(self):
        self.selected = []
        self.all_matching = False
        self.errors = _blank()
        self.action = ""

    @staff_event
    def open_action(self, who: Principal, panel: str):
        self.errors = _blank()
        self.action = panel if panel in ("derivar", "archivar") else ""
        if self.action:
            self.dialog_kind = self.action
        if self.action == "derivar" and not self.unit_options:
            self.unit_options = [[str(uid), name] for uid, name in routing.destinations()]

    @rx.event
    def close_action(self):
        if self.action in ("derivar", "archivar"):
            self.action = ""
        self.errors = _blank()

    @rx.event
    def dialog_changed(self, value: bool):
        if not value:
            self.close_action()

    @rx.event
    def clear_results(self):
        if not self.running:
            self.results, self.progress, self.done, self.run_total, self.summary = [], 0, 0, 0, ""

    @rx.event
    def receive_selected(self):
        """ "Recibir": no form to fill, the batch starts at once."""
        self.action = "recibir"
        return BulkState.run({})

    @rx.event(background=True)
    async def run(self, form: dict):
        form = form if isinstance(form, dict) else {}
        async with self:
            if self.running:
                return
            self._clear_notice()
            who = principal_or_none(self)
            if who is None:
                self.reset()
                return rx.redirect(routes.LOGIN_EXPIRED)
            action = self.action
            data = routing.BulkInput(
                to_unit_id=_int(form.get("to_unit")),
                instructions=str(form.get("instructions", ""))[:4000],
                priority=str(form.get("priority", "")) or None,
                due_days=_int(form.get("due_days")),
                reason=str(form.get("reason", ""))[:4000],
            )
            if str(form.get("due_days", "") or "").strip() and data.due_days is None:
                self.errors = {**_blank(), "due_days": "Escriba el plazo en días hábiles (número)."}
                return None
            bandeja = await self.get_state(BandejaState)
            numbers = list(self.selected)
            try:
                if self.all_matching:
                    numbers = routing.matching_numbers(who, tab=bandeja.tab, filters=bandeja._filters())
                elif not numbers:
                    raise InvalidInput("seleccion", "Marque al menos un expediente.")
                batch = routing.bulk(who, numbers, action, data)
            except InvalidInputs as exc:
                self.errors = {**_blank(), **{k: v for k, v in exc.errors.items() if k in FIELDS}}
                return None
            except DomainError as exc:
                field = getattr(exc, "field", "seleccion")
                self.errors = {**_blank(), (field if field in FIELDS else "seleccion"): exc.message}
                return None
            self.errors = _blank()
            self.running, self.progress, self.done, self.results, self.summary = True, 0, 0, [], ""
            self.run_total = len(dict.fromkeys(numbers))
        lines: list[dict[str, str]] = []
        try:
            while True:
                chunk = await asyncio.to_thread(_take, batch, UPDATE_EVERY_S)  # the acts, off the event loop
                if not chunk:
                    break
                lines.extend({"line": r.line, "ok": "1" if r.ok else ""} for r in chunk)
                async with self:
                    self.done = len(lines)
                    self.progress = int(100 * len(lines) / max(1, self.run_total))
                    self.results = list(lines)
        finally:
            ok = sum(1 for r in lines if r["ok"])
            async with self:
                self.running = False
                self.progress = 100
                self.selected, self.all_matching, self.action = [], False, ""
                failed = len(lines) - ok
                self.summary = f"{ok} de {len(lines)} expediente(s) {DONE_WORDS.get(action, '')}" + (
                    f"; {failed} no se pudo." if failed == 1 else f"; {failed} no se pudieron." if failed else "."
                )
                bandeja = await self.get_state(BandejaState)
                bandeja._refresh(who)
        return None
