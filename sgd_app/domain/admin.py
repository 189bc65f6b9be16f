"""Administration: units (as a tree), staff accounts and their roles, the procedure catalogue and
the institution's non-working days. Plain Python: never imports reflex.

Every function checks that the actor is an administrator, validates with Spanish messages per
field, writes, and records an audit event in the caller's transaction. Nothing here commits:
the caller wraps the call in ``with db.write_session() as s:`` (which rolls back on any error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, update
from sqlmodel import Session, select

from sgd_app.domain import audit, auth
from sgd_app.domain.auth import ROLES, Principal
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.models import Expediente, Membership, NonWorkingDay, Procedure, StaffSession, Unit, User, utcnow

KINDS = {
    "direccion": "Dirección",
    "oficina": "Oficina",
    "od": "Oficina desconcentrada",
    "temporal": "Unidad temporal",
}
CATEGORIES = {"administrativo": "Administrativo", "jurisdiccional": "Jurisdiccional"}
# A case in one of these statuses no longer needs its unit.
FINISHED_STATUSES = ("atendido", "archivado", "no_presentado")

CODE_RE = re.compile(r"[A-Z0-9-]{2,20}")
USERNAME_RE = re.compile(r"[a-z][a-z0-9._-]{2,59}")
SLUG_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_FIELDS = 20
MAX_ANNEXES = 10


def today() -> date:
    """Today in the institution's calendar (Lima)."""
    return datetime.now(LIMA).date()


# ---------------------------------------------------------------- access
def ensure_admin(actor: Principal, doing: str = "administrar el sistema") -> None:
    """Refuse anyone who is not an administrator (in an active unit, as resolved at sign-in)."""
    if actor is None or not actor.has_role("admin"):
        raise Forbidden(f"Solo un administrador puede {doing}.")


def _active_admin_ids(session: Session, *, except_user: int | None = None, except_unit: int | None = None) -> set[int]:
    """Active users holding the admin role in an active unit (optionally ignoring one user, or
    the memberships in one unit) — to refuse changes that leave nobody able to administer."""
    q = (
        select(Membership.user_id, Membership.unit_id)
        .join(User, User.id == Membership.user_id)
        .join(Unit, Unit.id == Membership.unit_id)
        .where(Membership.role == "admin", User.active == True, Unit.active == True)
    )
    return {uid for uid, unit_id in session.exec(q).all() if uid != except_user and unit_id != except_unit}


def _record(
    session: Session, actor: Principal, action: str, object_type: str, object_id: Any, data: dict[str, Any]
) -> None:
    audit.record(session, actor=actor.actor, action=action, object_type=object_type, object_id=object_id, data=data)


