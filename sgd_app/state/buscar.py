"""/buscar — one box over everything a staff member may see (cases, filers, documents' text).
Every handler resolves the session itself; results come only from ``search.search`` (scoped)."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

import reflex as rx

from sgd_app import routes
from sgd_app.domain import search
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput, NotAuthenticated, NotFound
from sgd_app.domain.vocabulary import PRIORITY_LABELS, STATUS_LABELS, Priority
from sgd_app.state.notice import Notice
from sgd_app.state.session import current_principal, staff_event

PAGE_SIZE = 20


class BuscarState(Notice, rx.State):
    query: str = ""
    filters: dict[str, str] = {k: "" for k in search.FILTER_KEYS}
    hits: list[dict[str, str]] = []
    snippets: list[list[list[str]]] = []  # per hit: [text, "1" if it matched]
    total_label: str = ""
    order_label: str = ""
    page: int = 0
    has_next: bool = False
    error: str = ""
    searched: bool = False
    elapsed: str = ""
    unit_options: list[list[str]] = []
    procedure_options: list[list[str]] = []
    status_options: list[list[str]] = [[k, v] for k, v in STATUS_LABELS.items()]
    # The form's inputs are uncontrolled: a new key re-mounts it with the words and filters of a
    # search the page (a link, a saved search) has set.
    form_key: int = 0
    saved: list[dict[str, str]] = []  # the person's saved searches: id, name, what it searches
    save_error: str = ""

    async def _run(self, *, may_jump: bool = True):
        """Search; an exact number or a DNI with one case opens it, but only when the person asked
        for it now (``may_jump``): a page load that reruns the saved query shows the result."""
        try:
            who = current_principal(self)
        except NotAuthenticated:
            return rx.redirect(routes.LOGIN_EXPIRED)
        if not self.unit_options:
            units, procs = await asyncio.to_thread(search.filter_options, who)
            self.unit_options = [[str(i), n] for i, n in units]
            self.procedure_options = [[str(i), n] for i, n in procs]
        if not self.query.strip():
            self.hits, self.snippets, self.total_label, self.searched, self.error = [], [], "", False, ""
            return None
        try:
            f = search.parse_filters({k: v for k, v in self.filters.items() if v})

            started = time.perf_counter()
            result = await asyncio.to_thread(search.search, who, self.query, f, page=self.page, page_size=PAGE_SIZE)
            secs = time.perf_counter() - started
        except InvalidInput as exc:
            self.error, self.hits, self.snippets, self.total_label = exc.message, [], [], ""
            self.searched = True
            return None
        self.error = ""
        self.searched = True
        if result.jump_to and may_jump:
            return rx.redirect(routes.expediente(quote(result.jump_to)))
        self.hits = [
            {
                "number": h.number,
                "subject": h.subject,
                "filer": h.filer,
                "status": h.status_label,
                "unit": h.unit,
                "procedure": h.procedure,
                "filed": h.filed_on.strftime("%d/%m/%Y"),
                "found_in": h.found_in,
                "priority": "" if h.priority == Priority.NORMAL else PRIORITY_LABELS.get(h.priority, ""),
            }
            for h in result.hits
        ]
        self.snippets = [[[text, "1" if hit else ""] for text, hit in h.snippet] for h in result.hits]
        self.total_label = result.total_label
        self.order_label = result.order_label if result.total else ""
        self.has_next = result.has_next
        self.elapsed = f"{secs * 1000:.0f} ms".replace(".", ",")
        return None

    @rx.event
    async def load(self):
        """Opening /buscar (a link, the URL, Back from a case): ``?q=`` searches (and may open the
        one case it names); without it the last search is shown again, never jumped into."""
        q = str(self.router.page.params.get("q", "") or "")[:200]
        if q:  # the box shows the words of the link (never re-mounted under a person's typing otherwise)
            self.query, self.page = q, 0
            self.form_key += 1
        result = await self._run(may_jump=bool(q))
        self._load_saved()
        return result

    @rx.event
    async def submit(self, form: dict):
        self.query = str(form.get("q", "") or "")[:200]
        self.filters = {k: str(form.get(k, "") or "")[:40] for k in search.FILTER_KEYS}
        self.page = 0
        return await self._run()

    @rx.event
    async def next_page(self):
        self.page += 1
        return await self._run()

    @rx.event
    async def previous_page(self):
        self.page = max(0, self.page - 1)
        return await self._run()

    # Saved searches (personal; domain.search.saved). A rerun is an ordinary search of what the
    # person may see now.

    def _load_saved(self) -> None:
        try:
            who = current_principal(self)
        except NotAuthenticated:
            self.saved = []
            return
        names = {
            "unit_id": dict(map(tuple, self.unit_options)),
            "procedure_id": dict(map(tuple, self.procedure_options)),
        }
        self.saved = [
            {"id": str(s.id), "name": s.name, "what": _describe(s, names)} for s in search.saved_searches(who)
        ]

    @staff_event
    def save_current(self, who: Principal, form: dict):
        """Keep the search on screen (the words and filters last searched) under a name."""
        try:
            kept = search.save_search(
                who, name=str(form.get("name", "") or "")[:100], text=self.query, filters=self.filters
            )
        except InvalidInput as exc:
            self.save_error = exc.message
            return
        self.save_error = ""
        self._load_saved()
        self._notify(f"Búsqueda «{kept.name}» guardada.")

    @staff_event
    async def run_saved(self, who: Principal, saved_id: str):
        try:
            kept = search.saved_search(who, int(saved_id))
        except (NotFound, ValueError):
            self._load_saved()
            self._notify("Esa búsqueda guardada ya no existe.", "warning")
            return None
        self.query = kept.query
        self.filters = {k: kept.filters.get(k, "") for k in search.FILTER_KEYS}
        self.page = 0
        self.form_key += 1
        return await self._run(may_jump=False)

    @staff_event
    def delete_saved(self, who: Principal, saved_id: str):
        try:
            name = search.delete_saved_search(who, int(saved_id))
        except (NotFound, ValueError):
            self._load_saved()
            self._notify("Esa búsqueda guardada ya no existe.", "warning")
            return
        self._load_saved()
        self._notify(f"Búsqueda «{name}» eliminada.")


def _describe(kept: search.Saved, names: dict[str, dict[str, str]]) -> str:
    """What a saved search looks for, in words: «multa» · Estado: En trámite · desde 01/11/2026."""
    parts = [f"«{kept.query}»"]
    f = kept.filters
    if f.get("status"):
        parts.append(f"Estado: {STATUS_LABELS.get(f['status'], f['status'])}")
    if f.get("priority"):
        parts.append(f"Prioridad: {PRIORITY_LABELS.get(f['priority'], f['priority'])}")
    if f.get("channel"):
        parts.append(f"Canal: {f['channel'].capitalize()}")
    for key, word in (("unit_id", "Unidad"), ("procedure_id", "Trámite")):
        if f.get(key):
            parts.append(f"{word}: {names[key].get(f[key], 'ya no disponible')}")
    for key, word in (("date_from", "desde"), ("date_to", "hasta")):
        if f.get(key):
            y, m, d = f[key].split("-")
            parts.append(f"{word} {d}/{m}/{y}")
    return " · ".join(parts)
