"""/archivo: the central archive's board (holdings, files due for transfer or disposal, holds,
inventories) and its acts. Thin: every handler resolves the session and the domain checks the
role (archive head or committee) and audits."""

from __future__ import annotations

import reflex as rx

from sgd_app.domain import archive
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import DomainError
from sgd_app.domain.vocabulary import Role
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event


class ArchivoState(Notice, rx.State):
    allowed: bool = False
    denied: bool = False
    is_archivist: bool = False
    is_committee: bool = False
    tab: str = "resumen"
    rows: list[dict[str, str]] = []
    total: int = 0
    page_no: int = 1
    pages: int = 1
    error: str = ""
    hold_error: str = ""

    def _refresh(self, who: Principal) -> None:
        data = archive.board(who, tab=self.tab, page=self.page_no)
        self.rows, self.total, self.pages, self.page_no = data["rows"], data["total"], data["pages"], data["page"]

    def _run(self, viewer: Principal, fn, /, *args, ok: str = "", **kwargs) -> bool:
        self.error = ""
        try:
            fn(*args, **kwargs)
        except DomainError as exc:
            self.error = str(exc)
            return False
        if ok:
            self._notify(ok)
        self._refresh(viewer)
        return True

    @staff_event
    def load(self, who: Principal):
        if not archive.may_view(who):
            self.reset()
            self.denied = True
            return
        self.allowed, self.denied = True, False
        self.is_archivist = who.has_role(Role.ARCHIVIST)
        self.is_committee = who.has_role(Role.COMMITTEE)
        self.tab, self.page_no, self.error, self.hold_error = "resumen", 1, "", ""
        self._refresh(who)

    @staff_event
    def show_tab(self, who: Principal, tab: str):
        if not archive.may_view(who):
            return
        self.tab = tab if tab in archive.TABS else "resumen"
        self.page_no, self.error = 1, ""
        self._refresh(who)

    @staff_event
    def next_page(self, who: Principal):
        if archive.may_view(who) and self.page_no < self.pages:
            self.page_no += 1
            self._refresh(who)

    @staff_event
    def previous_page(self, who: Principal):
        if archive.may_view(who) and self.page_no > 1:
            self.page_no -= 1
            self._refresh(who)

    @staff_event
    def prepare(self, who: Principal, kind: str):
        if kind not in archive.KINDS:
            return
        label = archive.KINDS[kind]
        if self._run(who, archive.prepare, who, kind, ok=f"{label} preparado y sellado."):
            self.tab, self.page_no = "inventarios", 1
            self._refresh(who)

    @staff_event
    def approve(self, who: Principal, inventory_id: str):
        if not str(inventory_id).isdigit():
            return
        self._run(who, archive.approve, who=who, inventory_id=int(inventory_id), ok="Inventario aprobado.")

    @staff_event
    def execute(self, who: Principal, inventory_id: str):
        if not str(inventory_id).isdigit():
            return
        self._run(
            who, archive.execute_disposal, who, int(inventory_id), ok="Eliminación ejecutada: contenido destruido."
        )

    @staff_event
    def set_hold(self, who: Principal, form: dict):
        form = form if isinstance(form, dict) else {}
        self.hold_error = ""
        try:
            archive.set_hold(who=who, number=str(form.get("number", ""))[:40], reason=str(form.get("reason", ""))[:500])
        except DomainError as exc:
            self.hold_error = str(exc)
            return
        self._notify("Retención legal registrada.")
        self.tab, self.page_no = "retenidos", 1
        self._refresh(who)

    @staff_event
    def lift_hold(self, who: Principal, form: dict):
        form = form if isinstance(form, dict) else {}
        hold_id = str(form.get("hold_id", ""))
        if not hold_id.isdigit():
            return
        try:
            archive.lift_hold(who=who, hold_id=int(hold_id), reason=str(form.get("reason", ""))[:500])
        except DomainError as exc:
            self.error = str(exc)
            return
        self.error = ""
        self._notify("Retención levantada.")
        self._refresh(who)
