"""What every administration act shares: the administrator check, the audit record, the
parsing of form values, and the limits of codes, names, passwords and catalogue entries."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain import audit
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Forbidden, InvalidInputs
from sgd_app.domain.models import Membership, Unit, User
from sgd_app.domain.vocabulary import Role

KINDS = {
    "direccion": "Dirección",
    "oficina": "Oficina",
    "od": "Oficina desconcentrada",
    "temporal": "Unidad temporal",
}

CODE_RE = re.compile(r"[A-Z0-9-]{2,20}")
USERNAME_RE = re.compile(r"[a-z][a-z0-9._-]{2,59}")
SLUG_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_FIELDS = 20
MAX_ANNEXES = 10


# ---------------------------------------------------------------- access
def ensure_admin(actor: Principal, doing: str = "administrar el sistema") -> None:
    """Refuse anyone who is not an administrator (in an active unit, as resolved at sign-in)."""
    if actor is None or not actor.has_role(Role.ADMIN):
        raise Forbidden(f"Solo un administrador puede {doing}.")


def active_admin_ids(session: Session, *, except_user: int | None = None, except_unit: int | None = None) -> set[int]:
    """Active users holding the admin role in an active unit (optionally ignoring one user, or
    the memberships in one unit) — to refuse changes that leave nobody able to administer."""
    q = (
        select(col(Membership.user_id), col(Membership.unit_id))
        .join(User, col(User.id) == col(Membership.user_id))
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .where(col(Membership.role) == Role.ADMIN, col(User.active) == True, col(Unit.active) == True)  # noqa: E712
    )
    return {uid for uid, unit_id in session.exec(q).all() if uid != except_user and unit_id != except_unit}


def record(
    session: Session, actor: Principal, action: str, object_type: str, object_id: Any, data: dict[str, Any]
) -> None:
    audit.record(session, actor=actor.actor, action=action, object_type=object_type, object_id=object_id, data=data)


# ---------------------------------------------------------------- parsing helpers
def clean_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def as_date(value: Any, field: str, errors: dict[str, str], label: str) -> date | None:
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


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "si", "sí", "yes")
    return bool(value)


def raise_errors(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInputs(errors)
