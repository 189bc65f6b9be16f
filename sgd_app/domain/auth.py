"""Staff accounts: argon2id passwords, server-side sessions, roles, throttling of guesses."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from sgd_app.domain import audit
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import NotAuthenticated, TooManyAttempts
from sgd_app.domain.models import Delegation, Membership, StaffSession, Throttle, Unit, User, utcnow
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import ROLE_LABELS

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# A hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("contraseña-inexistente")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Principal:
    """Who is acting: the user and their units/roles, read fresh from the database."""

    user: User
    session_id: int
    memberships: list[tuple[Unit, str]] = field(default_factory=list)
    # Subrogación in force today: unit id -> id of the head this user acts for there.
    delegated: dict[int, int] = field(default_factory=dict)

    @property
    def unit_ids(self) -> set[int]:
        return {u.id for u, _ in self.memberships if u.id is not None}

    def roles_in(self, unit_id: int) -> set[str]:
        """Roles in one unit, a delegated head's role included."""
        roles = {r for u, r in self.memberships if u.id == unit_id}
        if unit_id in self.delegated:
            roles.add("head")
        return roles

    @property
    def roles(self) -> set[str]:
        return {r for _, r in self.memberships}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def actor(self) -> str:
        return f"user:{self.user.id}"


# ---------------------------------------------------------------- throttling
def throttle_delay(
    session: Session, key: str, *, free: int = 3, window_minutes: int = 15, max_delay: float = 30.0
) -> float:
    """Seconds to wait before answering an attempt for ``key`` (0 while under ``free`` failures)."""
    row = session.get(Throttle, key)
    if row is None or utcnow() - _aware(row.window_start) > timedelta(minutes=window_minutes):
        return 0.0
    if row.failures < free:
        return 0.0
    return min(max_delay, 2.0 ** (row.failures - free))


def throttle_fail(session: Session, key: str, *, window_minutes: int = 15) -> int:
    """Count one failure for ``key``; returns the failures in the current window."""
    now = utcnow()
    row = session.get(Throttle, key, with_for_update=True)
    if row is None:
        row = Throttle(key=key, failures=0, window_start=now)
        session.add(row)
    elif now - _aware(row.window_start) > timedelta(minutes=window_minutes):
        row.failures = 0
        row.window_start = now
    row.failures += 1
    row.last_failure_at = now
    session.flush()
    return row.failures


def throttle_reset(session: Session, key: str) -> None:
    row = session.get(Throttle, key)
    if row is not None:
        session.delete(row)


def _aware(dt: datetime) -> datetime:

    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ---------------------------------------------------------------- sessions
@act
def login(
    session: Session, *, username: str, password: str, ip: str = "", idle_minutes: int = 60, absolute_hours: int = 12
) -> str:
    """Check the password and open a session; returns the opaque token (only its hash is kept).

    Refusals never say whether the user exists. After MAX_FAILED_LOGINS failures the account is
    locked for LOCK_MINUTES minutes; each IP is also throttled.
    """
    now = utcnow()
    ip_key = f"login-ip:{ip}"
    ip_delay = throttle_delay(session, ip_key, free=10)
    if ip_delay >= 8:
        raise TooManyAttempts("Demasiados intentos desde su conexión. Espere unos minutos.", ip_delay)
    user = session.exec(select(User).where(User.username == (username or "").strip().lower())).first()
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        verify_password("", password)
        minutes = max(1, int((_aware(user.locked_until) - now).total_seconds() // 60) + 1)
        raise TooManyAttempts(
            f"La cuenta está bloqueada temporalmente por intentos fallidos. Intente en {minutes} min.",
            (_aware(user.locked_until) - now).total_seconds(),
        )
    ok = verify_password(user.password_hash if user else "", password or "")
    if not ok or user is None or not user.active:
        throttle_fail(session, ip_key)
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
                audit.record(
                    session,
                    actor="sistema",
                    action="bloquear_cuenta",
                    object_type="user",
                    object_id=user.id,
                    data={"ip": ip},
                )
            session.add(user)
        session.commit()
        raise NotAuthenticated("Usuario o contraseña incorrectos.")
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=ip[:64],
            expires_at=now + timedelta(hours=absolute_hours),
        )
    )
    audit.record(
        session, actor=f"user:{user.id}", action="ingresar", object_type="user", object_id=user.id, data={"ip": ip}
    )
    session.commit()
    return token


