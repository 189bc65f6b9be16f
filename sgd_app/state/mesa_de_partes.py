"""/mesa-de-partes and /registrar: the filing wizard, online and at the desk. Thin: every rule
is in domain/intake/ (the screen calls ``intake.file_case_and_seal`` to send)."""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path

import reflex as rx

from sgd_app import routes, settings
from sgd_app.domain import intake, links, notify
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Forbidden, InvalidInput, InvalidInputs, NotAuthenticated, TooManyAttempts
from sgd_app.domain.identity import PARTY_KINDS, format_document
from sgd_app.domain.intake import ANNEX, PRINCIPAL, format_size
from sgd_app.domain.vocabulary import Category
from sgd_app.state.session import current_principal

# The element focused at each step change (the stepper, or the receipt's heading).
STEP_ANCHOR = "paso-actual"
STEPS = ["Trámite", "Sus datos", "Su pedido", "Archivos", "Revisar y enviar"]
FILER_FIELDS = ("kind", "doc_type", "doc_number", "name", "email", "phone", "address")
ERROR_KEYS = (*FILER_FIELDS, "subject", "principal", "anexos", "declaration", "general")
_STEP_OF_FIELD = {**{f: 1 for f in FILER_FIELDS}, "subject": 2, "principal": 3, "anexos": 3}


def _blank_errors() -> dict[str, str]:
    return {k: "" for k in ERROR_KEYS}


