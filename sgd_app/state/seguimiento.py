"""/seguimiento: number + access key -> status and timeline. Guesses are slowed down."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from sgd_app import db, receipts, settings
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
    t_observations: list[str] = []
    t_obs_deadline: str = ""
    can_fix: bool = False
    fix_note: str = ""
    fix_error: str = ""
    fix_progress: int = 0
    t_answer_url: str = ""
    # The pair number + key proven in this tab (server side only), valid for 30 minutes.
    _verified_number: str = ""
    _verified_at: float = 0.0

    @rx.event
    def load(self):
        number = self.router.url.query_parameters.get("numero", "")
        if number:  # arriving from a link (QR, e-mail): a fresh lookup of that number
            self._clear()
            self.error = ""
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
        self.t_documents = [
            {
                "label": d["label"],
                "filename": d["filename"],
                "pages": str(d["pages"]),
                "size": format_size(d["size"]),
                "sha256": d["sha256"],
            }
            for d in view.documents
        ]
        self.t_timeline = [
            {"at": format_datetime_es(t["at"]), "title": t["title"], "detail": t["detail"]}
            for t in reversed(view.timeline)
        ]
        self._verified_number, self._verified_at = view.number, time.time()
        self._load_extras(view.number)
        self.key = ""
        self.searching = False

    def _load_extras(self, number: str) -> None:
        from sqlmodel import select

        from sgd_app.domain import observations
        from sgd_app.domain.models import Expediente

        with db.session() as s:
            case = s.exec(select(Expediente).where(Expediente.number == number)).one()
            obs = observations.open_observation(s, case.id)
            answer = observations.answer_document(s, case.id)
        self.t_observations = list(obs.items) if obs else []
        self.t_obs_deadline = format_date_es(obs.deadline_on, weekday=True) if obs else ""
        self.can_fix = obs is not None and case.status == "observado"
        self.t_answer_url = receipts.answer_url(number) if answer is not None else ""

    @rx.event
    def set_fix_note(self, value: str):
        self.fix_note = str(value)[:2000]

    @rx.event
    def fix_upload_progress(self, progress: dict):
        self.fix_progress = int(100 * float(progress.get("progress", 0) or 0))

    @rx.event
    async def submit_fix(self, files: list[rx.UploadFile]):
        """The filer fixes the observations from this page (number + key proven in this tab)."""
        from sgd_app.domain.errors import DomainError
        from sgd_app.domain.intake import MAX_ANNEX_BYTES, IncomingFile

        if not self._verified_number or time.time() - self._verified_at > 1800:
            self.fix_error = "Por seguridad, vuelva a consultar su expediente con su número y clave."
            return
        if len(files) > 5:
            self.fix_error = "Puede adjuntar como máximo 5 archivos."
            return
        incoming = []
        for f in files:
            data = await f.read(MAX_ANNEX_BYTES + 1)
            incoming.append(IncomingFile(f.name or "subsanacion.pdf", data, "anexo", "Subsanación"))
        number, note = self._verified_number, self.fix_note
        try:
            await asyncio.to_thread(_fix, number, note, incoming)
        except DomainError as exc:
            self.fix_error = exc.message
            self.fix_progress = 0
            return
        self.fix_error = ""
        self.fix_note = ""
        self.fix_progress = 100
        with db.session() as s:
            view = intake.tracking_view(s, intake.find_case(s, number))
        self.t_status, self.t_status_label = view.status, view.status_label
        self.t_timeline = [
            {"at": format_datetime_es(t["at"]), "title": t["title"], "detail": t["detail"]}
            for t in reversed(view.timeline)
        ]
        self.t_documents = [
            {
                "label": d["label"],
                "filename": d["filename"],
                "pages": str(d["pages"]),
                "size": format_size(d["size"]),
                "sha256": d["sha256"],
            }
            for d in view.documents
        ]
        self._load_extras(number)
        yield rx.toast.success("Subsanación recibida: su expediente continúa su trámite.")

    def _clear(self) -> None:
        self.found = False
        self._verified_number, self._verified_at = "", 0.0
        self.t_observations, self.t_obs_deadline, self.can_fix, self.t_answer_url = [], "", False, ""
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


def _fix(number: str, note: str, files) -> None:
    from sgd_app.domain import observations
    from sgd_app.domain.documents import FileStore

    with db.write_session() as s:
        case = intake.find_case(s, number)
        observations.fix(s, FileStore(settings.files_dir()), case=case, note=note, files=files)


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