# ---------------------------------------------------------------- parsing helpers
def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _as_date(value: Any, field: str, errors: dict[str, str], label: str) -> date | None:
    """A date from a ``date`` or an ISO text (the browser's date input); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = f"La {label} no es una fecha válida (dd/mm/aaaa)."
        return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "si", "sí", "yes")
    return bool(value)


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInputs(errors)


# ---------------------------------------------------------------- units
def get_unit(session: Session, unit_id: Any) -> Unit:
    uid = _as_int(unit_id)
    unit = session.get(Unit, uid) if uid is not None else None
    if unit is None:
        raise NotFound("La unidad no existe.")
    return unit


def list_units_tree(session: Session) -> list[tuple[Unit, int]]:
    """Every unit with its depth, parents before children, siblings by name. A unit whose parent
    is missing is shown as a root; a cycle (never written by this module) cannot loop."""
    units = session.exec(select(Unit)).all()
    by_id = {u.id: u for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        parent = u.parent_id if u.parent_id in by_id and u.parent_id != u.id else None
        children.setdefault(parent, []).append(u)
    for group in children.values():
        group.sort(key=lambda u: (not u.active, u.name.lower()))
    out: list[tuple[Unit, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for u in children.get(parent, []):
            if u.id in seen:
                continue
            seen.add(u.id)
            out.append((u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    for u in sorted(units, key=lambda u: u.name.lower()):  # units caught in a cycle, if any
        if u.id not in seen:
            seen.add(u.id)
            out.append((u, 0))
            walk(u.id, 1)
    return out


def _descendant_ids(session: Session, unit_id: int) -> set[int]:
    pairs = session.exec(select(Unit.id, Unit.parent_id)).all()
    kids: dict[int, list[int]] = {}
    for uid, pid in pairs:
        if pid is not None:
            kids.setdefault(pid, []).append(uid)
    found: set[int] = set()
    stack = [unit_id]
    while stack:
        for k in kids.get(stack.pop(), []):
            if k not in found:
                found.add(k)
                stack.append(k)
    return found


def _validate_unit(
    session: Session,
    *,
    unit: Unit | None,
    code: Any,
    name: Any,
    kind: Any,
    parent_id: Any,
    place: Any,
    valid_from: Any,
    valid_to: Any,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if unit is None:
        code_s = _text(code).upper()
        if not code_s:
            errors["code"] = "Escriba el código de la unidad."
        elif not CODE_RE.fullmatch(code_s):
            errors["code"] = "El código debe tener de 2 a 20 caracteres: letras A-Z, números y guiones."
        elif session.exec(select(Unit).where(Unit.code == code_s)).first() is not None:
            errors["code"] = f"Ya existe una unidad con el código {code_s}."
        clean["code"] = code_s
    name_s = _text(name)
    if not name_s:
        errors["name"] = "Escriba el nombre de la unidad."
    elif len(name_s) > 200:
        errors["name"] = "El nombre puede tener como máximo 200 caracteres."
    clean["name"] = name_s
    kind_s = _text(kind)
    if kind_s not in KINDS:
        errors["kind"] = "Elija el tipo de unidad: dirección, oficina, oficina desconcentrada o temporal."
    clean["kind"] = kind_s
    place_s = _text(place)
    if not place_s:
        errors["place"] = "Escriba la sede (ciudad) de la unidad."
    elif len(place_s) > 80:
        errors["place"] = "La sede puede tener como máximo 80 caracteres."
    clean["place"] = place_s
    parent: Unit | None = None
    if parent_id not in (None, ""):
        pid = _as_int(parent_id)
        parent = session.get(Unit, pid) if pid is not None else None
        if parent is None:
            errors["parent_id"] = "La unidad superior elegida no existe."
        elif unit is not None and (parent.id == unit.id or parent.id in _descendant_ids(session, unit.id)):
            errors["parent_id"] = "Una unidad no puede depender de sí misma ni de una de sus dependencias."
        elif not parent.active and (unit is None or unit.active):
            errors["parent_id"] = f"La unidad superior {parent.name} está cerrada."
    clean["parent_id"] = parent.id if parent is not None else None
    vf = _as_date(valid_from, "valid_from", errors, "fecha de inicio")
    vt = _as_date(valid_to, "valid_to", errors, "fecha de cierre")
    if kind_s == "temporal":
        if vf is None and "valid_from" not in errors:
            errors["valid_from"] = "Una unidad temporal necesita fecha de inicio."
        if vt is None and "valid_to" not in errors:
            errors["valid_to"] = "Una unidad temporal necesita fecha de cierre."
    if vf and vt and vf > vt:
        errors["valid_to"] = "La fecha de cierre no puede ser anterior a la fecha de inicio."
    clean["valid_from"], clean["valid_to"] = vf, vt
    _raise(errors)
    return clean


def _unit_data(u: Unit) -> dict[str, Any]:
    return {
        "codigo": u.code,
        "nombre": u.name,
        "tipo": u.kind,
        "superior": u.parent_id,
        "sede": u.place,
        "desde": u.valid_from,
        "hasta": u.valid_to,
        "activa": u.active,
    }


def create_unit(
    session: Session,
    *,
    actor: Principal,
    code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    place: str = "Lima",
    valid_from: date | str | None = None,
    valid_to: date | str | None = None,
) -> Unit:
    """A new unit: dirección, oficina, oficina desconcentrada or temporal (with its dates)."""
    ensure_admin(actor, "crear unidades")
    clean = _validate_unit(
        session,
        unit=None,
        code=code,
        name=name,
        kind=kind,
        parent_id=parent_id,
        place=place,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    unit = Unit(**clean, active=True)
    session.add(unit)
    session.flush()
    _record(session, actor, "crear_unidad", "unit", unit.code, _unit_data(unit))
    return unit


def update_unit(
    session: Session,
    *,
    actor: Principal,
    unit_id: int,
    name: str,
    kind: str,
    parent_id: int | None = None,
    place: str = "Lima",
    valid_from: date | str | None = None,
    valid_to: date | str | None = None,
) -> Unit:
    """Change a unit's name, kind, place, parent or dates. The code never changes: it is the
    unit's identifier in the audit trail and in the seed data."""
    ensure_admin(actor, "modificar unidades")
    unit = get_unit(session, unit_id)
    clean = _validate_unit(
        session,
        unit=unit,
        code=unit.code,
        name=name,
        kind=kind,
        parent_id=parent_id,
        place=place,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    before = _unit_data(unit)
    for key, value in clean.items():
        setattr(unit, key, value)
    session.add(unit)
    session.flush()
    after = _unit_data(unit)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:  # saving an unchanged form is not an event
        _record(session, actor, "editar_unidad", "unit", unit.code, changes)
    return unit


def open_cases_count(session: Session, unit_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Expediente)
        .where(Expediente.current_unit_id == unit_id, Expediente.status.not_in(FINISHED_STATUSES))
    ).one()


