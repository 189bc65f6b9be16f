"""/admin, Plantillas tab: the document templates (per type, institution-wide or per unit).

Thin: the rules are in domain/admin/templates.py; every handler wears ``staff_event(role="admin")``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from sgd_app.domain import admin
from sgd_app.domain.auth import Principal
from sgd_app.domain.doc_templates import PLACEHOLDERS
from sgd_app.domain.drafting import DOC_TYPES
from sgd_app.domain.errors import DomainError, InvalidInput, InvalidInputs
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event

KEYS = ("doc_type", "unit_id", "name", "body", "general")
PLACEHOLDER_HELP = [["{" + k + "}", v] for k, v in PLACEHOLDERS.items()]


def _blank() -> dict[str, str]:
    return {k: "" for k in KEYS}


def _row(r: admin.TemplateRow) -> dict[str, str]:
    t = r.template
    body = " ".join(t.body.split())
    return {
        "id": str(t.id),
        "doc_type": DOC_TYPES.get(t.doc_type, t.doc_type),
        "name": t.name,
        "scope": f"{r.unit.name} ({r.unit.code})" if r.unit else "Toda la institución",
        "preview": body if len(body) <= 160 else body[:157] + "…",
        "active": "1" if t.active else "",
        "status": "Activa" if t.active else "Inactiva",
    }


class TemplatesState(Notice, rx.State):
    rows: list[dict[str, str]] = []
    open: bool = False  # the form is shown
    edit_id: str = ""  # "" = a new template
    form_key: int = 0
    f_doc_type: str = "memorando"
    f_unit: str = ""
    f_name: str = ""
    f_body: str = ""
    errors: dict[str, str] = _blank()

    def _forbidden(self):
        self.reset()
        self._notify("Solo un administrador puede gestionar las plantillas.", "error")
        return None

    def _refresh(self, who: Principal) -> None:
        self.rows = [_row(r) for r in admin.list_templates(actor=who)]

    @staff_event(role="admin")
    def load(self, who: Principal):
        self.open = False
        self.errors = _blank()
        try:
            self._refresh(who)
        except DomainError as exc:
            self.rows = []
            self._notify(str(exc), "error")

    def _show_form(self, edit_id: str, doc_type: str, unit: str, name: str, body: str) -> None:
        self.open = True
        self.edit_id = edit_id
        self.f_doc_type, self.f_unit, self.f_name, self.f_body = doc_type, unit, name, body
        self.form_key += 1
        self.errors = _blank()

    @staff_event(role="admin")
    def new_template(self, who: Principal):
        self._show_form("", "memorando", "", "", "")

    @staff_event(role="admin")
    def edit_template(self, who: Principal, template_id: str):
        try:
            t = admin.template_to_edit(actor=who, template_id=int(template_id) if template_id.isdigit() else 0)
        except DomainError as exc:
            self._notify(str(exc), "error")
            return
        self._show_form(str(t.id), t.doc_type, str(t.unit_id or ""), t.name, t.body)

    @staff_event(role="admin")
    def cancel(self, who: Principal):
        self.open = False
        self.errors = _blank()

    @staff_event(role="admin")
    def save(self, who: Principal, form: dict):
        values: dict[str, Any] = {
            k: str((form or {}).get(k, ""))[:21000] for k in ("doc_type", "unit_id", "name", "body")
        }
        try:
            if self.edit_id:
                admin.update_template(actor=who, template_id=int(self.edit_id), form=values)
            else:
                admin.create_template(actor=who, form=values)
        except InvalidInputs as exc:
            self.errors = {**_blank(), **{k: v for k, v in exc.errors.items() if k in KEYS}}
            self.f_doc_type, self.f_unit, self.f_name, self.f_body = (
                values["doc_type"],
                values["unit_id"],
                values["name"],
                values["body"],
            )
            return
        except InvalidInput as exc:
            self.errors = {**_blank(), "general": str(exc)}
            return
        except DomainError as exc:
            self.errors = {**_blank(), "general": str(exc)}
            return
        self.open = False
        self.errors = _blank()
        self._refresh(who)
        self._notify("Plantilla guardada." if not self.edit_id else "Plantilla actualizada.")

    @staff_event(role="admin")
    def set_active(self, who: Principal, template_id: str, active: bool):
        try:
            admin.set_template_active(
                actor=who, template_id=int(template_id) if template_id.isdigit() else 0, active=bool(active)
            )
        except InvalidInputs as exc:
            self._notify(next(iter(exc.errors.values()), str(exc)), "error")
            return
        except DomainError as exc:
            self._notify(str(exc), "error")
            return
        self._refresh(who)
        self._notify("Plantilla activada." if active else "Plantilla desactivada: ya no se ofrece al redactar.")
