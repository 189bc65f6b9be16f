"""/admin, Entidades tab: the directory of entities for the exchange between institutions
(docs/interop.md §1): list them, add one, edit its endpoint, key and clients, deactivate it, and
import a JSON file (all or nothing). The same domain functions as ``python -m sgd_app entidad``.

Thin: the rules are in domain/interop/directory.py; every handler wears
``staff_event(role="admin")``, so only an administrator's session reaches them."""

from __future__ import annotations

from typing import Any

import reflex as rx

from sgd_app.domain import interop
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import DomainError, InvalidInput
from sgd_app.domain.interop.directory import FIELDS
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event

MAX_JWK = 8000
MAX_FILE = 512 * 1024  # a directory file of a few hundred entities


def _blank() -> dict[str, str]:
    return {k: "" for k in (*FIELDS, "file")}


def _row(e: interop.InteropEntity) -> dict[str, str]:
    return {
        "name": e.name,
        "ruc": e.ruc,
        "category": e.category or "—",
        "endpoint": e.endpoint,
        "client_id": e.client_id or "—",
        "our_client_id": e.our_client_id or "—",
        "active": "1" if e.active else "",
        "updated": e.updated_at.astimezone(LIMA).strftime("%d/%m/%Y %H:%M") if e.updated_at else "",
    }


class EntitiesState(Notice, rx.State):
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = _blank()
    editing: str = ""  # the RUC being edited ("" : the form adds a new entity)
    draft: dict[str, str] = {k: "" for k in FIELDS}  # the form's initial values
    form_key: int = 0

    def _refresh(self) -> None:
        self.rows = [_row(e) for e in interop.list_entities()]

    def _reset_form(self) -> None:
        self.editing, self.draft, self.errors = "", {k: "" for k in FIELDS}, _blank()
        self.form_key += 1

    @staff_event(role="admin")
    def load(self, who: Principal):
        self._reset_form()
        self._refresh()

    @staff_event(role="admin")
    def edit(self, who: Principal, ruc: str):
        try:
            e = interop.get_entity(str(ruc)[:11])
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self.editing = e.ruc
        self.draft = {
            "name": e.name,
            "ruc": e.ruc,
            "category": e.category,
            "endpoint": e.endpoint,
            "public_jwk": e.public_jwk,
            "client_id": e.client_id,
            "our_client_id": e.our_client_id,
        }
        self.errors = _blank()
        self.form_key += 1

    @staff_event(role="admin")
    def cancel_edit(self, who: Principal):
        self._reset_form()

    @staff_event(role="admin")
    def save(self, who: Principal, form: dict):
        data: dict[str, Any] = form if isinstance(form, dict) else {}
        self.errors = _blank()
        jwk = str(data.get("public_jwk", "") or "")
        if len(jwk) > MAX_JWK:
            self.errors = {**_blank(), "public_jwk": "La clave pública es demasiado larga para un JWK."}
            return
        entry = interop.EntityInput(
            name=str(data.get("name", "") or "")[:300],
            ruc=self.editing or str(data.get("ruc", "") or "")[:20],
            endpoint=str(data.get("endpoint", "") or "")[:400],
            public_jwk=jwk,
            category=str(data.get("category", "") or "")[:120],
            client_id=str(data.get("client_id", "") or "")[:80],
            our_client_id=str(data.get("our_client_id", "") or "")[:80],
        )
        try:
            if self.editing:
                saved = interop.update_entity(actor=who.actor, ruc=self.editing, data=entry)
            else:
                saved = interop.add_entity(actor=who.actor, data=entry)
        except InvalidInput as exc:
            self.errors = {**_blank(), (exc.field if exc.field in FIELDS else "name"): exc.message}
            return
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        was_edit = bool(self.editing)
        self._reset_form()
        self._refresh()
        self._notify(f"Entidad «{saved.name}» {'actualizada' if was_edit else 'agregada al directorio'}.")

    @staff_event(role="admin")
    def deactivate(self, who: Principal, ruc: str):
        try:
            e = interop.deactivate_entity(actor=who.actor, ruc=str(ruc)[:11])
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self._refresh()
        self._notify(f"Entidad «{e.name}» desactivada: sus envíos se rechazan (remitente_inactivo).")

    @staff_event(role="admin")
    def file_rejected(self, who: Principal, rejections: list[dict]):
        self.errors = {**_blank(), "file": "Suba un archivo JSON (máx. 512 KB)."}

    @staff_event(role="admin")
    async def import_file(self, who: Principal, files: list[rx.UploadFile]):
        if not files:
            return
        self.errors = _blank()
        if len(files) != 1:
            self.errors = {**_blank(), "file": "Suba un archivo a la vez."}
            return
        data = await files[0].read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            self.errors = {**_blank(), "file": "El archivo es demasiado grande (máx. 512 KB)."}
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.errors = {**_blank(), "file": "El archivo no es un JSON en UTF-8."}
            return
        try:
            added, updated = interop.import_entities(actor=who.actor, text=text)
        except DomainError as exc:
            self.errors = {**_blank(), "file": f"No se importó nada: {exc.message}"}
            return
        self._refresh()
        self._notify(f"Directorio importado: {added} entidad(es) nueva(s), {updated} actualizada(s).")