@query
def resolve(session: Session, token: str | None, *, idle_minutes: int = 60, touch: bool = True) -> Principal:
    """The principal behind a session token, or NotAuthenticated (missing, expired, revoked)."""
    if not token:
        raise NotAuthenticated("Inicie sesión para continuar.")
    now = utcnow()
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash(token))).first()
    if (
        row is None
        or row.revoked_at is not None
        or _aware(row.expires_at) <= now
        or now - _aware(row.last_seen_at) > timedelta(minutes=idle_minutes)
    ):
        raise NotAuthenticated("Su sesión terminó. Vuelva a ingresar.")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("Su sesión terminó. Vuelva a ingresar.")
    if touch and now - _aware(row.last_seen_at) > timedelta(minutes=1):
        session.execute(update(StaffSession).where(col(StaffSession.id) == row.id).values(last_seen_at=now))
        session.commit()
    pairs = session.exec(
        select(Unit, col(Membership.role))
        .join(Membership, col(Membership.unit_id) == col(Unit.id))
        .where(col(Membership.user_id) == user.id, col(Unit.active) == True)  # noqa: E712
        .order_by(col(Unit.name))
    ).all()
    assert row.id is not None and user.id is not None
    return Principal(
        user=user,
        session_id=row.id,
        memberships=[(u, r) for u, r in pairs],
        delegated=delegations_in_force(session, user.id),
    )


def delegations_in_force(session: Session, user_id: int, today=None) -> dict[int, int]:
    """Units where ``user_id`` acts for a head today (the head must still be head there)."""
    today = today or utcnow().astimezone(LIMA).date()
    rows = session.exec(
        select(col(Delegation.unit_id), col(Delegation.from_user_id))
        .join(
            Membership,
            (col(Membership.user_id) == col(Delegation.from_user_id))
            & (col(Membership.unit_id) == col(Delegation.unit_id))
            & (col(Membership.role) == "head"),
        )
        .where(
            col(Delegation.to_user_id) == user_id,
            col(Delegation.revoked_at) == None,  # noqa: E711
            col(Delegation.starts_on) <= today,
            col(Delegation.ends_on) >= today,
        )
    ).all()
    return {unit_id: from_id for unit_id, from_id in rows}


@act
def logout(session: Session, token: str | None) -> None:
    if not token:
        return
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, actor=f"user:{row.user_id}", action="salir", object_type="user", object_id=row.user_id)
        session.commit()


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    password: str,
    memberships: list[tuple[Unit, str]],
    email: str = "",
    actor: str = "sistema",
) -> User:
    user = User(
        username=username.strip().lower(), full_name=full_name, email=email, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    for unit, role in memberships:
        if role not in ROLE_LABELS:
            raise ValueError(f"unknown role {role}")
        assert unit.id is not None and user.id is not None
        session.add(Membership(user_id=user.id, unit_id=unit.id, role=role))
    audit.record(
        session,
        actor=actor,
        action="crear_usuario",
        object_type="user",
        object_id=user.id,
        data={"username": user.username, "roles": [[u.code, r] for u, r in memberships]},
    )
    return user


# ---------------------------------------------------------------- signed links
def sign_token(secret: bytes, purpose: str, subject: str, *, ttl_seconds: int, now: float | None = None) -> str:
    """A short-lived, unguessable link token for ``purpose`` + ``subject`` (HMAC-SHA256)."""
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    mac = hmac.new(secret, f"{purpose}|{subject}|{expires}".encode(), hashlib.sha256).hexdigest()[:40]
    return f"{expires}.{mac}"


def check_token(secret: bytes, purpose: str, subject: str, token: str, *, now: float | None = None) -> bool:
    try:
        expires_s, mac = (token or "").split(".", 1)
        expires = int(expires_s)
    except ValueError:
        return False
    if expires < (now if now is not None else time.time()):
        return False
    good = hmac.new(secret, f"{purpose}|{subject}|{expires}".encode(), hashlib.sha256).hexdigest()[:40]
    return hmac.compare_digest(good, mac)
