"""/expedientes/[numero]: the case page. Every action re-resolves the session (``staff_event``) and
calls one domain act with the version the page was showing (the case's, or the internal
document's), so a stale view is refused with "Otro usuario acaba de modificar..." and reloaded."""

from __future__ import annotations

import asyncio

import reflex as rx

from sgd_app import settings
from sgd_app.domain import casework, dossier, drafting, records, routing, signing, vocabulary
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Conflict, DomainError, InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.intake import format_size
from sgd_app.domain.routing.signature_trail import round_summaries
from sgd_app.domain.signing.order import reviewer_order
from sgd_app.domain.vocabulary import CHANNEL_LABELS
from sgd_app.state.notice import Notice, refusal
from sgd_app.state.session import principal_or_none, staff_event

FORM_KEYS = (
    "to_unit",
    "to_user",
    "copies",
    "instructions",
    "priority",
    "due_days",
    "reason",
    "summary",
    "into_number",
    "note",
    "annex",
    "general",
    "doc_type",
    "subject",
    "body",
    "recipients",
    "firmante",
    "vistos",
    "replaces",
    "items",
    "answer",
    "series",
)


def _returned_text(note: signing.ReturnNote | None) -> str:
    """Why a draft came back to its author, as the case page says it."""
    if note is None:
        return ""
    role = "el visto bueno" if note.role == "visto_bueno" else "la firma"
    return f"Devuelto por {note.by} ({role}) el {format_datetime_es(note.at)}: {note.comment}"


def _blank() -> dict[str, str]:
    return {k: "" for k in FORM_KEYS}


def _text_status(p: dict | None) -> dict[str, str]:
    """A document's text (search, OCR) in words, for the case page."""
    if not p:
        return {"text": "", "text_pct": "", "text_busy": ""}
    status, pct = p["status"], int(p.get("percent") or 0)
    if status == "listo":
        text = {"ocr": "Texto reconocido (OCR): se puede buscar", "texto": "Texto extraído: se puede buscar"}.get(
            p.get("method"), "Sin texto reconocible"
        )
    elif status == "error":
        text = "No se pudo leer el texto: " + (p.get("error") or "error")
    elif status == "procesando":
        text = f"{p.get('stage') or 'Leyendo el documento'} ({pct} %)"
    else:
        text = "Texto: en cola para leerse"
    busy = "1" if status in ("pendiente", "procesando") else ""
    return {"text": text, "text_pct": str(pct), "text_busy": busy}