def close_unit(session: Session, *, actor: Principal, unit_id: int, on: date | None = None) -> Unit:
    """Close a unit (e.g. a special electoral jury after its election). Refused while it still has
    open cases, active dependent units or active procedures, or if it would leave no admin."""
    ensure_admin(actor, "cerrar unidades")
    unit = get_unit(session, unit_id)
    if not unit.active:
        raise Conflict(f"La unidad {unit.name} ya está cerrada.")
    n = open_cases_count(session, unit.id)
    if n:
        raise Conflict(
            f"No se puede cerrar {unit.name}: tiene {n} expediente{'s' if n != 1 else ''} "
            f"abierto{'s' if n != 1 else ''}. Derívelos o concluya su atención antes de cerrarla."
        )
    kids = session.exec(select(Unit.name).where(Unit.parent_id == unit.id, Unit.active == True)).all()  # noqa: E712
    if kids:
        raise Conflict(
            f"No se puede cerrar {unit.name}: primero cierre o reubique sus "
            f"{len(kids)} unidad{'es' if len(kids) != 1 else ''} dependiente{'s' if len(kids) != 1 else ''} "
            f"activa{'s' if len(kids) != 1 else ''} ({', '.join(sorted(kids))})."
        )
    procs = session.exec(select(Procedure.code).where(Procedure.unit_id == unit.id, Procedure.active == True)).all()  # noqa: E712
    if procs:
        raise Conflict(
            f"No se puede cerrar {unit.name}: los trámites {', '.join(sorted(procs))} se dirigen a "
            "esta unidad. Asígnelos a otra unidad o desactívelos primero."
        )
    if not _active_admin_ids(session, except_unit=unit.id):
        raise Conflict(
            "No se puede cerrar la única unidad con administradores: el sistema quedaría sin administrador activo."
        )
    unit.active = False
    if unit.valid_to is None:
        unit.valid_to = on or today()
    session.add(unit)
    session.flush()
    _record(session, actor, "cerrar_unidad", "unit", unit.code, {"hasta": unit.valid_to})
    return unit


