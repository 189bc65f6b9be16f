"""Staff accounts: create, roles per unit, activate or deactivate, reset the password, unlock."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import update
from sqlmodel import Session, col, select

from sgd_app.domain import auth, ratelimit
from sgd_app.domain.admin.common import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    USERNAME_RE,
    active_admin_ids,
    as_int,
    clean_text,
    ensure_admin,
    raise_errors,
    record,
)
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Conflict, InvalidInput, NotFound
from sgd_app.domain.models import Membership, StaffSession, Unit, User, utcnow
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import Role


@dataclass
class UserWithRoles:
    user: User
    memberships: list[tuple[Unit, str]]


def get_user(session: Session, user_id: Any) -> User:
    uid = as_int(user_id)
    user = session.get(User, uid) if uid is not None else None
    if user is None:
        raise NotFound("El usuario no existe.")
    return user


@query
def list_users(session: Session) -> list[UserWithRoles]:
    users = session.exec(select(User).order_by(User.full_name)).all()
    pairs = session.exec(
        select(col(Membership.user_id), Unit, col(Membership.role))
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .order_by(col(Unit.name), col(Membership.role))
    ).all()
    by_user: dict[int | None, list[tuple[Unit, str]]] = {}
    for uid, unit, role in pairs:
        by_user.setdefault(uid, []).append((unit, role))
    return [UserWithRoles(u, by_user.get(u.id, [])) for u in users]


@query
def user_to_edit(session: Session, *, actor: Principal, user_id: Any) -> UserWithRoles:
    """One account with its units and roles, for the password and roles forms."""
    ensure_admin(actor, "modificar usuarios")
    user = get_user(session, user_id)
    pairs = session.exec(
        select(Unit, Membership.role)
        .join(Membership, col(Membership.unit_id) == col(Unit.id))
        .where(Membership.user_id == user.id)
        .order_by(col(Unit.name), col(Membership.role))
    ).all()
    return UserWithRoles(user, [(unit, role) for unit, role in pairs])


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
    kept: Collection[tuple[int, str]] = frozenset(),
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
        unit = session.get(Unit, as_int(unit_id)) if as_int(unit_id) is not None else None
        role_s = clean_text(role)
        if unit is None:
            errors[field] = "Una de las unidades elegidas no existe."
            return []
        if not unit.active and (unit.id, role_s) not in kept:
            errors[field] = f"La unidad {unit.name} está cerrada: elija una unidad activa."
            return []
        if role_s not in Role.labels():
            errors[field] = (
                "Elija un rol válido: mesa de partes, servidor(a), jefe(a), directivo(a) o administrador(a)."
            )
            return []
        assert unit.id is not None
        if (unit.id, role_s) not in seen:
            seen.add((unit.id, role_s))
            out.append((unit, role_s))
    return out


@act
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
    uname = clean_text(username).lower()
    if not uname:
        errors["username"] = "Escriba el nombre de usuario."
    elif not USERNAME_RE.fullmatch(uname):
        errors["username"] = (
            "El usuario debe tener de 3 a 60 caracteres, empezar con una letra y usar solo "
            "minúsculas, números, punto, guion o guion bajo."
        )
    elif session.exec(select(User).where(User.username == uname)).first() is not None:
        errors["username"] = f"El usuario {uname} ya existe."
    name = clean_text(full_name)
    if not name:
        errors["full_name"] = "Escriba los nombres y apellidos."
    elif len(name) > 200:
        errors["full_name"] = "Los nombres pueden tener como máximo 200 caracteres."
    mail = clean_text(email)
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
    raise_errors(errors)
    return auth.create_user(
        session, username=uname, full_name=name, password=pw, memberships=pairs, email=mail, actor=actor.actor
    )


@act
def set_memberships(
    session: Session, *, actor: Principal, user_id: int, memberships: Sequence[tuple[int, str]]
) -> list[tuple[Unit, str]]:
    """Replace a user's units/roles. Refused if the system would be left with no active admin."""
    ensure_admin(actor, "cambiar roles")
    user = get_user(session, user_id)
    old = session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    errors: dict[str, str] = {}
    pairs = _validate_memberships(session, memberships, errors, kept={(m.unit_id, m.role) for m in old})
    raise_errors(errors)
    keeps_admin = user.active and any(role == Role.ADMIN and unit.active for unit, role in pairs)
    if not keeps_admin and not active_admin_ids(session, except_user=user.id):
        raise InvalidInput(
            "memberships", "No puede quitar este rol de administrador: es el único administrador activo del sistema."
        )
    before = sorted([session.get_one(Unit, m.unit_id).code, m.role] for m in old)
    after = sorted([u.code, r] for u, r in pairs)
    if before == after:
        return pairs
    for m in old:
        session.delete(m)
    session.flush()
    for unit, role in pairs:
        assert unit.id is not None and user.id is not None
        session.add(Membership(user_id=user.id, unit_id=unit.id, role=role))
    session.flush()
    record(
        session, actor, "cambiar_roles", "user", user.id, {"usuario": user.username, "antes": before, "despues": after}
    )
    return pairs


def _revoke_sessions(session: Session, user_id: int, *, keep: int | None = None) -> int:
    q = update(StaffSession).where(col(StaffSession.user_id) == user_id, col(StaffSession.revoked_at).is_(None))
    if keep is not None:
        q = q.where(col(StaffSession.id) != keep)
    return session.exec(q.values(revoked_at=utcnow())).rowcount or 0


@act
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
        if not active_admin_ids(session, except_user=user.id):
            raise Conflict("No puede desactivar al único administrador activo del sistema.")
        assert user.id is not None
        revoked = _revoke_sessions(session, user.id)
    else:
        auth.bump_lock_generation(session, user)  # reactivated with no lock-out left over
    user.active = active
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "activar_usuario" if active else "desactivar_usuario",
        "user",
        user.id,
        {"usuario": user.username, "sesiones_cerradas": revoked},
    )
    return user


@act
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
    raise_errors(errors)
    user.password_hash = auth.hash_password(pw)
    auth.bump_lock_generation(session, user)
    session.add(user)
    assert user.id is not None
    revoked = _revoke_sessions(session, user.id, keep=actor.session_id if user.id == actor.user.id else None)
    session.flush()
    record(
        session, actor, "restablecer_clave", "user", user.id, {"usuario": user.username, "sesiones_cerradas": revoked}
    )
    return user


@act
def unlock(session: Session, *, actor: Principal, user_id: Any) -> User:
    """Lift every login lock-out of an account ("Desbloquear"): all its counters start afresh,
    from every address and device (the lock generation in their keys changes)."""
    ensure_admin(actor, "desbloquear cuentas")
    user = get_user(session, user_id)
    was_locked = auth.locked_for_unknown_sources(user) > 0
    auth.bump_lock_generation(session, user)
    session.flush()
    record(
        session,
        actor,
        "desbloquear_cuenta",
        "user",
        user.id,
        {"usuario": user.username, "bloqueada_para_equipos_nuevos": was_locked},
    )
    return user


def lock_notice(user: User) -> str:
    """What the admin list says of an account locked for unknown sources ("" when it is not)."""
    seconds = auth.locked_for_unknown_sources(user)
    if not seconds:
        return ""
    until = utcnow() + timedelta(seconds=seconds)
    return f"Bloqueada para equipos nuevos hasta {ratelimit.when_es(until)}"
