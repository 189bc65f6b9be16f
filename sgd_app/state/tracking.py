"""/seguimiento: number + access key -> status and timeline. Guesses are slowed down."""
from __future__ import annotations

import asyncio

import reflex as rx

from sgd_app import db, receipts
from sgd_app.domain import auth, intake
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.errors import NotFound
from sgd_app.domain.receipt import format_size

NOT_FOUND = "No encontramos un expediente con ese número y clave. Revise ambos datos."


class TrackingState(rx.State):
    number: str = ""
    key: str = ""
    error: str = ""
    searching: bool = False
    found: bool = False
    t_number: str = ""
    t_status: str = ""
    t_status_label: str = ""
    t_procedure: str = ""
    t_subject: str = ""
    t_filer: str = ""
    t_received: str = ""
    t_filed: str = ""
    t_due: str = ""
    t_unit: str = ""
    t_folios: str = ""
    t_download: str = ""
    t_documents: list[dict[str, str]] = []
    t_timeline: list[dict[str, str]] = []

    @rx.event
    def load(self):
        number = self.router.url.query_parameters.get("numero", "")
        if number and not self.found:
            self.number = number[:40]

    @rx.event
    def set_number(self, value: str):
        self.number = str(value)[:40]

    @rx.event
    def set_key(self, value: str):
        self.key = str(value)[:40]

    @rx.event
    async def search(self, form: dict | None = None):
        if form:
            self.number = str(form.get("numero", self.number))[:40]
            self.key = str(form.get("clave", self.key))[:40]
        if self.searching:
            return
        self.searching = True
        self.error = ""
        yield
        ip = self.router.session.client_ip or "?"
        canonical = intake.parse_number(self.number) or self.number.strip().upper()
        keys = (f"track-ip:{ip}", f"track-num:{canonical}")
        with db.session() as s:
            delay = max(auth.throttle_delay(s, k) for k in keys)
        if delay:
            await asyncio.sleep(delay)  # slows down guessing; other users are not affected
        try:
            view = await asyncio.to_thread(_lookup, self.number, self.key, keys)
        except NotFound:
            self._clear()
            self.error = NOT_FOUND
            self.searching = False
            return
        self.found = True
        self.t_number = view.number
        self.t_status = view.status
        self.t_status_label = view.status_label
        self.t_procedure = view.procedure
        self.t_subject = view.subject
        self.t_filer = view.filer_name
        self.t_received = format_datetime_es(view.received_at)
        self.t_filed = format_date_es(view.filed_on, weekday=True)
        self.t_due = format_date_es(view.due_on, weekday=True)
        self.t_unit = view.unit
        self.t_folios = str(view.folios)
        self.t_download = receipts.download_url(view.number)
        self.t_documents = [{"label": d["label"], "filename": d["filename"], "pages": str(d["pages"]),
                             "size": format_size(d["size"]), "sha256": d["sha256"]} for d in view.documents]
        self.t_timeline = [{"at": format_datetime_es(t["at"]), "title": t["title"], "detail": t["detail"]}
                           for t in reversed(view.timeline)]
        self.key = ""
        self.searching = False

    def _clear(self) -> None:
        self.found = False
        self.t_number = self.t_status = self.t_status_label = self.t_procedure = ""
        self.t_subject = self.t_filer = self.t_received = self.t_filed = self.t_due = ""
        self.t_unit = self.t_folios = self.t_download = ""
        self.t_documents = []
        self.t_timeline = []

    @rx.event
    def new_search(self):
        self._clear()
        self.number = ""
        self.key = ""
        self.error = ""


def _lookup(number: str, key: str, throttle_keys: tuple[str, ...]) -> intake.TrackingView:
    with db.write_session() as s:
        try:
            case = intake.find_by_key(s, number, key)
        except NotFound:
            for k in throttle_keys:
                auth.throttle_fail(s, k)
            s.commit()
            raise
        return intake.tracking_view(s, case)