def reopen_unit(session: Session, *, actor: Principal, unit_id: int) -> Unit:
    """Open a closed unit again (its dependants stay as they are)."""
    ensure_admin(actor, "reabrir unidades")
    unit = get_unit(session, unit_id)
    if unit.active:
        raise Conflict(f"La unidad {unit.name} ya está activa.")
    if unit.parent_id is not None:
        parent = session.get(Unit, unit.parent_id)
        if parent is not None and not parent.active:
            raise Conflict(f"Reabra primero la unidad superior {parent.name}.")
    unit.active = True
    if unit.kind != "temporal":
        unit.valid_to = None
    elif unit.valid_to is not None and unit.valid_to < today():
        # A temporary unit reopened after its end date: it runs again until an admin sets a new end.
        unit.valid_to = None
    session.add(unit)
    session.flush()
    _record(session, actor, "reabrir_unidad", "unit", unit.code, {"hasta": unit.valid_to})
    return unit


# ---------------------------------------------------------------- users
@dataclass
class UserWithRoles:
    user: User
    memberships: list[tuple[Unit, str]]


def get_user(session: Session, user_id: Any) -> User:
    uid = _as_int(user_id)
    user = session.get(User, uid) if uid is not None else None
    if user is None:
        raise NotFound("El usuario no existe.")
    return user


def list_users(session: Session) -> list[UserWithRoles]:
    users = session.exec(select(User).order_by(User.full_name)).all()
    pairs = session.exec(
        select(Membership.user_id, Unit, Membership.role)
        .join(Unit, Unit.id == Membership.unit_id)
        .order_by(Unit.name, Membership.role)
    ).all()
    by_user: dict[int, list[tuple[Unit, str]]] = {}
    for uid, unit, role in pairs:
        by_user.setdefault(uid, []).append((unit, role))
    return [UserWithRoles(u, by_user.get(u.id, [])) for u in users]


def _validate_password(password: Any, errors: dict[str, str], *, username: str = "", field: str = "password") -> str:
    pw = "" if password is None else str(password)
    if len(pw) < MIN_PASSWORD:
        errors[field] = f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres."
    elif len(pw) > MAX_PASSWORD:
        errors[field] = f"La contraseña puede tener como máximo {MAX_PASSWORD} caracteres."
    elif username and pw.lower() == username.lower():
        errors[field] = "La contraseña no puede ser igual al nombre de usuario."
    return pw


def _validate_memberships(
    session: Session,
    memberships: Any,
    errors: dict[str, str],
    field: str = "memberships",
    kept: set[tuple[int, str]] = frozenset(),
) -> list[tuple[Unit, str]]:
    """(unit_id, role) pairs -> (Unit, role). New roles need an active unit; a role the user
    already holds in a unit that has since closed may be kept (``kept``)."""
    out: list[tuple[Unit, str]] = []
    seen: set[tuple[int, str]] = set()
    try:
        items = list(memberships or [])
    except TypeError:
        items = []
    if not items:
        errors[field] = "Asigne al menos una unidad con un rol."
        return out
    for item in items:
        try:
            unit_id, role = item
        except (TypeError, ValueError):
            errors[field] = "Cada asignación necesita una unidad y un rol."
            return []
        unit = session.get(Unit, _as_int(unit_id)) if _as_int(unit_id) is not None else None
        role_s = _text(role)
        if unit is None:
            errors[field] = "Una de las unidades elegidas no existe."
            return []
        if not unit.active and (unit.id, role_s) not in kept:
            errors[field] = f"La unidad {unit.name} está cerrada: elija una unidad activa."
            return []
        if role_s not in ROLES:
            errors[field] = (
                "Elija un rol válido: mesa de partes, servidor(a), jefe(a), directivo(a) o administrador(a)."
            )
            return []
        if (unit.id, role_s) not in seen:
            seen.add((unit.id, role_s))
            out.append((unit, role_s))
    return out


