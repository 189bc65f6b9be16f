"""/admin: units, users and roles, the procedure catalogue, non-working days.

Thin: every rule is in domain/admin/. Every handler wears ``staff_event(role="admin")``, which
resolves the session from the HttpOnly cookie before anything is read or written; a refusal wipes
what the state shows (``_forbidden``). ``load`` asks the domain itself, so that an officer who
opens the page sees the no-permission panel rather than a notice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx

from sgd_app.domain import admin, vocabulary
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import WEEKDAYS_ES, format_date_es
from sgd_app.domain.errors import DomainError, Forbidden, InvalidInput, InvalidInputs
from sgd_app.domain.vocabulary import ROLE_LABELS
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event

NBSP = "\u00a0"
TABS = ("unidades", "usuarios", "tramites", "dias", "plantillas", "sso", "api", "clasificacion", "entidades")
NO_PERMISSION = "No tiene permiso para administrar el sistema. Esta página es solo para administradores."

# form prefix -> the field keys of that form (errors always holds every key of every form)
FORMS: dict[str, tuple[str, ...]] = {
    "unit": ("code", "name", "kind", "parent_id", "place", "valid_from", "valid_to", "general"),
    "user": ("username", "full_name", "email", "password", "memberships", "role", "general"),
    "pwd": ("password", "confirm", "general"),
    "mem": ("memberships", "role", "general"),
    "proc": (
        "code",
        "name",
        "description",
        "category",
        "unit_id",
        "deadline_days",
        "fields",
        "required_annexes",
        "general",
    ),
    "day": ("day", "reason", "general"),
    "units": ("general",),
    "users": ("general",),
}
ERROR_KEYS = tuple(f"{prefix}_{key}" for prefix, keys in FORMS.items() for key in keys)


def _blank_errors() -> dict[str, str]:
    return {k: "" for k in ERROR_KEYS}


def _s(value: Any, limit: int = 2000) -> str:
    """Form values arrive from the browser: any type, any size."""
    return ("" if value is None else str(value))[:limit]


def _form(form: Any) -> dict[str, Any]:
    return form if isinstance(form, dict) else {}


def _date(day: date | None) -> str:
    return format_date_es(day) if day else ""


def _unit_label(unit, depth: int) -> str:
    """A unit in a select, indented by its depth in the tree."""
    return f"{NBSP * 3 * min(depth, 4)}{unit.name} ({unit.code})"


# ---------------------------------------------------------------- rows shown (plain strings)
def _unit_row(u, depth: int, names: dict[int, str]) -> dict[str, str]:
    return {
        "id": str(u.id),
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "kind_label": admin.KINDS.get(u.kind, u.kind),
        "place": u.place,
        "depth": str(depth),
        "indent": f"{min(depth, 4) * 1.25}rem",
        "parent": names.get(u.parent_id, ""),
        "dates": (
            f"{_date(u.valid_from) or '…'} – {_date(u.valid_to) or '…'}"
            if (u.kind == "temporal" or u.valid_from or u.valid_to)
            else ""
        ),
        "active": "1" if u.active else "",
        "status": "Activa" if u.active else "Cerrada",
    }


def _user_row(r: admin.UserWithRoles) -> dict[str, str]:
    return {
        "id": str(r.user.id),
        "username": r.user.username,
        "full_name": r.user.full_name,
        "email": r.user.email,
        "roles": "; ".join(
            f"{ROLE_LABELS.get(role, role)} — {unit.code}{'' if unit.active else ' (cerrada)'}"
            for unit, role in r.memberships
        )
        or "Sin roles",
        "active": "1" if r.user.active else "",
        "status": "Activo" if r.user.active else "Inactivo",
        "locked": admin.lock_notice(r.user),
    }


def _procedure_row(p, unit) -> dict[str, str]:
    return {
        "id": str(p.id),
        "code": p.code,
        "name": p.name,
        "category": vocabulary.CATEGORY_LABELS.get(p.category, p.category),
        "unit": unit.name if unit else "",
        "deadline": f"{p.deadline_days} días hábiles",
        "public": "Sí" if p.public else "No",
        "desk_review": "Sí" if p.desk_review else "No",
        "active": "1" if p.active else "",
        "status": "Activo" if p.active else "Inactivo",
        "detail": f"{len(p.fields or [])} campo(s) · {len(p.required_annexes or [])} anexo(s) requerido(s)",
    }


def _day_row(d) -> dict[str, str]:
    return {
        "day": d.day.isoformat(),
        "label": f"{WEEKDAYS_ES[d.day.weekday()].capitalize()} {format_date_es(d.day)}",
        "reason": d.reason,
    }


def _membership_row(unit, role: str) -> dict[str, str]:
    return {
        "unit_id": str(unit.id),
        "unit": f"{unit.name} ({unit.code}){'' if unit.active else ' — cerrada'}",
        "role": role,
        "role_label": ROLE_LABELS.get(role, role),
    }


class AdminState(Notice, rx.State):
    # who may see the page
    signed_in: bool = False
    allowed: bool = False
    denied: bool = False
    admin_name: str = ""
    tab: str = "unidades"

    # rows shown (plain strings)
    units: list[dict[str, str]] = []
    unit_options: list[dict[str, str]] = []  # active units, for selects
    parent_options: list[dict[str, str]] = []  # all units except the one edited and its subtree
    users: list[dict[str, str]] = []
    procedures: list[dict[str, str]] = []
    days: list[dict[str, str]] = []

    # which form is open: "" / unit / user / pwd / mem / proc
    form: str = ""
    form_key: int = 0  # bumped whenever a form opens, so uncontrolled inputs take new defaults
    edit_id: str = ""  # id of the unit / user / procedure edited ("" = new)
    edit_title: str = ""

    # defaults of the open form's fields
    f_code: str = ""
    f_name: str = ""
    f_kind: str = "oficina"
    f_parent: str = ""
    f_place: str = "Lima"
    f_from: str = ""
    f_to: str = ""
    f_description: str = ""
    f_email: str = ""
    f_category: str = "administrativo"
    f_unit: str = ""
    f_deadline: str = "10"
    f_public: bool = True
    f_active: bool = True
    f_desk_review: bool = True  # "Revisión en mesa de partes"
    f_fields: str = ""
    f_annexes: str = ""

    # memberships being edited for one user: [{"unit_id","unit","role","role_label"}]
    m_rows: list[dict[str, str]] = []

    errors: dict[str, str] = _blank_errors()

    # ------------------------------------------------------------ access
    def _deny(self) -> None:
        """A signed-in non-admin: nothing stays on screen but the no-permission panel."""
        self.reset()
        self.errors = _blank_errors()
        self.signed_in = True
        self.denied = True

    def _forbidden(self):
        """Called by ``staff_event(role="admin")`` when the role is missing."""
        self._deny()
        self._notify(NO_PERMISSION, "error")
        return None

    # ------------------------------------------------------------ loading
    def _refresh(self, who: Principal) -> None:
        shown = admin.overview(actor=who)
        self.signed_in = self.allowed = True
        self.denied = False
        self.admin_name = who.user.full_name
        names = {u.id: u.name for u, _ in shown.units}
        self.units = [_unit_row(u, depth, names) for u, depth in shown.units]
        self.unit_options = [{"id": str(u.id), "label": _unit_label(u, d)} for u, d in shown.units if u.active]
        self.users = [_user_row(r) for r in shown.users]
        self.procedures = [_procedure_row(p, unit) for p, unit in shown.procedures]
        self.days = [_day_row(d) for d in shown.non_working_days]

    @staff_event
    def load(self, who: Principal):
        self.form = ""
        self.errors = _blank_errors()
        try:
            self._refresh(who)
        except Forbidden:
            self._deny()  # the page shows the no-permission panel; no notice on arrival

    @staff_event(role="admin")
    def set_tab(self, who: Principal, tab: str):
        if tab in TABS:
            self.tab = tab
            self.form = ""
            self.errors = _blank_errors()

    @staff_event(role="admin")
    def cancel_form(self, who: Principal):
        self.form = ""
        self.errors = _blank_errors()

    # ------------------------------------------------------------ helpers
    def _open(self, form: str, edit_id: str = "", title: str = "") -> None:
        self.form = form
        self.edit_id = edit_id
        self.edit_title = title
        self.form_key += 1
        self.errors = _blank_errors()

    def _show(self, prefix: str, exc: DomainError) -> None:
        """A domain refusal as messages next to the fields of form ``prefix``."""
        errors = _blank_errors()
        if isinstance(exc, InvalidInputs):
            items = exc.errors.items()
        elif isinstance(exc, InvalidInput):
            items = [(exc.field, exc.message)]
        else:
            items = [("general", exc.message)]
        for field, msg in items:
            key = f"{prefix}_{field}"
            errors[key if key in errors else f"{prefix}_general"] = msg
        self.errors = errors

    def _done(self, who: Principal, message: str):
        self.form = ""
        self.errors = _blank_errors()
        self._refresh(who)
        self._notify(message)
        return None

    # ------------------------------------------------------------ units
    @staff_event(role="admin")
    def new_unit(self, who: Principal):
        self.f_code, self.f_name, self.f_kind, self.f_parent = "", "", "oficina", ""
        self.f_place, self.f_from, self.f_to = "Lima", "", ""
        self.parent_options = [{"id": o["id"], "label": o["label"]} for o in self.unit_options]
        self._open("unit", "", "Nueva unidad")
        return rx.set_focus("form-unidad")

    @staff_event(role="admin")
    def edit_unit(self, who: Principal, unit_id: str):
        try:
            found = admin.unit_to_edit(actor=who, unit_id=unit_id)
        except DomainError as exc:
            self._notify(exc.message, "error")
            return None
        unit = found.unit
        self.f_code, self.f_name, self.f_kind = unit.code, unit.name, unit.kind
        self.f_parent = str(unit.parent_id or "")
        self.f_place = unit.place
        self.f_from = unit.valid_from.isoformat() if unit.valid_from else ""
        self.f_to = unit.valid_to.isoformat() if unit.valid_to else ""
        self.parent_options = [{"id": str(u.id), "label": _unit_label(u, d)} for u, d in found.parents]
        self._open("unit", str(unit.id), f"Editar unidad {unit.code}")
        return rx.set_focus("form-unidad")

    @staff_event(role="admin")
    def save_unit(self, who: Principal, form: dict):
        if self.form != "unit":
            return  # only the open form can be saved (and only once)
        form = _form(form)
        values = dict(
            name=_s(form.get("name"), 300),
            kind=_s(form.get("kind"), 20),
            parent_id=_s(form.get("parent_id"), 20) or None,
            place=_s(form.get("place"), 100),
            valid_from=_s(form.get("valid_from"), 20) or None,
            valid_to=_s(form.get("valid_to"), 20) or None,
        )
        # keep what was typed, so a refused form shows it again
        self.f_name, self.f_kind, self.f_parent = values["name"], values["kind"], values["parent_id"] or ""
        self.f_place, self.f_from, self.f_to = values["place"], values["valid_from"] or "", values["valid_to"] or ""
        try:
            if self.edit_id:
                unit = admin.update_unit(actor=who, unit_id=self.edit_id, **values)
            else:
                self.f_code = _s(form.get("code"), 40)
                unit = admin.create_unit(actor=who, code=self.f_code, **values)
        except DomainError as exc:
            self._show("unit", exc)
            return
        return self._done(who, f"Unidad «{unit.name}» {'actualizada' if self.edit_id else 'creada'}.")

    @staff_event(role="admin")
    def close_unit(self, who: Principal, unit_id: str):
        try:
            unit = admin.close_unit(actor=who, unit_id=unit_id)
        except DomainError as exc:
            self._show("units", exc)
            self._notify(exc.message, "error")
            return None
        return self._done(who, f"Unidad «{unit.name}» cerrada.")

    @staff_event(role="admin")
    def reopen_unit(self, who: Principal, unit_id: str):
        try:
            unit = admin.reopen_unit(actor=who, unit_id=unit_id)
        except DomainError as exc:
            self._show("units", exc)
            self._notify(exc.message, "error")
            return None
        return self._done(who, f"Unidad «{unit.name}» reabierta.")

    # ------------------------------------------------------------ users
    @staff_event(role="admin")
    def new_user(self, who: Principal):
        self.f_code = self.f_name = self.f_email = ""
        self.f_unit = self.unit_options[0]["id"] if self.unit_options else ""
        self._open("user", "", "Nuevo usuario")
        return rx.set_focus("form-usuario")

    @staff_event(role="admin")
    def save_user(self, who: Principal, form: dict):
        if self.form != "user":
            return  # only the open form can be saved (and only once)
        form = _form(form)
        username, full_name, email = (
            _s(form.get("username"), 80),
            _s(form.get("full_name"), 300),
            _s(form.get("email"), 300),
        )
        unit_id, role = _s(form.get("unit_id"), 20), _s(form.get("role"), 20)
        self.f_code, self.f_name, self.f_email, self.f_unit = username, full_name, email, unit_id
        try:
            user = admin.create_user(
                actor=who,
                username=username,
                full_name=full_name,
                email=email,
                password=_s(form.get("password"), 300),
                memberships=[(unit_id, role)] if unit_id or role else [],
            )
        except DomainError as exc:
            self._show("user", exc)
            return
        return self._done(
            who, f"Usuario «{user.username}» creado. Entréguele su contraseña inicial por un medio seguro."
        )

    @staff_event(role="admin")
    def set_user_active(self, who: Principal, user_id: str, active: bool):
        active = active is True or str(active).strip().lower() in ("true", "1")
        try:
            user = admin.set_active(actor=who, user_id=user_id, active=active)
        except DomainError as exc:
            self._show("users", exc)
            self._notify(exc.message, "error")
            return None
        return self._done(
            who, f"Usuario «{user.username}» {'activado' if active else 'desactivado: sus sesiones se cerraron'}."
        )

    @staff_event(role="admin")
    def unlock_user(self, who: Principal, user_id: str):
        try:
            user = admin.unlock(actor=who, user_id=user_id)
        except DomainError as exc:
            self._show("users", exc)
            self._notify(exc.message, "error")
            return None
        return self._done(who, f"Cuenta «{user.username}» desbloqueada: sus intentos fallidos se olvidaron.")

    @staff_event(role="admin")
    def open_password(self, who: Principal, user_id: str):
        try:
            user = admin.user_to_edit(actor=who, user_id=user_id).user
        except DomainError as exc:
            self._notify(exc.message, "error")
            return None
        self._open("pwd", str(user.id), f"Nueva contraseña para {user.full_name} ({user.username})")
        return rx.set_focus("form-usuario")

    @staff_event(role="admin")
    def save_password(self, who: Principal, form: dict):
        if self.form != "pwd":
            return  # only the open form can be saved (and only once)
        form = _form(form)
        try:
            user = admin.reset_password(
                actor=who,
                user_id=self.edit_id,
                password=_s(form.get("password"), 300),
                confirm=_s(form.get("confirm"), 300),
            )
        except DomainError as exc:
            self._show("pwd", exc)
            return
        return self._done(who, f"Contraseña de «{user.username}» restablecida; sus otras sesiones se cerraron.")

    @staff_event(role="admin")
    def open_memberships(self, who: Principal, user_id: str):
        try:
            found = admin.user_to_edit(actor=who, user_id=user_id)
        except DomainError as exc:
            self._notify(exc.message, "error")
            return None
        user = found.user
        self.m_rows = [_membership_row(unit, role) for unit, role in found.memberships]
        self.f_unit = self.unit_options[0]["id"] if self.unit_options else ""
        self._open("mem", str(user.id), f"Unidades y roles de {user.full_name} ({user.username})")
        return rx.set_focus("form-usuario")

    @staff_event(role="admin")
    def add_membership_row(self, who: Principal, form: dict):
        if self.form != "mem":
            return
        form = _form(form)
        unit_id, role = _s(form.get("unit_id"), 20), _s(form.get("role"), 20)
        label = next((o["label"].strip() for o in self.unit_options if o["id"] == unit_id), "")
        if not label or role not in ROLE_LABELS:
            self.errors = {**_blank_errors(), "mem_memberships": "Elija una unidad activa y un rol."}
            return
        if any(r["unit_id"] == unit_id and r["role"] == role for r in self.m_rows):
            self.errors = {**_blank_errors(), "mem_memberships": "Esa unidad y rol ya están en la lista."}
            return
        if len(self.m_rows) >= 30:
            return
        self.f_unit = unit_id
        self.m_rows = [*self.m_rows, {"unit_id": unit_id, "unit": label, "role": role, "role_label": ROLE_LABELS[role]}]
        self.errors = _blank_errors()

    @staff_event(role="admin")
    def remove_membership_row(self, who: Principal, index: int):
        try:
            i = int(index)
        except (TypeError, ValueError):
            return
        if 0 <= i < len(self.m_rows):
            self.m_rows = self.m_rows[:i] + self.m_rows[i + 1 :]

    @staff_event(role="admin")
    def save_memberships(self, who: Principal):
        if self.form != "mem":
            return
        try:
            admin.set_memberships(
                actor=who, user_id=self.edit_id, memberships=[(r["unit_id"], r["role"]) for r in self.m_rows]
            )
        except DomainError as exc:
            self._show("mem", exc)
            return
        result = self._done(who, "Unidades y roles actualizados.")
        self.m_rows = []
        return result

    # ------------------------------------------------------------ procedures
    @staff_event(role="admin")
    def new_procedure(self, who: Principal):
        self.f_code = self.f_name = self.f_description = self.f_fields = self.f_annexes = ""
        self.f_category, self.f_deadline, self.f_public, self.f_active = "administrativo", "10", True, True
        self.f_desk_review = True
        self.f_unit = self.unit_options[0]["id"] if self.unit_options else ""
        self._open("proc", "", "Nuevo trámite")
        return rx.set_focus("form-tramite")

    @staff_event(role="admin")
    def edit_procedure(self, who: Principal, procedure_id: str):
        try:
            p = admin.procedure_to_edit(actor=who, procedure_id=procedure_id)
        except DomainError as exc:
            self._notify(exc.message, "error")
            return None
        self.f_code, self.f_name, self.f_description = p.code, p.name, p.description
        self.f_category, self.f_unit, self.f_deadline = p.category, str(p.unit_id), str(p.deadline_days)
        self.f_public, self.f_active = p.public, p.active
        self.f_desk_review = p.desk_review
        self.f_fields = admin.format_field_lines(p.fields or [])
        self.f_annexes = "\n".join(p.required_annexes or [])
        self._open("proc", str(p.id), f"Editar trámite {p.code}")
        return rx.set_focus("form-tramite")

    @staff_event(role="admin")
    def save_procedure(self, who: Principal, form: dict):
        if self.form != "proc":
            return  # only the open form can be saved (and only once)
        form = _form(form)
        self.f_name, self.f_description = _s(form.get("name"), 400), _s(form.get("description"), 2500)
        self.f_category, self.f_unit = _s(form.get("category"), 20), _s(form.get("unit_id"), 20)
        self.f_deadline = _s(form.get("deadline_days"), 10)
        self.f_public, self.f_active = "public" in form, "active" in form
        self.f_desk_review = "desk_review" in form
        self.f_fields, self.f_annexes = _s(form.get("fields"), 20000), _s(form.get("required_annexes"), 5000)
        try:
            values = dict(
                name=self.f_name,
                description=self.f_description,
                category=self.f_category,
                unit_id=self.f_unit,
                deadline_days=self.f_deadline,
                public=self.f_public,
                active=self.f_active,
                desk_review=self.f_desk_review,
                fields=admin.parse_field_lines(self.f_fields),  # pure: the form's lines -> fields
                required_annexes=admin.parse_annex_lines(self.f_annexes),
            )
            if self.edit_id:
                p = admin.update_procedure(actor=who, procedure_id=self.edit_id, **values)
            else:
                self.f_code = _s(form.get("code"), 40)
                p = admin.create_procedure(actor=who, code=self.f_code, **values)
        except DomainError as exc:
            self._show("proc", exc)
            return
        return self._done(who, f"Trámite {p.code} {'actualizado' if self.edit_id else 'creado'}.")

    # ------------------------------------------------------------ non-working days
    @staff_event(role="admin")
    def add_day(self, who: Principal, form: dict):
        form = _form(form)
        self.f_from, self.f_description = _s(form.get("day"), 20), _s(form.get("reason"), 300)
        try:
            row = admin.add_non_working_day(actor=who, day=self.f_from, reason=self.f_description)
        except DomainError as exc:
            self._show("day", exc)
            return
        self.f_from = self.f_description = ""
        self.form_key += 1  # clear the add form
        return self._done(who, f"Día no laborable {format_date_es(row.day)} registrado.")

    @staff_event(role="admin")
    def remove_day(self, who: Principal, day: str):
        day = _s(day, 20)
        try:
            admin.remove_non_working_day(actor=who, day=day)
        except DomainError as exc:
            self._show("day", exc)
            self._notify(exc.message, "error")
            return None
        try:
            label = format_date_es(date.fromisoformat(day))
        except ValueError:
            label = day
        return self._done(who, f"Se quitó el día no laborable {label}.")