class MesaDePartesState(rx.State):
    step: int = 0
    procedures: list[dict[str, str]] = []
    proc_code: str = ""
    proc_name: str = ""
    proc_unit: str = ""
    proc_deadline: str = ""
    proc_annexes: list[str] = []
    # procedure-specific fields: [{"name","label","required","help","value","error"}]
    proc_fields: list[dict[str, str]] = []

    kind: str = "ciudadano"
    doc_type: str = "DNI"
    doc_number: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    subject: str = ""
    declaration: bool = False

    attachments: list[dict[str, str]] = []
    main_progress: int = 0
    annex_progress: int = 0
    submitting: bool = False
    errors: dict[str, str] = _blank_errors()
    # Desk mode (/registrar): a clerk registers paper that arrived in person. Display only: the
    # submit handler re-checks the clerk's session itself before using the "presencial" channel.
    desk_mode: bool = False

    # receipt (after sending)
    r_number: str = ""
    r_received: str = ""
    r_filed: str = ""
    r_filed_note: str = ""
    r_due: str = ""
    r_place: str = ""
    r_procedure: str = ""
    r_unit: str = ""
    r_filer: str = ""
    r_folios: str = ""
    r_key: str = ""
    r_email: str = ""  # masked: "m***@example.pe"
    r_promise: str = ""
    r_files: list[dict[str, str]] = []
    r_download: str = ""

    _staged: dict[str, str] = {}  # attachment id -> staged file path (server only)

    # ------------------------------------------------------------ computed
    @rx.var
    def step_title(self) -> str:
        return STEPS[min(self.step, len(STEPS) - 1)]

    @rx.var
    def progress_pct(self) -> int:
        return int(100 * (min(self.step, 4) + 1) / len(STEPS))

    @rx.var
    def main_file(self) -> list[dict[str, str]]:
        return [a for a in self.attachments if a["role"] == "principal"]

    @rx.var
    def annex_files(self) -> list[dict[str, str]]:
        return [a for a in self.attachments if a["role"] == "anexo"]

    @rx.var
    def can_add_annex(self) -> bool:
        return len([a for a in self.attachments if a["role"] == ANNEX]) < intake.MAX_ANNEXES

    @rx.var
    def next_annex_label(self) -> str:
        n = len([a for a in self.attachments if a["role"] == ANNEX])
        if n < len(self.proc_annexes):
            return f"Anexo requerido: {self.proc_annexes[n]}"
        return "Anexo (opcional)"

    @rx.var
    def kind_label(self) -> str:
        return PARTY_KINDS.get(self.kind, "")

    @rx.var
    def filer_doc(self) -> str:
        return format_document(self.doc_type, self.doc_number)

    @rx.var
    def doc_number_label(self) -> str:
        return {
            "DNI": "Número de DNI (8 dígitos)",
            "RUC": "Número de RUC (11 dígitos)",
            "CE": "Número de carné de extranjería (9 dígitos)",
            "PAS": "Número de pasaporte",
        }.get(self.doc_type, "Número de documento")

    @rx.var
    def name_label(self) -> str:
        return "Nombres y apellidos" if self.kind == "ciudadano" else "Nombre de la organización o entidad"

    # ------------------------------------------------------------ loading
    @rx.event
    def load(self):
        if self.desk_mode:
            self._clear_all()
        self.desk_mode = False
        self._load_procedures(public_only=True)

    @rx.event
    def ensure_loaded(self):
        """Safety net when the page's on_load event was lost on a fast reconnect (reflex #6345)."""
        if not self.procedures and not self.desk_mode:
            self._load_procedures(public_only=True)

    @rx.event
    def load_desk(self):
        try:
            intake.desk_clerk_id(current_principal(self))
        except NotAuthenticated:
            return rx.redirect(routes.LOGIN_EXPIRED)
        except Forbidden:
            self.desk_mode = False
            self.procedures = []
            self.errors = {
                **_blank_errors(),
                "general": "Solo el personal de mesa de partes registra documentos presentados en papel.",
            }
            return None
        if not self.desk_mode:
            self._clear_all()
        self.desk_mode = True
        self._load_procedures(public_only=False)
        return None

    def _clear_all(self) -> None:
        for att_id in list(self._staged):
            self._unstage(att_id)
        self.reset()

    def _annex_count(self) -> int:
        return len([a for a in self.attachments if a["role"] == ANNEX])

    def _load_procedures(self, *, public_only: bool) -> None:
        self.procedures = [
            {
                "code": p.code,
                "name": p.name,
                "description": p.description,
                "category": _category_label(p.category),
                "deadline": f"{p.deadline_days} días hábiles",
            }
            for p in intake.offered_procedures(public_only=public_only)
        ]

    @rx.event
    def choose(self, code: str):
        try:
            offer = intake.procedure_offer(code, public_only=not self.desk_mode)
        except InvalidInput as exc:
            self.errors = {**_blank_errors(), "general": exc.message}
            return
        if self.proc_code != offer.code:
            old = {f["name"]: f["value"] for f in self.proc_fields}
            self.proc_fields = [
                {
                    "name": f["name"],
                    "label": f["label"],
                    "required": "1" if f.get("required") else "",
                    "help": f.get("help", ""),
                    "value": old.get(f["name"], ""),
                    "error": "",
                }
                for f in offer.fields
            ]
        self.proc_code = offer.code
        self.proc_name = offer.name
        self.proc_unit = offer.unit_name
        self.proc_deadline = f"{offer.deadline_days} días hábiles"
        self.proc_annexes = offer.required_annexes
        self.errors = _blank_errors()
        self.step = 1
        return rx.set_focus(STEP_ANCHOR)

    # ------------------------------------------------------------ editing
    @rx.event
    def set_value(self, field: str, value: str):
        if field in FILER_FIELDS or field == "subject":
            setattr(self, field, str(value)[:600])
            if self.errors.get(field):
                self.errors = {**self.errors, field: ""}

    @rx.event
    def set_proc_field(self, name: str, value: str):
        self.proc_fields = [
            {**f, "value": str(value)[:600], "error": ""} if f["name"] == name else f for f in self.proc_fields
        ]

    @rx.event
    def set_declaration(self, value: bool):
        self.declaration = bool(value)
        self.errors = {**self.errors, "declaration": ""}

    @rx.event
    def go(self, step: int):
        """Go back to an earlier step (forward only through ``next``)."""
        if 0 <= step < self.step and self.r_number == "":
            self.step = step
            self.errors = _blank_errors()
            return rx.set_focus(STEP_ANCHOR)

    def _filer(self) -> intake.FilerInput:
        return intake.FilerInput(
            doc_type=self.doc_type,
            doc_number=self.doc_number,
            name=self.name,
            kind=self.kind,
            email=self.email,
            phone=self.phone,
            address=self.address,
        )

    def _show(self, errors: dict[str, str]) -> None:
        merged = _blank_errors()
        for key, msg in errors.items():
            if key.startswith("field_"):
                name = key[len("field_") :]
                self.proc_fields = [{**f, "error": msg} if f["name"] == name else f for f in self.proc_fields]
            elif key in merged:
                merged[key] = msg
            else:
                merged["general"] = msg
        self.errors = merged

    def _step_errors(self, step: int) -> dict[str, str]:
        if step == 1:
            clean, errors = intake.validate_filer(self._filer(), require_email=not self.desk_mode)
            if not errors:
                self.doc_number, self.name, self.email, self.phone, self.address = (
                    clean.doc_number,
                    clean.name,
                    clean.email,
                    clean.phone,
                    clean.address,
                )
            return errors
        if step == 2:
            return intake.check_details(
                procedure_code=self.proc_code,
                subject=self.subject,
                fields=self._field_values(),
                public_only=not self.desk_mode,
            )
        if step == 3:
            return intake.check_file_roles(
                procedure_code=self.proc_code,
                roles=[a["role"] for a in self.attachments],
                public_only=not self.desk_mode,
            )
        return {}

    def _field_values(self) -> dict[str, str]:
        return {f["name"]: f["value"] for f in self.proc_fields}

    @rx.event
    def next(self):
        if self.uploading_main or self.uploading_annex:
            role = ANNEX if self.uploading_annex else PRINCIPAL
            self._show({intake.upload_field(role): "Espere a que termine la carga del archivo."})
            return
        errors = self._step_errors(self.step)
        if errors:
            self._show(errors)
            return
        self.errors = _blank_errors()
        self.step = min(self.step + 1, 4)
        return rx.set_focus(STEP_ANCHOR)

    # ------------------------------------------------------------ uploads
    # Progress events may arrive after the upload handler has finished; a bar is shown only
    # while 0 < progress < 100, so a late final event (100) cannot leave it stuck on screen.
    @rx.var
    def uploading_main(self) -> bool:
        return 0 < self.main_progress < 100

    @rx.var
    def uploading_annex(self) -> bool:
        return 0 < self.annex_progress < 100

    @rx.event
    def main_upload_progress(self, progress: dict):
        self.main_progress = int(100 * float(progress.get("progress", 0) or 0))

    @rx.event
    def annex_upload_progress(self, progress: dict):
        self.annex_progress = int(100 * float(progress.get("progress", 0) or 0))

    @rx.event
    async def upload_main(self, files: list[rx.UploadFile]):
        await self._receive(files, role=PRINCIPAL)

    @rx.event
    async def upload_annex(self, files: list[rx.UploadFile]):
        await self._receive(files, role=ANNEX)

    async def _receive(self, files: list[rx.UploadFile], *, role: str) -> None:
        err_key = intake.upload_field(role)
        try:
            intake.check_upload(
                role=role, file_count=len(files or []), annexes_so_far=self._annex_count(), desk=self.desk_mode
            )
            limit = intake.upload_limit(role)
            parts = [await files[0].read(limit + 1)]
            if intake.needs_assembly(parts, desk=self.desk_mode) or len(files) > 1:
                try:  # scans are assembled only for a clerk whose session still holds
                    current_principal(self)
                except NotAuthenticated:
                    raise InvalidInput(err_key, "Su sesión terminó: vuelva a ingresar para registrar.") from None
                parts += [await f.read(limit + 1) for f in files[1:]]
            upload = await asyncio.to_thread(
                intake.prepare_upload, parts, filename=files[0].name or "", role=role, desk=self.desk_mode
            )
            att_id = secrets.token_hex(8)
            staged = settings.staging_dir() / f"{att_id}.pdf"
            await asyncio.to_thread(_write_staged, staged, upload.data)
        except InvalidInput as exc:
            self.errors = {**self.errors, err_key: exc.message}
            return
        finally:
            if role == PRINCIPAL:
                self.main_progress = 100
            else:
                self.annex_progress = 100
        if role == PRINCIPAL:
            for old in [a for a in self.attachments if a["role"] == PRINCIPAL]:
                self._unstage(old["id"])
            self.attachments = [a for a in self.attachments if a["role"] != PRINCIPAL]
            label = "Documento principal"
        else:
            n = len(self.annex_files)
            label = f"Anexo {n + 1}" + (f": {self.proc_annexes[n]}" if n < len(self.proc_annexes) else "")
        self._staged[att_id] = str(staged)
        self.attachments = [
            *self.attachments,
            {
                "id": att_id,
                "role": role,
                "label": label,
                "filename": upload.filename,
                "size": format_size(upload.screened.size),
                "pages": str(upload.screened.pages),
                "sha256": upload.screened.sha256,
            },
        ]
        self.errors = {**self.errors, err_key: ""}

    def _unstage(self, att_id: str) -> None:
        path = self._staged.pop(att_id, None)
        if path:
            Path(path).unlink(missing_ok=True)

    @rx.event
    def remove_attachment(self, att_id: str):
        self._unstage(att_id)
        kept = [a for a in self.attachments if a["id"] != att_id]
        # Re-label annexes so that the required ones keep their names in order.
        n = 0
        for a in kept:
            if a["role"] == ANNEX:
                a["label"] = f"Anexo {n + 1}" + (f": {self.proc_annexes[n]}" if n < len(self.proc_annexes) else "")
                n += 1
        self.attachments = kept

    @rx.event
    def upload_rejected(self, rejections: list[dict]):
        msg = "Solo se aceptan archivos PDF."
        for r in rejections or []:
            for e in r.get("errors", []) or []:
                if e.get("code") == "file-too-large":
                    msg = "El archivo supera el tamaño máximo permitido."
                elif e.get("code") == "too-many-files":
                    msg = "Suba un archivo a la vez."
        self.errors = {**self.errors, "principal" if self.step == 3 and not self.main_file else "anexos": msg}

    # ------------------------------------------------------------ sending
    @rx.event
    async def submit(self):
        if self.submitting or self.r_number:
            return
        if not self.declaration:
            self._show({"declaration": "Marque la declaración para poder enviar."})
            return
        clerk_id = None
        if self.desk_mode:
            try:
                clerk_id = intake.desk_clerk_id(current_principal(self))
            except NotAuthenticated:
                yield rx.redirect(routes.LOGIN_EXPIRED)
                return
            except Forbidden as exc:
                self._show({"general": exc.message})
                return
        self.submitting = True
        yield
        try:
            filed = await asyncio.to_thread(
                intake.file_case_and_seal,
                FileStore(settings.files_dir()),
                procedure_code=self.proc_code,
                filer=self._filer(),
                subject=self.subject,
                fields=self._field_values(),
                files=self._staged_files(),
                clerk_id=clerk_id,
                tracking_url=f"{settings.PUBLIC_URL}{routes.SEGUIMIENTO}",
                virtual_place=settings.FILING_PLACE,
                client_ip=self.router.session.client_ip or "?",
            )
        except TooManyAttempts as exc:  # over the filing limits: everything typed stays
            self.submitting = False
            self._show({"general": exc.message})
            return
        except InvalidInputs as exc:
            self.submitting = False
            self._show(exc.errors)
            steps = [_STEP_OF_FIELD.get(k, 2 if k.startswith("field_") else 4) for k in exc.errors]
            self.step = min(steps) if steps else 4
            return
        except InvalidInput as exc:
            self.submitting = False
            self._show({exc.field: exc.message})
            return
        for att_id in list(self._staged):
            self._unstage(att_id)
        case = filed.case
        self.r_number = case.number
        self.r_received = format_datetime_es(case.received_at) + " (hora de Lima)"
        self.r_filed = format_date_es(case.filed_on, weekday=True)
        self.r_filed_note = filed.late_note
        self.r_due = format_date_es(case.due_on, weekday=True)
        self.r_place = filed.place
        self.r_procedure = self.proc_name
        self.r_unit = filed.unit_name
        self.r_filer = f"{self.name} · {format_document(self.doc_type, self.doc_number)}"
        self.r_folios = str(case.folios)
        self.r_key = filed.access_key
        self.r_email = notify.mask_email(self.email) if self.email else ""
        self.r_promise = filed.promise
        self.r_files = [
            {
                "label": d.label,
                "filename": d.filename,
                "pages": str(d.pages),
                "size": format_size(d.size),
                "sha256": d.sha256,
            }
            for d in filed.documents
        ]
        self.r_download = links.download_url(case.number)
        self.attachments = []
        self.submitting = False
        self.step = 5
        yield rx.set_focus(STEP_ANCHOR)

    def _staged_files(self) -> list[intake.IncomingFile]:
        """The staged uploads as the filing takes them; an expired staging is a field error."""
        files = []
        for a in self.attachments:
            path = self._staged.get(a["id"])
            if not path or not Path(path).exists():
                field = intake.upload_field(a["role"])
                raise InvalidInputs({field: "Vuelva a adjuntar este archivo: la carga expiró."})
            files.append(intake.IncomingFile(a["filename"], Path(path).read_bytes(), a["role"], a["label"]))
        return files

    @rx.event
    def restart(self):
        desk = self.desk_mode
        for att_id in list(self._staged):
            self._unstage(att_id)
        self.reset()
        return MesaDePartesState.load_desk if desk else MesaDePartesState.load


def _category_label(category: str) -> str:
    try:
        return Category(category).label
    except ValueError:
        return category.capitalize()


def sweep_staging(max_age_hours: float = 24) -> int:
    """Delete staged uploads older than ``max_age_hours`` (wizards never sent)."""
    cutoff = time.time() - max_age_hours * 3600
    removed = 0
    for path in settings.staging_dir().glob("*.pdf"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _write_staged(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
