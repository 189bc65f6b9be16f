"""/mesa-de-partes and /registrar: the filing wizard, online and at the desk. Thin: every rule
is in domain/intake/ (the screen calls ``intake.file_case_and_seal`` to send)."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import reflex as rx

from sgd_app import routes, settings
from sgd_app.domain import intake, notify
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Forbidden, InvalidInput, InvalidInputs, NotAuthenticated, TooManyAttempts
from sgd_app.domain.identity import PARTY_KINDS, format_document
from sgd_app.domain.intake import ANNEX, PRINCIPAL, format_size
from sgd_app.state.intake_steps import (  # noqa: F401  (STEP_ANCHOR, STEPS, sweep_staging: used by pages)
    FILER_FIELDS,
    STEP_ANCHOR,
    STEP_OF_FIELD,
    STEPS,
    blank_errors,
    catalogue_cards,
    catalogue_version,
    first_invalid,
    place_errors,
    receipt_vars,
    rejection_summaries,
    staged_files,
    sweep_staging,
    url_step,
    write_staged,
)
from sgd_app.state.session import current_principal


class MesaDePartesState(rx.State):
    step: int = 0
    # Version of the worker's cached catalogue shown (-1: none); the list is the computed `procedures`.
    catalogue_version: int = -1
    proc_code: str = ""
    proc_name: str = ""
    proc_unit: str = ""
    proc_deadline: str = ""
    proc_annexes: list[str] = []
    proc_fields: list[dict[str, str]] = []  # [{"name","label","required","help","value","error"}]
    kind: str = "ciudadano"
    doc_type: str = "DNI"
    doc_number: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    subject: str = ""
    declaration: bool = False
    privacy_ack: bool = False  # read the personal-data notice (Ley 29733)

    attachments: list[dict[str, str]] = []
    main_progress: int = 0
    annex_progress: int = 0
    # An upload failed on the way (assets/wizard.js tells us): "Reintentar" is shown.
    retry_principal: bool = False
    retry_annex: bool = False
    submitting: bool = False
    errors: dict[str, str] = blank_errors()
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
    # The idempotency key of this filing attempt, made when the wizard starts: a resend of the
    # same attempt gets the same receipt, never a second case. Kept in the tab's sessionStorage
    # too, so that it outlives the server's copy of this state (a worker killed or restarted on
    # deadline night): the citizen who sends again from the same tab gets the receipt of what
    # was already filed. Cleared with the receipt on screen (the next filing is a new attempt).
    # A forged value is refused by the domain (its format) and is worthless otherwise (random).
    attempt_key: str = rx.SessionStorage("", name="sgd_intento")

    # ------------------------------------------------------------ computed
    @rx.var(initial_value=[], deps=["catalogue_version", "desk_mode"], auto_deps=False)
    def procedures(self) -> list[dict[str, Any]]:
        """[{"code","name","description","category","deadline","fee","requirements","annexes"}]: the
        worker's cached list, one object shared by every tab and left out of the pickled state."""
        if self.catalogue_version < 0:
            return []
        return catalogue_cards(public_only=not self.desk_mode)

    def __getstate__(self):
        """The state a Redis worker stores for this tab: without the shared catalogue (recomputed
        from the worker's cache when needed)."""
        fields = super().__getstate__()
        return {k: v for k, v in fields.items() if k != _PROCEDURES_CACHE}

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
        self._load_procedures()
        return self._follow_url()

    @rx.event
    def ensure_loaded(self):
        """Safety net when the page's on_load event was lost on a fast reconnect (reflex #6345)."""
        if self.catalogue_version < 0 and not self.desk_mode:
            self._load_procedures()

    @rx.event
    def load_desk(self):
        try:
            intake.desk_clerk_id(current_principal(self))
        except NotAuthenticated:
            return rx.redirect(routes.LOGIN_EXPIRED)
        except Forbidden:
            self.desk_mode = False
            self.catalogue_version = -1
            self.errors = {
                **blank_errors(),
                "general": "Solo el personal de mesa de partes registra documentos presentados en papel.",
            }
            return None
        if not self.desk_mode:
            self._clear_all()
        self.desk_mode = True
        self._load_procedures()
        return self._follow_url()

    def _follow_url(self):
        """The step is in the URL (?paso=N): the phone's Back button goes to the previous step.
        Forward is only through Continuar (each step is checked), so a later step in the URL is
        put back to the current one."""
        if self.r_number:
            return None
        wanted = url_step(self.router.url.query_parameters.get("paso", ""))
        if wanted < self.step:
            self.step = wanted
            self.errors = blank_errors()
            return rx.set_focus(STEP_ANCHOR)
        if wanted > self.step:
            return self._step_url(replace=True)
        return None

    def _step_url(self, *, replace: bool = False):
        path = routes.REGISTRAR if self.desk_mode else routes.MESA_DE_PARTES
        return rx.redirect(f"{path}?paso={self.step + 1}", replace=replace)

    def _moved(self):
        """After a step change: the URL names the step, the focus goes to its heading."""
        return [self._step_url(), rx.set_focus(STEP_ANCHOR)]

    def _clear_all(self) -> None:
        for att_id in list(self._staged):
            self._unstage(att_id)
        self.reset()

    def _annex_count(self) -> int:
        return len([a for a in self.attachments if a["role"] == ANNEX])

    def _load_procedures(self) -> None:
        """Show the worker's current catalogue (no database read while its cache is fresh)."""
        self.catalogue_version = catalogue_version()

    @rx.event
    def choose(self, code: str):
        try:
            offer = intake.procedure_offer(code, public_only=not self.desk_mode)
        except InvalidInput as exc:
            self.errors = {**blank_errors(), "general": exc.message}
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
        if not self.attempt_key:
            self.attempt_key = intake.new_attempt_key()
        self.proc_code = offer.code
        self.proc_name = offer.name
        self.proc_unit = offer.unit_name
        self.proc_deadline = f"{offer.deadline_days} días hábiles"
        self.proc_annexes = offer.required_annexes
        self.errors = blank_errors()
        self.step = 1
        return self._moved()

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
    def set_privacy_ack(self, value: bool):
        self.privacy_ack = bool(value)
        self.errors = {**self.errors, "privacy": ""}

    @rx.event
    def go(self, step: int):
        """Go back to an earlier step (forward only through ``next``)."""
        if 0 <= step < self.step and self.r_number == "":
            self.step = step
            self.errors = blank_errors()
            return self._moved()

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
        self.errors, self.proc_fields = place_errors(errors, self.proc_fields)

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
        return self._next_step()

    def _next_step(self):
        if self.uploading_main or self.uploading_annex:
            role = ANNEX if self.uploading_annex else PRINCIPAL
            self._show({intake.upload_field(role): "Espere a que termine la carga del archivo."})
            return None
        errors = self._step_errors(self.step)
        if errors:
            self._show(errors)
            return rx.set_focus(first_invalid(errors, [f["name"] for f in self.proc_fields], desk=self.desk_mode))
        self.errors = blank_errors()
        self.step = min(self.step + 1, 4)
        return self._moved()

    @rx.event
    def advance(self, form: dict):
        """Continuar (or Enter) on a step with fields: the values are read from the submitted
        form, so what the browser autofilled counts even if no field was ever left (blur)."""
        if self.r_number or self.step not in (1, 2) or not isinstance(form, dict):
            return None
        if self.step == 1:
            for key in FILER_FIELDS:
                if key in form and (key != "kind" or form[key] in PARTY_KINDS):
                    setattr(self, key, str(form[key] or "")[:600])
        else:
            if "subject" in form:
                self.subject = str(form["subject"] or "")[:600]
            self.proc_fields = [
                {**f, "value": str(form.get("campo-" + f["name"], f["value"]) or "")[:600]} for f in self.proc_fields
            ]
        return self._next_step()

    # ------------------------------------------------------------ uploads
    # Progress events may arrive after the upload handler has finished; a bar is shown only
    # while 0 < progress < 100, so a late final event (100) cannot leave it stuck on screen.
    @rx.var
    def uploading_main(self) -> bool:
        return 0 < self.main_progress < 100

    @rx.var
    def uploading_annex(self) -> bool:
        return 0 < self.annex_progress < 100

    def _set_progress(self, role: str, value: int) -> None:
        if role == PRINCIPAL:
            self.main_progress = value
        else:
            self.annex_progress = value

    def _set_retry(self, role: str, value: bool) -> None:
        if role == PRINCIPAL:
            self.retry_principal = value
        else:
            self.retry_annex = value

    def _progress(self, role: str, progress: dict) -> None:
        try:
            value = int(100 * float(progress.get("progress", 0) or 0))
        except (TypeError, ValueError, AttributeError):
            return
        self._set_progress(role, min(max(value, 0), 100))
        if 0 < value < 100 and (self.retry_principal if role == PRINCIPAL else self.retry_annex):
            self._set_retry(role, False)  # a new attempt is on its way
            field = intake.upload_field(role)
            if self.errors.get(field) == intake.UPLOAD_FAILED:
                self.errors = {**self.errors, field: ""}

    @rx.event
    def main_upload_progress(self, progress: dict):
        self._progress(PRINCIPAL, progress)

    @rx.event
    def annex_upload_progress(self, progress: dict):
        self._progress(ANNEX, progress)

    @rx.event
    def upload_failed(self, role: str):
        """The upload failed or was cut on the way (assets/wizard.js saw its request fail):
        say so, reset the bar, offer "Reintentar". Nothing reached the server."""
        if role not in (PRINCIPAL, ANNEX):
            return
        self._set_progress(role, 0)
        self._set_retry(role, True)
        self.errors = {**self.errors, intake.upload_field(role): intake.UPLOAD_FAILED}

    @rx.event
    async def upload_main(self, files: list[rx.UploadFile]):
        await self._receive(files, role=PRINCIPAL)

    @rx.event
    async def upload_annex(self, files: list[rx.UploadFile]):
        await self._receive(files, role=ANNEX)

    async def _receive(self, files: list[rx.UploadFile], *, role: str) -> None:
        err_key = intake.upload_field(role)
        if not files:  # the empty upload that follows a refusal must not overwrite its message
            self._set_progress(role, 0)
            return
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
            await asyncio.to_thread(write_staged, staged, upload.data)
        except InvalidInput as exc:
            self.errors = {**self.errors, err_key: exc.message}
            return
        finally:
            self._set_progress(role, 100)
            self._set_retry(role, False)
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
    def upload_rejected(self, role: str, rejections: list[dict]):
        """The browser refused the file(s): say why (only names, sizes and error codes arrive)."""
        if role not in (PRINCIPAL, ANNEX):
            return
        items = rejection_summaries(rejections)
        msg = intake.rejection_message(items, role=role, desk=self.desk_mode)
        self.errors = {**self.errors, intake.upload_field(role): msg}

    # ------------------------------------------------------------ sending
    @rx.event
    async def submit(self):
        # Not "if self.submitting": events of one tab run one after another, so a second tap
        # waits for the first and finds the receipt; a flag left set by a server killed
        # mid-submit must never block the citizen's resend.
        if self.r_number:
            return
        missing = {}
        if not self.privacy_ack and not self.desk_mode:  # at the desk the notice is given on paper
            missing["privacy"] = "Marque que leyó la información sobre sus datos personales."
        if not self.declaration:
            missing["declaration"] = "Marque la declaración para poder enviar."
        if missing:
            self._show(missing)
            yield rx.set_focus("datos-personales-leido" if "privacy" in missing else "declaracion")
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
                attempt_key=self.attempt_key or intake.new_attempt_key(),
            )
        except TooManyAttempts as exc:  # over the filing limits: everything typed stays
            self.submitting = False
            self._show({"general": exc.message})
            return
        except InvalidInputs as exc:
            self.submitting = False
            self._show(exc.errors)
            steps = [STEP_OF_FIELD.get(k, 2 if k.startswith("field_") else 4) for k in exc.errors]
            self.step = min(steps) if steps else 4
            yield self._step_url()
            yield rx.set_focus(first_invalid(exc.errors, [f["name"] for f in self.proc_fields], desk=self.desk_mode))
            return
        except InvalidInput as exc:
            self.submitting = False
            self._show({exc.field: exc.message})
            return
        for att_id in list(self._staged):
            self._unstage(att_id)
        receipt = receipt_vars(
            filed, procedure=self.proc_name, filer=f"{self.name} · {format_document(self.doc_type, self.doc_number)}"
        )
        for var, value in receipt.items():
            setattr(self, var, value)
        self.r_email = notify.mask_email(self.email) if self.email else ""
        self.attempt_key = ""  # filed: the tab's next filing is a new attempt
        self.attachments = []
        self.submitting = False
        self.step = 5
        yield rx.set_focus(STEP_ANCHOR)

    def _staged_files(self) -> list[intake.IncomingFile]:
        return staged_files(self.attachments, self._staged)

    @rx.event
    def restart(self):
        desk = self.desk_mode
        for att_id in list(self._staged):
            self._unstage(att_id)
        self.reset()
        self.attempt_key = ""  # a new filing is a new attempt
        return MesaDePartesState.load_desk if desk else MesaDePartesState.load


# Where Reflex caches the computed list on a state instance (left out of __getstate__).
_PROCEDURES_CACHE = MesaDePartesState.computed_vars["procedures"]._cache_attr