class ExpedienteState(Notice, rx.State):
    found: bool = False
    missing: str = ""
    number: str = ""
    version: int = 0
    h: dict[str, str] = {}
    documents: list[dict[str, str]] = []
    text_busy: bool = False  # some document's text is being read (OCR progress shown)
    _watching: bool = False
    timeline: list[dict[str, str]] = []
    notes: list[dict[str, str]] = []
    actions: list[str] = []
    panel: str = ""  # which action form is open
    errors: dict[str, str] = _blank()
    message: str = ""
    viewer_url: str = ""
    viewer_name: str = ""
    unit_options: list[list[str]] = []
    copy_options: list[list[str]] = []  # the units a copy may go to (not the case's own)
    user_options: list[list[str]] = []
    chosen_unit: str = ""
    internal_docs: list[dict[str, str]] = []
    staff_options: list[list[str]] = []
    head_options: list[list[str]] = []
    send_doc_id: str = ""
    send_title: str = ""  # the draft the send-to-firma form is for
    edit_doc: dict[str, str] = {}  # the draft being corrected in the "editar" panel
    signed_docs: list[list[str]] = []  # signed internal documents: possible answers
    observation: dict[str, str] = {}
    file: dict[str, str] = {}  # the electronic file: series, state, what a head may do
    series_options: list[list[str]] = []
    _doc_versions: dict[int, int] = {}  # internal document id -> the version this page shows

    @rx.var
    def has_observation(self) -> bool:
        return bool(self.observation)

    @rx.var
    def can(self) -> dict[str, bool]:
        return {
            a: a in self.actions
            for a in (
                "recibir",
                "derivar",
                "devolver",
                "archivar",
                "atender",
                "acumular",
                "prioridad",
                "nota",
                "anexo",
                "observar",
                "reclasificar",
            )
        }

    def _show(self, who: Principal, number: str) -> None:
        try:
            page = casework.case_page(who, number)
        except NotFound as exc:
            self.found = False
            self.missing = exc.message
            self.h, self.documents, self.timeline, self.notes, self.actions = {}, [], [], [], []
            return
        v, c = page.view, page.view.case
        # Destinations: the case's own unit only to hand it to a person of that unit; copies to others.
        here = c.current_unit_id
        self.unit_options = [
            [str(u.id), f"{u.name} (su unidad: elija a una persona)" if u.id == here else u.name] for u in page.units
        ]
        self.copy_options = [[str(u.id), u.name] for u in page.units if u.id != here]
        self.found = True
        self.missing = ""
        self.file = page.file
        self.series_options = [[str(i), label] for i, label in page.series]
        self.number = c.number
        self.version = c.version
        self.h = {
            "number": c.number,
            "procedure": v.procedure,
            "category": v.category.capitalize(),
            "filer": v.filer.get("name", ""),
            "filer_doc": v.filer.get("doc", ""),
            "filer_contact": " · ".join(x for x in (v.filer.get("email", ""), v.filer.get("phone", "")) if x),
            "subject": c.subject,
            "status": c.status,
            "status_label": vocabulary.STATUS_LABELS.get(c.status, c.status),
            "priority": vocabulary.PRIORITY_LABELS.get(c.priority, c.priority),
            "priority_code": c.priority,
            "received": format_datetime_es(c.received_at),
            "filed": format_date_es(c.filed_on, weekday=True),
            "due": format_date_es(c.due_on, weekday=True),
            "step_due": format_date_es(c.current_due_on, weekday=True) if c.current_due_on else "—",
            "days_left": "" if v.days_left is None else str(v.days_left),
            "light": v.light,
            "light_label": v.light_label,
            "unit": v.unit,
            "assigned": v.assigned_to,
            "channel": CHANNEL_LABELS.get(c.channel, c.channel),
            "folios": str(c.folios),
            "awaiting": "1" if c.awaiting_receipt else "",
            "accumulated_into": v.accumulated_into,
            "fields": " · ".join(f"{label}: {val}" for label, val in v.fields),
        }
        texts = page.text
        self.documents = [
            {
                "id": str(d["id"]),
                "label": d["label"],
                "filename": d["filename"],
                "pages": str(d["pages"]),
                "size": format_size(d["size"]),
                "sha256": d["sha256"],
                "author": d["author"],
                "at": format_datetime_es(d["created_at"]),
                **_text_status(texts.get(d["id"])),
            }
            for d in v.documents
        ]
        self.text_busy = any(t["status"] in ("pendiente", "procesando") for t in texts.values())
        self.timeline = [
            {
                "title": t["title"],
                "action": t["action"],
                "at": format_datetime_es(t["at"]),
                "from": t["from"],
                "to": t["to"],
                "by": t["by"],
                "text": t["text"],
                "due": format_date_es(t["due_on"]) if t["due_on"] else "",
                "received": (
                    f"Copia leída por {t['received_by'] or '—'} el {format_datetime_es(t['received_at'])}"
                    if t["action"] == "copia"
                    else f"Recibido {format_datetime_es(t['received_at'])}"
                    + (f" por {t['received_by']}" if t["received_by"] else "")
                )
                if t["received_at"]
                else "",
            }
            for t in reversed(v.timeline)
        ]
        self.notes = [
            {"by": n["by"], "unit": n["unit"], "text": n["text"], "at": format_datetime_es(n["at"])}
            for n in reversed(v.notes)
        ]
        self.actions = sorted(v.actions)
        self._show_internal(who, page)

    def _show_internal(self, who: Principal, page: casework.CasePage) -> None:
        docs, names, obs = page.internal, page.names, page.observation
        self.signed_docs = [[str(d.document_id), d.number] for d in docs if d.status == "firmado" and d.document_id]
        self.observation = (
            {
                "items": "\n".join(f"{i}. {t}" for i, t in enumerate(obs.items, 1)),
                "deadline": format_date_es(obs.deadline_on, weekday=True),
                "status": obs.status,
                "fix_note": obs.fix_note,
            }
            if obs
            else {}
        )
        rounds = round_summaries(page.view.case.id) if docs else {}  # who gives visto bueno, in order
        self.internal_docs = [
            {
                "id": str(d.id),
                "title": d.number or f"{drafting.DOC_TYPES[d.doc_type]} (borrador)",
                "subject": d.subject,
                "status": d.status,
                "status_label": drafting.STATUS_LABELS.get(d.status, d.status),
                "author": names.get(d.author_id, ""),
                "mine_draft": "1" if d.status == "borrador" and d.author_id == who.user.id else "",
                "returned": _returned_text(page.returns.get(d.id)) if d.id is not None else "",
                "round": rounds.get(d.id, "") if d.status in ("en_firma", "firmado") else "",
            }
            for d in docs
            if d.status != "descartado" or d.author_id == who.user.id
        ]
        self._doc_versions = {d.id: d.version for d in docs}
        self.staff_options = [[str(uid), name] for uid, name in page.staff]
        self.head_options = [[str(uid), name] for uid, name in page.heads]

    @rx.event(background=True)
    async def watch_text(self):
        """While documents of this case are being read (text extraction / OCR), show their
        progress: one small query every 1.5 s, only while there is work in progress, for at most
        ten minutes."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            for _ in range(400):
                await asyncio.sleep(1.5)
                async with self:
                    if principal_or_none(self) is None or not self.text_busy or not self.found:
                        return
                    ids = [int(d["id"]) for d in self.documents]
                texts = await asyncio.to_thread(casework.text_progress, ids)
                async with self:
                    self.documents = [{**d, **_text_status(texts.get(int(d["id"])))} for d in self.documents]
                    self.text_busy = any(t["status"] in ("pendiente", "procesando") for t in texts.values())
        finally:
            async with self:
                self._watching = False

    @staff_event
    def load(self, who: Principal):
        number = str(self.router.page.params.get("numero", "")).upper()[:40]
        self.panel = ""
        self.errors = _blank()
        self.message = ""
        self.viewer_url = ""
        self.user_options = []
        self.chosen_unit = ""
        self._show(who, number)
        if self.text_busy:
            return ExpedienteState.watch_text
        return None

    @rx.event
    def open_panel(self, panel: str):
        allowed = set(self.actions) | ({"documento"} if "atender" in self.actions else set())
        allowed |= {"reabrir"} if self.file.get("can_reopen") else set()
        allowed |= {"serie"} if self.file.get("can_reclassify") else set()
        self.panel = panel if panel in allowed or panel == "" else ""
        self.errors = _blank()
        self.message = ""

    @rx.event
    def view_document(self, doc_id: str, name: str):
        if doc_id.isdigit():
            self.viewer_url = f"/api/v1/documentos/{doc_id}"
            self.viewer_name = name

    @staff_event
    def choose_unit(self, who: Principal, unit_id: str):
        self.chosen_unit = unit_id if unit_id.isdigit() else ""
        self.user_options = (
            [[str(uid), name] for uid, name in routing.unit_members(int(unit_id))] if unit_id.isdigit() else []
        )

    def _refused(self, who: Principal, exc: DomainError, field: str | None = None):
        """A domain refusal as the page shows it: a stale view reloads; input errors go next to
        their field; anything else is a general message."""
        if isinstance(exc, Conflict):
            self._show(who, self.number)
            self.panel = ""
            self.message = exc.message
            self._notify(exc.message, "warning")
            return None
        if isinstance(exc, InvalidInputs):
            self.errors = {**_blank(), **{k: v for k, v in exc.errors.items() if k in FORM_KEYS}}
        elif isinstance(exc, InvalidInput):
            key = field or (exc.field if exc.field in FORM_KEYS else "general")
            self.errors = {**_blank(), key: exc.message}
        else:
            self._show(who, self.number)
            self.errors = {**_blank(), field or "general": exc.message}
        return None

    def _done(self, who: Principal, message: str):
        self.panel = ""
        self.errors = _blank()
        self.message = ""
        self._show(who, self.number)
        self._notify(message)
        return None

    def _run(self, who: Principal, act_on_case, **kwargs):
        """One routing act on this case, with the version the page shows."""
        try:
            act_on_case(who=who, number=self.number, version=self.version, **kwargs)
        except DomainError as exc:
            return self._refused(who, exc)
        return self._done(who, "Listo: se registró en la hoja de ruta.")

    @staff_event
    def open_edit(self, who: Principal, doc_id: str):
        """The author reopens their draft (a returned one, or one not sent yet) in the form."""
        try:
            doc = drafting.draft_to_edit(who, int(doc_id) if doc_id.isdigit() else 0)
        except DomainError as exc:
            return self._refused(who, exc)
        self.edit_doc = {
            "id": str(doc.id),
            "subject": doc.subject,
            "recipients": doc.recipients,
            "reference": doc.reference,
            "body": doc.body,
        }
        self.errors = _blank()
        self.panel = "editar"
        return None

    @staff_event
    def save_draft(self, who: Principal, form: dict):
        doc_id = int(self.edit_doc.get("id", "0") or 0)
        if doc_id not in self._doc_versions:
            self.errors = {**_blank(), "general": "Documento no encontrado."}
            return None
        try:
            drafting.update_draft(
                who=who,
                doc_id=doc_id,
                version=self._doc_versions[doc_id],
                subject=str(form.get("subject", "")),
                body=str(form.get("body", "")),
                recipients=str(form.get("recipients", "")),
                reference=str(form.get("reference", "")),
            )
        except DomainError as exc:
            return self._refused(who, exc)
        self.edit_doc = {}
        return self._done(who, "Borrador corregido. Envíelo a firma cuando esté listo.")

    @staff_event
    def discard_draft(self, who: Principal, doc_id: str):
        did = int(doc_id) if doc_id.isdigit() else 0
        if did not in self._doc_versions:
            self.errors = {**_blank(), "general": "Documento no encontrado."}
            return None
        try:
            drafting.discard_draft(who=who, doc_id=did, version=self._doc_versions[did])
        except DomainError as exc:
            return self._refused(who, exc)
        return self._done(who, "Borrador descartado.")

    @rx.event
    def open_send(self, doc_id: str):
        self.send_doc_id = doc_id if doc_id.isdigit() else ""
        doc = next((d for d in self.internal_docs if d["id"] == self.send_doc_id), None)
        self.send_title = f"{doc['title']} — {doc['subject']}" if doc else ""
        self.panel = "enviar" if self.send_doc_id else ""
        self.errors = _blank()

    @staff_event
    def create_draft(self, who: Principal, form: dict):
        try:
            drafting.create_draft(
                who=who,
                case_number=self.number,
                doc_type=str(form.get("doc_type", "")),
                subject=str(form.get("subject", "")),
                body=str(form.get("body", "")),
                recipients=str(form.get("recipients", "")),
                reference=str(form.get("reference", "")),
            )
        except DomainError as exc:
            return self._refused(who, exc)
        return self._done(who, "Documento guardado.")

    @staff_event
    def send_to_sign(self, who: Principal, form: dict):
        parallel = form.get("paralelo") in (True, "on", "true")
        firmante = str(form.get("firmante", ""))
        doc_id = int(self.send_doc_id or 0)
        if doc_id not in self._doc_versions:
            self.errors = {**_blank(), "general": "Documento no encontrado."}
            return None
        try:  # the order numbers the author gave (1.º first): the round keeps that order
            vistos = reviewer_order(
                {
                    int(k[3:]): str(v)[:3]
                    for k, v in list(form.items())[:200]
                    if k.startswith("vb_") and k[3:].isdigit()
                },
                parallel=parallel,
            )
            signing.send_to_sign(
                who=who,
                doc_id=doc_id,
                version=self._doc_versions[doc_id],  # the version this page showed, not today's
                vistos=vistos,
                firmante_id=int(firmante) if firmante.isdigit() else 0,
                parallel=parallel,
            )
        except DomainError as exc:
            return self._refused(who, exc)
        if vistos:
            first = "todos a la vez" if parallel else "en el orden indicado"
            sent = f"Documento enviado: {len(vistos)} visto(s) bueno(s) ({first}), luego la firma."
        else:
            sent = "Documento enviado a la firma."
        return self._done(who, sent)

    @staff_event
    def receive(self, who: Principal):
        return self._run(who, routing.receive)

    @staff_event
    def derive(self, who: Principal, form: dict):
        unit = str(form.get("to_unit", ""))
        user = str(form.get("to_user", ""))
        copies = [
            int(k.split("_", 1)[1])
            for k, v in form.items()
            if k.startswith("copia_") and k.split("_", 1)[1].isdigit() and v in (True, "on", "true")
        ]
        due = str(form.get("due_days", "")).strip()
        if due and not due.isdigit():
            self.errors = {**_blank(), "due_days": "Escriba el plazo en días hábiles (número)."}
            return None
        return self._run(
            who,
            routing.derive,
            to_unit_id=int(unit) if unit.isdigit() else None,
            to_user_id=int(user) if user.isdigit() else None,
            copies=copies,
            instructions=str(form.get("instructions", "")),
            priority=str(form.get("priority", "")) or None,
            due_days=int(due) if due else None,
        )

    @staff_event
    def return_case(self, who: Principal, form: dict):
        return self._run(who, routing.return_case, reason=str(form.get("reason", "")))

    @staff_event
    def archive(self, who: Principal, form: dict):
        return self._closed(who, self._run(who, routing.archive, reason=str(form.get("reason", ""))))

    def _closed(self, who: Principal, result):
        """After a closing act: seal the new foliation index now (or on its first download)."""
        if self.file.get("frozen"):
            dossier.seal_after_closing(self.number)
        return result

    @staff_event
    def reopen(self, who: Principal, form: dict):
        return self._run(who, routing.reopen, reason=str(form.get("reason", "")))

    @staff_event
    def change_series(self, who: Principal, form: dict):
        series = str(form.get("series", ""))
        try:
            records.change_case_series(who=who, number=self.number, series_id=int(series) if series.isdigit() else 0)
        except DomainError as exc:
            return self._refused(who, exc)
        return self._done(who, "Serie documental cambiada (queda en la auditoría).")

    @staff_event
    def attend(self, who: Principal, form: dict):
        answer = str(form.get("answer", ""))
        return self._closed(
            who,
            self._run(
                who,
                casework.attend_with_answer,
                summary=str(form.get("summary", "")),
                answer_id=int(answer) if answer.isdigit() else None,
            ),
        )

    @staff_event
    def observe(self, who: Principal, form: dict):
        items = [line for line in str(form.get("items", "")).splitlines() if line.strip()]
        return self._run(who, casework.observe, items=items)

    @staff_event
    def accumulate(self, who: Principal, form: dict):
        return self._run(who, routing.accumulate, into_number=str(form.get("into_number", "")))

    @staff_event
    def set_priority(self, who: Principal, form: dict):
        return self._run(who, routing.set_priority, priority=str(form.get("priority", "")))

    @staff_event
    def add_note(self, who: Principal, form: dict):
        return self._run(who, routing.add_note, text=str(form.get("note", "")))

    @staff_event
    def annex_rejected(self, who: Principal, rejections: list[dict]):
        """The drop zone refused the annex (not a PDF, too big, several): say why."""
        self.errors = {**_blank(), "annex": refusal(rejections, limit=routing.MAX_ANNEX_BYTES)}

    @staff_event
    async def upload_annex(self, who: Principal, files: list[rx.UploadFile]):
        if not files:
            return  # the drop zone's empty upload after a refusal: keep the refusal on screen
        if len(files) != 1:
            self.errors = {**_blank(), "annex": "Suba un archivo a la vez."}
            return
        data = await files[0].read(routing.MAX_ANNEX_BYTES + 1)
        try:
            await asyncio.to_thread(
                routing.add_annex,
                FileStore(settings.files_dir()),
                who=who,
                number=self.number,
                version=self.version,
                filename=files[0].name or "anexo.pdf",
                data=data,
                label="Anexo",
            )
        except Conflict as exc:
            self._show(who, self.number)
            self.message = exc.message
            return
        except DomainError as exc:
            self.errors = {**_blank(), "annex": exc.message}
            return
        self.panel = ""
        self.errors = _blank()
        self._show(who, self.number)
        self._notify("Anexo agregado.")