def create_user(
    session: Session,
    *,
    actor: Principal,
    username: str,
    full_name: str,
    email: str,
    password: str,
    memberships: Sequence[tuple[int, str]],
) -> User:
    """A staff account with its units/roles. ``memberships`` is a list of (unit_id, role)."""
    ensure_admin(actor, "crear usuarios")
    errors: dict[str, str] = {}
    uname = _text(username).lower()
    if not uname:
        errors["username"] = "Escriba el nombre de usuario."
    elif not USERNAME_RE.fullmatch(uname):
        errors["username"] = (
            "El usuario debe tener de 3 a 60 caracteres, empezar con una letra y usar solo "
            "minúsculas, números, punto, guion o guion bajo."
        )
    elif session.exec(select(User).where(User.username == uname)).first() is not None:
        errors["username"] = f"El usuario {uname} ya existe."
    name = _text(full_name)
    if not name:
        errors["full_name"] = "Escriba los nombres y apellidos."
    elif len(name) > 200:
        errors["full_name"] = "Los nombres pueden tener como máximo 200 caracteres."
    mail = _text(email)
    if not mail:
        errors["email"] = "Escriba el correo electrónico institucional."
    else:
        try:
            mail = validate_email(mail, check_deliverability=False).normalized
            if len(mail) > 200:
                raise EmailNotValidError("too long")
        except EmailNotValidError:
            errors["email"] = "El correo electrónico no es válido (ejemplo: nombre@jne.gob.pe)."
    pw = _validate_password(password, errors, username=uname)
    pairs = _validate_memberships(session, memberships, errors)
    _raise(errors)
    return auth.create_user(
        session, username=uname, full_name=name, password=pw, memberships=pairs, email=mail, actor=actor.actor
    )


def set_memberships(
    session: Session, *, actor: Principal, user_id: int, memberships: Sequence[tuple[int, str]]
) -> list[tuple[Unit, str]]:
    """Replace a user's units/roles. Refused if the system would be left with no active admin."""
    ensure_admin(actor, "cambiar roles")
    user = get_user(session, user_id)
    old = session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    errors: dict[str, str] = {}
    pairs = _validate_memberships(session, memberships, errors, kept={(m.unit_id, m.role) for m in old})
    _raise(errors)
    keeps_admin = user.active and any(role == "admin" and unit.active for unit, role in pairs)
    if not keeps_admin and not _active_admin_ids(session, except_user=user.id):
        raise InvalidInput(
            "memberships", "No puede quitar este rol de administrador: es el único administrador activo del sistema."
        )
    before = sorted([session.get(Unit, m.unit_id).code, m.role] for m in old)
    after = sorted([u.code, r] for u, r in pairs)
    if before == after:
        return pairs
    for m in old:
        session.delete(m)
    session.flush()
    for unit, role in pairs:
        session.add(Membership(user_id=user.id, unit_id=unit.id, role=role))
    session.flush()
    _record(
        session, actor, "cambiar_roles", "user", user.id, {"usuario": user.username, "antes": before, "despues": after}
    )
    return pairs


def _revoke_sessions(session: Session, user_id: int, *, keep: int | None = None) -> int:
    q = update(StaffSession).where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
    if keep is not None:
        q = q.where(StaffSession.id != keep)
    return session.execute(q.values(revoked_at=utcnow())).rowcount or 0


def set_active(session: Session, *, actor: Principal, user_id: int, active: bool) -> User:
    """Activate or deactivate an account. Deactivating ends all of the user's sessions at once."""
    ensure_admin(actor, "activar o desactivar usuarios")
    user = get_user(session, user_id)
    active = bool(active)
    if user.active == active:
        return user
    revoked = 0
    if not active:
        if user.id == actor.user.id:
            raise Conflict("No puede desactivar su propia cuenta.")
        if not _active_admin_ids(session, except_user=user.id):
            raise Conflict("No puede desactivar al único administrador activo del sistema.")
        revoked = _revoke_sessions(session, user.id)
    else:
        user.failed_logins = 0
        user.locked_until = None
    user.active = active
    session.add(user)
    session.flush()
    _record(
        session,
        actor,
        "activar_usuario" if active else "desactivar_usuario",
        "user",
        user.id,
        {"usuario": user.username, "sesiones_cerradas": revoked},
    )
    return user


