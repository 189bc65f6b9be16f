"""/seguimiento: number + access key -> status and timeline. Guesses are slowed down."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from sgd_app import settings
from sgd_app.domain import intake, links, observations
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import DomainError, NotFound, TooManyAttempts
from sgd_app.domain.intake import NOT_FOUND, IncomingFile, TrackingView, format_size
from sgd_app.state.notice import refusal

__all__ = ["FIX_DONE", "NOT_FOUND", "SeguimientoState"]
FIX_DONE = "Subsanación recibida: su expediente continúa su trámite."
KEY_ANSWER_SECONDS = 0.8


FIX_MAX_FILES = 5  # what the subsanación drop zone takes (see pages/seguimiento.py)
FIX_MAX_BYTES = 10 * 1024 * 1024


class SeguimientoState(rx.State):
    number: str = ""
    key: str = ""
    error: str = ""
    searching: bool = False
    found: bool = False
    t_number: str = ""
    t_status: str = ""
    t_status_label: str = ""
    t_status_note: str = ""
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
    fix_done: str = ""
    forgot: bool = False  # the "¿Olvidó su clave?" form is open
    forgot_msg: str = ""
    forgot_error: str = ""
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
        keys = intake.throttle_keys(self.number, self.router.session.client_ip or "?")
        try:
            delay = intake.lookup_delay(keys)
            if delay:
                await asyncio.sleep(delay)  # slows down guessing; other users are not affected
            view = await asyncio.to_thread(intake.track, number=self.number, key=self.key, keys=keys)
        except (NotFound, TooManyAttempts) as exc:
            self._clear()
            self.error = NOT_FOUND if isinstance(exc, NotFound) else exc.message
            self.searching = False
            return
        self.found = True
        self.t_number = view.number
        self.t_status = view.status
        self.t_status_label, self.t_status_note = view.public_status, view.public_status_note
        self.t_procedure = view.procedure
        self.t_subject = view.subject
        self.t_filer = view.filer_name
        self.t_received = format_datetime_es(view.received_at)
        self.t_filed = format_date_es(view.filed_on, weekday=True)
        self.t_due = format_date_es(view.due_on, weekday=True)
        self.t_unit = view.unit
        self.t_folios = str(view.folios)
        self.t_download = links.download_url(view.number)
        self._show_progress(view)
        self._verified_number, self._verified_at = view.number, time.time()
        self._load_extras(view.number)
        self.key = ""
        self.searching = False

    def _show_progress(self, view: TrackingView) -> None:
        self.t_documents = [
            {
                "label": d["label"],
                "filename": d["filename"],
                "pages": str(d["pages"]),
                "size": format_size(d["size"]),
                "sha256": d["sha256"],
                "sent": "1" if d["sent"] else "",
            }
            for d in view.documents
        ]
        self.t_timeline = [
            {"at": format_datetime_es(t["at"]), "title": t["title"], "detail": t["detail"]}
            for t in reversed(view.timeline)
        ]

    def _load_extras(self, number: str) -> None:
        extras = observations.filer_extras(number)
        self.t_observations = extras.observations
        self.t_obs_deadline = format_date_es(extras.deadline_on, weekday=True) if extras.deadline_on else ""
        self.can_fix = extras.can_fix
        self.t_answer_url = links.answer_url(number) if extras.has_answer else ""

    @rx.event
    def set_fix_note(self, value: str):
        self.fix_note = str(value)[:2000]

    @rx.event
    def fix_upload_progress(self, progress: dict):
        self.fix_progress = int(100 * float(progress.get("progress", 0) or 0))

    @rx.event
    def fix_rejected(self, rejections: list[dict]):
        """The drop zone refused what was chosen (not a PDF, too big, more than five): say why."""
        items = [r for r in rejections if isinstance(r, dict)] if isinstance(rejections, list) else []
        codes = {str(c) for r in items if isinstance(r.get("codes"), list) for c in r["codes"]}
        if "too-many-files" in codes:
            self.fix_error = f"Eligió demasiados archivos: suba hasta {FIX_MAX_FILES} PDF a la vez."
        else:
            self.fix_error = refusal(items[:1], limit=FIX_MAX_BYTES)

    @rx.event
    async def submit_fix(self, files: list[rx.UploadFile]):
        """The filer fixes the observations from this page (number + key proven in this tab)."""
        self.fix_done = ""
        if not self._verified_number or not intake.proof_valid(self._verified_at, time.time()):
            self.fix_error = "Por seguridad, vuelva a consultar su expediente con su número y clave."
            return
        try:
            observations.check_fix_files(len(files))
        except DomainError as exc:
            self.fix_error = exc.message
            return
        incoming = []
        for f in files:
            data = await f.read(intake.MAX_ANNEX_BYTES + 1)
            incoming.append(IncomingFile(f.name or "subsanacion.pdf", data, intake.ANNEX, "Subsanación"))
        number, note = self._verified_number, self.fix_note
        try:
            await asyncio.to_thread(
                observations.fix_by_number, FileStore(settings.files_dir()), number=number, note=note, files=incoming
            )
        except DomainError as exc:
            self.fix_error = exc.message
            self.fix_progress = 0
            return
        self.fix_error = ""
        self.fix_note = ""
        self.fix_progress = 100
        view = intake.case_tracking(number)
        self.t_status = view.status
        self.t_status_label, self.t_status_note = view.public_status, view.public_status_note
        self._show_progress(view)
        self._load_extras(number)
        self.fix_done = FIX_DONE

    @rx.event
    def toggle_forgot(self):
        self.forgot = not self.forgot
        self.forgot_msg = self.forgot_error = ""

    @rx.event
    async def resend_key(self, form: dict):
        """ "¿Olvidó su clave?": a new key to the filing's e-mail; the same answer either way."""
        number = str(form.get("numero", "")).strip()[:40]
        doc_number = str(form.get("doc_number", "")).strip()[:20]
        self.forgot_msg = self.forgot_error = ""
        if not number or not doc_number:
            self.forgot_error = "Escriba el número de expediente y su número de documento."
            return
        self.number = number
        started = time.monotonic()
        try:
            await asyncio.to_thread(
                intake.resend_key, number=number, doc_number=doc_number, client_ip=self.router.session.client_ip or "?"
            )
        except TooManyAttempts as exc:
            self.forgot_error = exc.message
            return
        # The same answer after the same time, matched or not (a sent key takes a little longer).
        await asyncio.sleep(max(0.0, KEY_ANSWER_SECONDS - (time.monotonic() - started)))
        self.forgot_msg = intake.KEY_SENT

    def _clear(self) -> None:
        self.found = False
        self.fix_done = ""
        self._verified_number, self._verified_at = "", 0.0
        self.t_observations, self.t_obs_deadline, self.can_fix, self.t_answer_url = [], "", False, ""
        self.t_number = self.t_status = self.t_status_label = self.t_status_note = self.t_procedure = ""
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
