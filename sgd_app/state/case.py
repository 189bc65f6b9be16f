"""/expedientes/[numero]: the case page. Every action re-resolves the session and calls the
domain, which re-checks unit, role, status and the version the page was showing."""

from __future__ import annotations

import asyncio

import reflex as rx
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import digitize, routing
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Conflict, DomainError, InvalidInput, InvalidInputs, NotAuthenticated, NotFound
from sgd_app.domain.identity import PARTY_KINDS  # noqa: F401  (kept for future filer details)
from sgd_app.domain.intake import CHANNELS
from sgd_app.domain.intake.receipt import format_size
from sgd_app.state.staff import current_principal

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
)


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


class CaseState(rx.State):
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
    user_options: list[list[str]] = []
    chosen_unit: str = ""
    internal_docs: list[dict[str, str]] = []
    staff_options: list[list[str]] = []
    head_options: list[list[str]] = []
    send_doc_id: str = ""
    signed_docs: list[list[str]] = []  # signed internal documents: possible answers
    observation: dict[str, str] = {}

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
            )
        }

    def _who(self) -> Principal | None:
        try:
            return current_principal(self)
        except NotAuthenticated:
            return None

    def _show(self, who: Principal, number: str) -> None:
        try:
            with db.session() as s:
                v = routing.case_view(s, who, number)
                if not self.unit_options:
                    self.unit_options = [[str(u.id), u.name] for u in routing.active_units(s)]
        except NotFound as exc:
            self.found = False
            self.missing = exc.message
            self.h, self.documents, self.timeline, self.notes, self.actions = {}, [], [], [], []
            return
        c = v.case
        self.found = True
        self.missing = ""
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
            "status_label": routing.STATUSES.get(c.status, c.status),
            "priority": routing.PRIORITIES.get(c.priority, c.priority),
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
            "channel": CHANNELS.get(c.channel, c.channel),
            "folios": str(c.folios),
            "awaiting": "1" if c.awaiting_receipt else "",
            "accumulated_into": v.accumulated_into,
            "fields": " · ".join(f"{k}: {val}" for k, val in (c.fields or {}).items() if val),
        }
        with db.session() as s:
            texts = digitize.progress(s, [d["id"] for d in v.documents])
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
                    f"Recibido {format_datetime_es(t['received_at'])}"
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
        self._load_internal(who, c)

    def _load_internal(self, who: Principal, case) -> None:
        from sqlmodel import select

        from sgd_app.domain import drafting
        from sgd_app.domain.models import Membership, User

        with db.session() as s:
            docs = drafting.documents_of_case(s, case.id)
            names = dict(s.exec(select(User.id, User.full_name)).all())
            self.signed_docs = [[str(d.document_id), d.number] for d in docs if d.status == "firmado" and d.document_id]
            from sgd_app.domain import observations

            obs = s.exec(
                select(observations.Observation)
                .where(observations.Observation.expediente_id == case.id)
                .order_by(observations.Observation.id.desc())
            ).first()
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
            self.internal_docs = [
                {
                    "id": str(d.id),
                    "title": d.number or f"{drafting.DOC_TYPES[d.doc_type]} (borrador)",
                    "subject": d.subject,
                    "status": d.status,
                    "status_label": drafting.STATUS_LABELS.get(d.status, d.status),
                    "author": names.get(d.author_id, ""),
                    "mine_draft": "1" if d.status == "borrador" and d.author_id == who.user.id else "",
                }
                for d in docs
            ]
            if "atender" in self.actions and not self.staff_options:
                self.staff_options = [
                    [str(u.id), u.full_name]
                    for u in s.exec(select(User).where(User.active == True).order_by(User.full_name)).all()  # noqa: E712
                    if u.id != who.user.id
                ]
            heads = s.exec(
                select(User.id, User.full_name)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.unit_id == case.current_unit_id, Membership.role == "head", User.active == True)
            ).all()
            self.head_options = [[str(uid), name] for uid, name in heads]

    @rx.event(background=True)
    async def watch_text(self):
        """While documents of this case are being read (text extraction / OCR), show their
        progress: one small query every 1.5 s, only while there is work in progress, for at most
        ten minutes."""
        import asyncio

        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            for _ in range(400):
                await asyncio.sleep(1.5)
                async with self:
                    who = self._who()
                    if who is None or not self.text_busy or not self.found:
                        return
                    ids = [int(d["id"]) for d in self.documents]
                with db.session() as s:
                    texts = await asyncio.to_thread(digitize.progress, s, ids)
                async with self:
                    self.documents = [{**d, **_text_status(texts.get(int(d["id"])))} for d in self.documents]
                    self.text_busy = any(t["status"] in ("pendiente", "procesando") for t in texts.values())
        finally:
            async with self:
                self._watching = False

    @rx.event
    def load(self):
        who = self._who()
        if who is None:
            return rx.redirect("/ingresar?motivo=sesion")
        number = str(self.router.page.params.get("numero", "")).upper()[:40]
        self.panel = ""
        self.errors = _blank()
        self.message = ""
        self.viewer_url = ""
        self.user_options = []
        self.chosen_unit = ""
        self._show(who, number)
        if self.text_busy:
            return CaseState.watch_text

    @rx.event
    def open_panel(self, panel: str):
        allowed = set(self.actions) | ({"documento"} if "atender" in self.actions else set())
        self.panel = panel if panel in allowed or panel == "" else ""
        self.errors = _blank()
        self.message = ""

    @rx.event
    def view_document(self, doc_id: str, name: str):
        if doc_id.isdigit():
            self.viewer_url = f"/api/v1/documentos/{doc_id}"
            self.viewer_name = name

    @rx.event
    def choose_unit(self, unit_id: str):
        who = self._who()
        if who is None:
            return rx.redirect("/ingresar?motivo=sesion")
        self.chosen_unit = unit_id if unit_id.isdigit() else ""
        with db.session() as s:
            self.user_options = (
                [[str(uid), name] for uid, name in routing.unit_members(s, int(unit_id))] if unit_id.isdigit() else []
            )

    def _run(self, fn, **kwargs):
        """Run one domain action in a write transaction and turn refusals into messages."""
        who = self._who()
        if who is None:
            return rx.redirect("/ingresar?motivo=sesion")
        try:
            with db.write_session() as s:
                fn(s, who=who, number=self.number, version=self.version, **kwargs)
        except Conflict as exc:
            self._show(who, self.number)
            self.panel = ""
            self.message = exc.message
            return rx.toast.warning(exc.message)
        except InvalidInputs as exc:
            self.errors = {**_blank(), **{k: v for k, v in exc.errors.items() if k in FORM_KEYS}}
            return None
        except InvalidInput as exc:
            self.errors = {**_blank(), (exc.field if exc.field in FORM_KEYS else "general"): exc.message}
            return None
        except DomainError as exc:
            self._show(who, self.number)
            self.errors = {**_blank(), "general": exc.message}
            return None
        self.panel = ""
        self.errors = _blank()
        self.message = ""
        self._show(who, self.number)
        return rx.toast.success("Listo: se registró en la hoja de ruta.")

    @rx.event
    def open_send(self, doc_id: str):
        self.send_doc_id = doc_id if doc_id.isdigit() else ""
        self.panel = "enviar" if self.send_doc_id else ""
        self.errors = _blank()

    def _doc_action(self, fn):
        who = self._who()
        if who is None:
            return rx.redirect("/ingresar?motivo=sesion")
        try:
            with db.write_session() as s:
                fn(s, who)
        except InvalidInputs as exc:
            self.errors = {**_blank(), **{k: v for k, v in exc.errors.items() if k in FORM_KEYS}}
            return None
        except DomainError as exc:
            self.errors = {**_blank(), "general": exc.message}
            return None
        self.panel = ""
        self.errors = _blank()
        self._show(who, self.number)
        return rx.toast.success("Documento guardado.")

    @rx.event
    def create_draft(self, form: dict):
        from sgd_app.domain import drafting

        return self._doc_action(
            lambda s, who: drafting.create_draft(
                s,
                who=who,
                case_number=self.number,
                doc_type=str(form.get("doc_type", "")),
                subject=str(form.get("subject", "")),
                body=str(form.get("body", "")),
                recipients=str(form.get("recipients", "")),
                reference=str(form.get("reference", "")),
            )
        )

    @rx.event
    def send_to_sign(self, form: dict):
        from sgd_app.domain import drafting
        from sgd_app.domain.models import InternalDocument

        vistos = [
            int(k.split("_", 1)[1])
            for k, v in form.items()
            if k.startswith("vb_") and k.split("_", 1)[1].isdigit() and v in (True, "on", "true")
        ]
        firmante = str(form.get("firmante", ""))
        doc_id = int(self.send_doc_id or 0)

        def run(s, who):
            doc = s.get(InternalDocument, doc_id)
            if doc is None:
                raise InvalidInput("general", "Documento no encontrado.")
            drafting.send_to_sign(
                s,
                who=who,
                doc_id=doc_id,
                version=doc.version,
                vistos=vistos,
                firmante_id=int(firmante) if firmante.isdigit() else 0,
                parallel=form.get("paralelo") in (True, "on", "true"),
            )

        return self._doc_action(run)

    @rx.event
    def receive(self):
        return self._run(routing.receive)

    @rx.event
    def derive(self, form: dict):
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
            routing.derive,
            to_unit_id=int(unit) if unit.isdigit() else None,
            to_user_id=int(user) if user.isdigit() else None,
            copies=copies,
            instructions=str(form.get("instructions", "")),
            priority=str(form.get("priority", "")) or None,
            due_days=int(due) if due else None,
        )

    @rx.event
    def return_case(self, form: dict):
        return self._run(routing.return_case, reason=str(form.get("reason", "")))

    @rx.event
    def archive(self, form: dict):
        return self._run(routing.archive, reason=str(form.get("reason", "")))

    @rx.event
    def attend(self, form: dict):
        answer = str(form.get("answer", ""))

        def attend_and_answer(s, *, who, number, version, summary):
            routing.attend(s, who=who, number=number, version=version, summary=summary)
            if answer.isdigit():
                from sgd_app.domain import observations
                from sgd_app.domain.models import Document, Expediente, InternalDocument

                case = s.exec(select(Expediente).where(Expediente.number == number)).one()
                doc = s.get(Document, int(answer))
                signed = s.exec(select(InternalDocument).where(InternalDocument.document_id == int(answer))).first()
                if doc is None or doc.expediente_id != case.id or not doc.signed or signed is None:
                    raise InvalidInput("answer", "Elija un documento firmado de este expediente.")
                observations.deliver_answer(
                    s,
                    case=case,
                    document_id=doc.id,
                    casilla_url=f"{settings.PUBLIC_URL}/casilla",
                    download_url=f"{settings.PUBLIC_URL}/seguimiento?numero={number}",
                )

        return self._run(attend_and_answer, summary=str(form.get("summary", "")))

    @rx.event
    def observe(self, form: dict):
        from sgd_app.domain import observations

        items = [line for line in str(form.get("items", "")).splitlines() if line.strip()]

        def run(s, *, who, number, version):
            observations.observe(
                s,
                who=who,
                number=number,
                version=version,
                items=items,
                casilla_url=f"{settings.PUBLIC_URL}/casilla",
                fix_url=f"{settings.PUBLIC_URL}/seguimiento?numero={number}",
            )

        return self._run(run)

    @rx.event
    def accumulate(self, form: dict):
        return self._run(routing.accumulate, into_number=str(form.get("into_number", "")))

    @rx.event
    def set_priority(self, form: dict):
        return self._run(routing.set_priority, priority=str(form.get("priority", "")))

    @rx.event
    def add_note(self, form: dict):
        return self._run(routing.add_note, text=str(form.get("note", "")))

    @rx.event
    async def upload_annex(self, files: list[rx.UploadFile]):
        who = self._who()
        if who is None:
            yield rx.redirect("/ingresar?motivo=sesion")
            return
        if len(files) != 1:
            self.errors = {**_blank(), "annex": "Suba un archivo a la vez."}
            return
        data = await files[0].read(routing.MAX_ANNEX_BYTES + 1)
        name = files[0].name or "anexo.pdf"
        number, version = self.number, self.version

        def work():
            with db.write_session() as s:
                routing.add_annex(
                    s,
                    FileStore(settings.files_dir()),
                    who=who,
                    number=number,
                    version=version,
                    filename=name,
                    data=data,
                    label="Anexo",
                )

        try:
            await asyncio.to_thread(work)
        except Conflict as exc:
            self._show(who, self.number)
            self.message = exc.message
            return
        except InvalidInput as exc:
            self.errors = {**_blank(), "annex": exc.message}
            return
        except DomainError as exc:
            self.errors = {**_blank(), "annex": exc.message}
            return
        self.panel = ""
        self.errors = _blank()
        self._show(who, self.number)
        yield rx.toast.success("Anexo agregado.")