def reset_password(
    session: Session, *, actor: Principal, user_id: int, password: str, confirm: str | None = None
) -> User:
    """Give a user a new password chosen by the admin; their other sessions end and a lock-out
    from failed attempts is lifted."""
    ensure_admin(actor, "restablecer contraseñas")
    user = get_user(session, user_id)
    errors: dict[str, str] = {}
    pw = _validate_password(password, errors, username=user.username)
    if confirm is not None and "password" not in errors and str(confirm) != pw:
        errors["confirm"] = "Las dos contraseñas no coinciden."
    _raise(errors)
    user.password_hash = auth.hash_password(pw)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    revoked = _revoke_sessions(session, user.id, keep=actor.session_id if user.id == actor.user.id else None)
    session.flush()
    _record(
        session, actor, "restablecer_clave", "user", user.id, {"usuario": user.username, "sesiones_cerradas": revoked}
    )
    return user


# ---------------------------------------------------------------- procedures
def list_procedures(session: Session) -> list[tuple[Procedure, Unit | None]]:
    procs = session.exec(select(Procedure).order_by(Procedure.name)).all()
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    return [(p, units.get(p.unit_id)) for p in procs]


def get_procedure(session: Session, procedure_id: Any) -> Procedure:
    pid = _as_int(procedure_id)
    proc = session.get(Procedure, pid) if pid is not None else None
    if proc is None:
        raise NotFound("El trámite no existe.")
    return proc


_REQUIRED_WORDS = {
    "obligatorio": True,
    "requerido": True,
    "si": True,
    "sí": True,
    "1": True,
    "opcional": False,
    "no": False,
    "0": False,
    "": False,
}


def parse_field_lines(text: str) -> list[dict[str, Any]]:
    """Fields written one per line as ``nombre | Etiqueta | obligatorio | ayuda`` (the last two
    are optional; "opcional" or nothing means not required). Errors name the line."""
    out: list[dict[str, Any]] = []
    for i, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2:
            raise InvalidInput("fields", f"Línea {i}: escriba «nombre | Etiqueta | obligatorio».")
        word = parts[2].lower() if len(parts) > 2 else ""
        if word not in _REQUIRED_WORDS:
            raise InvalidInput("fields", f"Línea {i}: el tercer dato debe ser «obligatorio» u «opcional».")
        out.append(
            {
                "name": parts[0],
                "label": parts[1],
                "required": _REQUIRED_WORDS[word],
                "help": " | ".join(parts[3:]).strip(),
            }
        )
    return out


def format_field_lines(fields: Iterable[dict[str, Any]]) -> str:
    lines = []
    for f in fields or []:
        line = f"{f.get('name', '')} | {f.get('label', '')} | {'obligatorio' if f.get('required') else 'opcional'}"
        if f.get("help"):
            line += f" | {f['help']}"
        lines.append(line)
    return "\n".join(lines)


