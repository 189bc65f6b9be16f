"""/firma: the signatures waiting for the signed-in official; batch signing with progress."""

from __future__ import annotations

import asyncio

import reflex as rx

from sgd_app.domain import signing
from sgd_app.domain.errors import DomainError, NotAuthenticated
from sgd_app.domain.signing.config import MAX_CERTIFICATE_BYTES
from sgd_app.state.notice import Notice, refusal
from sgd_app.state.session import current_principal

CERT_MAX_BYTES = MAX_CERTIFICATE_BYTES  # a PKCS#12 file is a few KB


class FirmaState(Notice, rx.State):
    rows: list[dict[str, str]] = []
    selected: list[str] = []
    confirming: bool = False
    signing: bool = False
    progress: int = 0
    results: list[dict[str, str]] = []
    viewer_url: str = ""
    reject_id: str = ""
    error: str = ""
    needs_passphrase: bool = False  # production: the official's own PKCS#12
    has_certificate: bool = False
    cert_message: str = ""
    confirm_text: str = ""  # what the confirmation says the certificate will do (firmas and vistos buenos)

    def _refresh(self, who) -> None:
        rows = [
            {
                "step": str(p.step_id),
                "doc": str(p.doc_id),
                "title": p.title,
                "subject": p.subject,
                "case": p.case_number,
                "role": p.role_label,
                "kind": p.role,  # visto_bueno / firma
                "author": p.author,
            }
            for p in signing.signing_queue(who)
        ]
        self.rows = rows
        self.selected = [r for r in self.selected if any(x["step"] == r for x in rows)]

    @rx.event
    def load(self):
        try:
            who = current_principal(self)
        except NotAuthenticated:
            return rx.redirect("/ingresar?motivo=sesion")
        self.needs_passphrase = signing.production()
        self.has_certificate = signing.has_certificate(who.user.id) if self.needs_passphrase else True
        self.results = []
        self.confirming = False
        self.progress = 0
        self._refresh(who)
        return None

    @rx.event
    def toggle(self, step_id: str, checked: bool):
        if checked and step_id not in self.selected:
            self.selected = [*self.selected, step_id]
        elif not checked:
            self.selected = [s for s in self.selected if s != step_id]

    @rx.event
    def select_all(self):
        self.selected = [r["step"] for r in self.rows]

    @rx.event
    def view(self, doc_id: str):
        if doc_id.isdigit():
            self.viewer_url = f"/api/v1/borradores/{doc_id}.pdf"

    @rx.event
    def ask_confirm(self):
        self.error = ""
        if not self.selected:
            self.error = "Marque al menos un documento."
            return
        self.confirming = True
        self.confirm_text = _confirm_text([r.get("kind", "") for r in self.rows if r.get("step") in self.selected])

    @rx.event
    def certificate_rejected(self, rejections: list[dict]):
        """The drop zone refused the file (not a .p12/.pfx, too big, several): say why."""
        self.cert_message = refusal(
            rejections, limit=CERT_MAX_BYTES, one="archivo .p12 o .pfx", not_it="no es un certificado .p12 o .pfx"
        )

    @rx.event
    async def upload_certificate(self, files: list[rx.UploadFile]):
        if not files:
            return  # the drop zone's empty upload after a refusal: keep the refusal on screen
        try:
            who = current_principal(self)
        except NotAuthenticated:
            self.cert_message = "Inicie sesión."
            return
        if len(files) != 1:
            self.cert_message = "Suba un solo archivo .p12 o .pfx."
            return
        data = await files[0].read(CERT_MAX_BYTES + 1)
        try:
            await asyncio.to_thread(signing.store_certificate, who.user.id, data)
        except ValueError as exc:
            self.cert_message = str(exc)
            return
        self.has_certificate = True
        self.cert_message = "Certificado cargado. Su contraseña se le pedirá al firmar."

    @rx.event
    def cancel(self):
        self.confirming = False

    @rx.event(background=True)
    async def sign_selected(self, form: dict | None = None):
        # Production: the passphrase of the official's own certificate arrives with the confirmation
        # and lives only in this task (never in the state, the database or Redis).
        passphrase = str((form or {}).get("clave_certificado", ""))[:200]
        who = None
        async with self:
            if self.signing:
                return
            try:
                who = current_principal(self)
            except NotAuthenticated:
                who = None
            titles = {int(r["step"]): r["title"] for r in self.rows if r["step"] in self.selected}
            if who is not None:
                self.signing, self.confirming, self.progress, self.results = True, False, 0, []
                self._clear_notice()
        if who is None:
            yield rx.redirect("/ingresar?motivo=sesion")
            return
        results = []
        results_ok: list[signing.BatchResult] = []
        batch = signing.sign_batch(who, list(titles), passphrase=passphrase)
        for i in range(1, len(titles) + 1):
            done = await asyncio.to_thread(next, batch)  # CPU work off the event loop
            results_ok.append(done)
            results.append(
                {
                    "title": done.number if done.ok else titles[done.step_id],
                    "ok": "1" if done.ok else "",
                    "message": done.message,
                }
            )
            async with self:
                self.progress = int(100 * i / len(titles))
                self.results = list(results)
        ok = sum(1 for r in results if r["ok"])
        async with self:
            self.signing = False
            self.selected = []
            self._refresh(who)
            self._notify(signing.batch_summary(results_ok, len(results)), "ok" if ok == len(results) else "warning")

    @rx.event
    def open_reject(self, step_id: str):
        self.reject_id = step_id

    @rx.event
    def reject(self, form: dict):
        self._clear_notice()
        try:
            who = current_principal(self)
        except NotAuthenticated:
            return rx.redirect("/ingresar?motivo=sesion")
        try:
            signing.reject(who=who, step_id=int(self.reject_id or 0), comment=str(form.get("comment", "")))
        except DomainError as exc:
            self.error = exc.message
            return None
        self.reject_id = ""
        self.error = ""
        self._refresh(who)
        self._notify("Documento devuelto a su autor con sus observaciones.")
        return None


def _confirm_text(kinds: list[str]) -> str:
    """«Va a firmar digitalmente 2 documento(s) y dar su visto bueno a 1…»: a visto bueno is a
    signature of the reviewer too (the same certificate and legal value), but it is not the
    document's signature, and the person must read what each tap does."""
    signs, vbs = kinds.count("firma"), kinds.count("visto_bueno")
    parts = []
    if signs:
        parts.append(f"firmar digitalmente {signs} documento{'s' if signs != 1 else ''}")
    if vbs:
        parts.append(f"dar su visto bueno a {vbs} documento{'s' if vbs != 1 else ''}")
    what = " y ".join(parts) or "firmar los documentos marcados"
    return (
        f"Va a {what} con su certificado digital (firma con el mismo valor que la manuscrita, Ley N° 27269). ¿Confirma?"
    )