def parse_annex_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _validate_fields(fields: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(fields, (list, tuple)):
        errors["fields"] = "Los campos deben ser una lista."
        return []
    if len(fields) > MAX_FIELDS:
        errors["fields"] = f"Un trámite puede pedir como máximo {MAX_FIELDS} campos."
        return []
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, f in enumerate(fields, start=1):
        if not isinstance(f, dict):
            errors["fields"] = f"Campo {i}: formato no válido."
            return []
        name, label, help_ = _text(f.get("name")), _text(f.get("label")), _text(f.get("help"))
        if not SLUG_RE.fullmatch(name):
            errors["fields"] = (
                f"Campo {i}: el nombre «{name[:40]}» debe empezar con una letra minúscula y usar "
                "solo minúsculas sin tildes, números y guion bajo (ejemplo: numero_resolucion)."
            )
            return []
        if name in names:
            errors["fields"] = f"Campo {i}: el nombre «{name}» está repetido."
            return []
        if not label:
            errors["fields"] = f"Campo {i} ({name}): escriba la etiqueta que verá el ciudadano."
            return []
        if len(label) > 200 or len(help_) > 300:
            errors["fields"] = f"Campo {i} ({name}): etiqueta de hasta 200 caracteres y ayuda de hasta 300."
            return []
        names.add(name)
        out.append({"name": name, "label": label, "required": _as_bool(f.get("required")), "help": help_})
    return out


def _validate_annexes(annexes: Any, errors: dict[str, str]) -> list[str]:
    if not isinstance(annexes, (list, tuple)):
        errors["required_annexes"] = "Los anexos deben ser una lista."
        return []
    out: list[str] = []
    for i, a in enumerate(annexes, start=1):
        label = _text(a)
        if not label:
            errors["required_annexes"] = f"Anexo {i}: escriba su descripción."
            return []
        if len(label) > 200:
            errors["required_annexes"] = f"Anexo {i}: la descripción puede tener como máximo 200 caracteres."
            return []
        if label in out:
            errors["required_annexes"] = f"Anexo {i}: «{label}» está repetido."
            return []
        out.append(label)
    if len(out) > MAX_ANNEXES:
        errors["required_annexes"] = f"Un trámite puede pedir como máximo {MAX_ANNEXES} anexos."
        return []
    return out


def _validate_procedure(
    session: Session,
    *,
    name: Any,
    description: Any,
    category: Any,
    unit_id: Any,
    deadline_days: Any,
    fields: Any,
    required_annexes: Any,
    errors: dict[str, str],
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    name_s = _text(name)
    if not name_s:
        errors["name"] = "Escriba el nombre del trámite."
    elif len(name_s) > 300:
        errors["name"] = "El nombre puede tener como máximo 300 caracteres."
    clean["name"] = name_s
    desc = _text(description)
    if len(desc) > 2000:
        errors["description"] = "La descripción puede tener como máximo 2000 caracteres."
    clean["description"] = desc
    cat = _text(category)
    if cat not in CATEGORIES:
        errors["category"] = "Elija la categoría: administrativo o jurisdiccional."
    clean["category"] = cat
    uid = _as_int(unit_id)
    unit = session.get(Unit, uid) if uid is not None else None
    if unit is None:
        errors["unit_id"] = "Elija la unidad que atiende el trámite."
    elif not unit.active:
        errors["unit_id"] = f"La unidad {unit.name} está cerrada: elija una unidad activa."
    clean["unit_id"] = unit.id if unit else None
    days = _as_int(deadline_days)
    if days is None or not 1 <= days <= 365:
        errors["deadline_days"] = "El plazo debe ser un número de días hábiles entre 1 y 365."
    clean["deadline_days"] = days
    clean["fields"] = _validate_fields(fields, errors)
    clean["required_annexes"] = _validate_annexes(required_annexes, errors)
    return clean


def _procedure_data(p: Procedure) -> dict[str, Any]:
    return {
        "nombre": p.name,
        "descripcion": p.description,
        "categoria": p.category,
        "unidad": p.unit_id,
        "plazo": p.deadline_days,
        "publico": p.public,
        "activo": p.active,
        "campos": p.fields,
        "anexos": p.required_annexes,
    }


def create_procedure(
    session: Session,
    *,
    actor: Principal,
    code: str,
    name: str,
    description: str = "",
    category: str,
    unit_id: int,
    deadline_days: int,
    public: bool = True,
    active: bool = True,
    fields: Sequence[dict[str, Any]] = (),
    required_annexes: Sequence[str] = (),
) -> Procedure:
    """A new entry of the catalogue."""
    ensure_admin(actor, "crear trámites")
    errors: dict[str, str] = {}
    code_s = _text(code).upper()
    if not CODE_RE.fullmatch(code_s):
        errors["code"] = "El código debe tener de 2 a 20 caracteres: letras A-Z, números y guiones."
    elif session.exec(select(Procedure).where(Procedure.code == code_s)).first() is not None:
        errors["code"] = f"Ya existe un trámite con el código {code_s}."
    clean = _validate_procedure(
        session,
        name=name,
        description=description,
        category=category,
        unit_id=unit_id,
        deadline_days=deadline_days,
        fields=list(fields) if isinstance(fields, tuple) else fields,
        required_annexes=list(required_annexes) if isinstance(required_annexes, tuple) else required_annexes,
        errors=errors,
    )
    _raise(errors)
    proc = Procedure(code=code_s, public=_as_bool(public), active=_as_bool(active), **clean)
    session.add(proc)
    session.flush()
    _record(session, actor, "crear_procedimiento", "procedure", proc.code, _procedure_data(proc))
    return proc


def update_procedure(
    session: Session,
    *,
    actor: Principal,
    procedure_id: int,
    name: str,
    description: str,
    category: str,
    unit_id: int,
    deadline_days: int,
    public: bool,
    active: bool,
    fields: Sequence[dict[str, Any]],
    required_annexes: Sequence[str],
) -> Procedure:
    """Change a catalogue entry. Cases already filed keep their deadline and data."""
    ensure_admin(actor, "modificar trámites")
    proc = get_procedure(session, procedure_id)
    errors: dict[str, str] = {}
    clean = _validate_procedure(
        session,
        name=name,
        description=description,
        category=category,
        unit_id=unit_id,
        deadline_days=deadline_days,
        fields=list(fields) if isinstance(fields, tuple) else fields,
        required_annexes=list(required_annexes) if isinstance(required_annexes, tuple) else required_annexes,
        errors=errors,
    )
    _raise(errors)
    before = _procedure_data(proc)
    for key, value in clean.items():
        setattr(proc, key, value)
    proc.public = _as_bool(public)
    proc.active = _as_bool(active)
    session.add(proc)
    session.flush()
    after = _procedure_data(proc)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        _record(session, actor, "editar_procedimiento", "procedure", proc.code, changes)
    return proc


# ---------------------------------------------------------------- non-working days
def list_non_working_days(session: Session, *, since: date | None = None) -> list[NonWorkingDay]:
    q = select(NonWorkingDay).order_by(NonWorkingDay.day)
    if since is not None:
        q = q.where(NonWorkingDay.day >= since)
    return list(session.exec(q).all())


def add_non_working_day(session: Session, *, actor: Principal, day: date | str, reason: str) -> NonWorkingDay:
    """An institution non-working day (any date; deadlines computed from now on skip it)."""
    ensure_admin(actor, "registrar días no laborables")
    errors: dict[str, str] = {}
    d = _as_date(day, "day", errors, "fecha")
    if d is None and "day" not in errors:
        errors["day"] = "Elija la fecha."
    elif d is not None and session.get(NonWorkingDay, d) is not None:
        errors["day"] = f"El {d.strftime('%d/%m/%Y')} ya está registrado como día no laborable."
    why = _text(reason)
    if not why:
        errors["reason"] = "Escriba el motivo (por ejemplo, el decreto o la resolución que lo declara)."
    elif len(why) > 200:
        errors["reason"] = "El motivo puede tener como máximo 200 caracteres."
    _raise(errors)
    row = NonWorkingDay(day=d, reason=why)
    session.add(row)
    session.flush()
    _record(session, actor, "agregar_dia_no_laborable", "non_working_day", d.isoformat(), {"motivo": why})
    return row


def remove_non_working_day(session: Session, *, actor: Principal, day: date | str) -> None:
    ensure_admin(actor, "quitar días no laborables")
    errors: dict[str, str] = {}
    d = _as_date(day, "day", errors, "fecha")
    row = session.get(NonWorkingDay, d) if d is not None else None
    if row is None:
        raise NotFound("Ese día no está registrado como no laborable.")
    reason = row.reason
    session.delete(row)
    session.flush()
    _record(session, actor, "quitar_dia_no_laborable", "non_working_day", d.isoformat(), {"motivo": reason})
