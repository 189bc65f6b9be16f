"""Staff accounts: argon2id passwords, server-side sessions, roles, limits on password guessing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from sgd_app.domain import audit, ratelimit
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import NotAuthenticated
from sgd_app.domain.models import Delegation, KnownDevice, Membership, StaffSession, Unit, User, utcnow
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import ROLE_LABELS, Role

DEVICES_KEPT = 10  # known devices remembered per user (the most recently used)
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# A hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("contraseña-inexistente")


PASSWORDS_OFF = "Su cuenta ingresa con la cuenta institucional: use «Ingresar con la cuenta institucional»."


class PasswordsOff(NotAuthenticated):
    """A right password of an account that may not use local passwords (SGD_LOCAL_PASSWORDS)."""


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


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ---------------------------------------------------------------- sign-in and its limits
@dataclass
class SignIn:
    token: str  # the session token (only its hash is kept)
    device_token: str  # a new device token for the browser to keep ("" when the device was known)


def _known_device(session: Session, user: User | None, device_token: str, device_days: int) -> KnownDevice | None:
    if user is None or not device_token:
        return None
    row = session.exec(
        select(KnownDevice).where(KnownDevice.token_hash == token_hash(device_token), KnownDevice.user_id == user.id)
    ).first()
    if row is None or utcnow() - _aware(row.created_at) > timedelta(days=device_days):
        return None
    return row


def login_limits(username: str, generation: int, *, ip: str, device_id: int | None) -> list[tuple[str, tuple]]:
    """The named limits an attempt counts against. From a known device: (account, device) only.
    From anywhere else: the address, (account, address) and, with a much higher cap, the account
    itself, whose lock-out keeps out unknown sources only. The lock generation is part of every
    account key, so an administrator's unlock starts every counter afresh."""
    account = (username, f"g{generation}")
    if device_id is not None:
        return [("login-device", (*account, f"d{device_id}"))]
    return [("login-ip", (ip or "?",)), ("login-source", (*account, ip or "?")), ("login-account", account)]


def _audit_limit(session: Session, user: User | None, action: str, rule: str, ip: str, device: bool) -> None:
    obj_type: str
    obj_id: object
    if rule == "login-ip":
        obj_type, obj_id = "conexion", ip or "?"
    elif user is not None:
        obj_type, obj_id = "user", user.id
    else:
        return  # no such account: nothing to lock or unlock (the answer is the same all the same)
    data = {"ip": ip, "limite": rule, "origen": "equipo conocido" if device else "equipo desconocido"}
    audit.record(session, actor="sistema", action=action, object_type=obj_type, object_id=obj_id, data=data)


@act
def sign_in(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str = "",
    device_token: str = "",
    idle_minutes: int = 60,
    absolute_hours: int = 12,
    device_days: int = 180,
    local_passwords: str = "todos",
    break_glass: frozenset[str] = frozenset(),
) -> SignIn:
    """Check the password and open a session; a browser seen for the first time gets a device token.

    Refusals never say whether the user exists (an unknown name is counted and locked the same
    way). Failures count against the limits of :func:`login_limits`; reaching one locks those keys
    (audited), and refused attempts are audited once per lock-out.
    """
    now = utcnow()
    name = (username or "").strip().lower()
    user = session.exec(select(User).where(User.username == name)).first()
    device = _known_device(session, user, device_token, device_days)
    limits = login_limits(name, user.lock_generation if user else 0, ip=ip, device_id=device.id if device else None)
    for rule, keys in limits:
        try:
            ratelimit.check(rule, *keys)
        except ratelimit.Limited as exc:
            if not exc.waiting and ratelimit.first_refusal(rule, *keys):
                _audit_limit(session, user, "rechazar_ingreso_bloqueado", rule, ip, device is not None)
                session.commit()
            raise
    ok = verify_password(user.password_hash if user else "", password or "")
    if not ok or user is None or not user.active:
        for rule, keys in limits:
            if ratelimit.hit(rule, *keys):
                _audit_limit(session, user, "bloquear_cuenta", rule, ip, device is not None)
        session.commit()
        raise NotAuthenticated("Usuario o contraseña incorrectos.")
    for rule, keys in limits:
        if rule != "login-account":  # the account-wide count is not a single source's to reset
            ratelimit.clear(rule, *keys)
    assert user.id is not None
    if not may_use_password(session, user, local_passwords=local_passwords, break_glass=break_glass):
        # Said only after a right password, so it reveals nothing to someone guessing.
        audit.record(
            session,
            actor=f"user:{user.id}",
            action="rechazar_ingreso",
            object_type="user",
            object_id=user.id,
            data={"ip": ip, "motivo": "contraseña local desactivada: solo la cuenta institucional"},
        )
        session.commit()
        raise PasswordsOff(PASSWORDS_OFF)
    new_device = ""
    if device is None:
        new_device = secrets.token_urlsafe(32)
        session.add(KnownDevice(user_id=user.id, token_hash=token_hash(new_device), created_at=now, last_used_at=now))
        _forget_old_devices(session, user.id)
    else:
        device.last_used_at = now
        session.add(device)
    token, _row = open_session(session, user, ip=ip, absolute_hours=absolute_hours)
    audit.record(
        session,
        actor=f"user:{user.id}",
        action="ingresar",
        object_type="user",
        object_id=user.id,
        data={"ip": ip, "equipo": "conocido" if device else "nuevo"},
    )
    session.commit()
    return SignIn(token=token, device_token=new_device)


def open_session(session: Session, user: User, *, ip: str, absolute_hours: int) -> tuple[str, StaffSession]:
    """The one way a staff session starts (password or single sign-on): a random token for the
    browser's HttpOnly cookie, only its hash kept. Part of the caller's act (it audits how)."""
    assert user.id is not None
    now = utcnow()
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        ip=ip[:64],
        expires_at=now + timedelta(hours=absolute_hours),
    )
    session.add(row)
    session.flush()
    return token, row


def may_use_password(session: Session, user: User, *, local_passwords: str, break_glass: frozenset[str]) -> bool:
    """Local passwords on for everyone ("todos"), or only for break-glass administrators
    ("emergencia"): the usernames in ``break_glass`` holding the admin role, or every
    administrator when the list is empty."""
    if local_passwords != "emergencia":
        return True
    if break_glass and user.username not in break_glass:
        return False
    return (
        session.exec(
            select(Membership.id).where(Membership.user_id == user.id, Membership.role == Role.ADMIN).limit(1)
        ).first()
        is not None
    )


def _forget_old_devices(session: Session, user_id: int) -> None:
    session.flush()
    old = session.exec(
        select(KnownDevice.id)
        .where(KnownDevice.user_id == user_id)
        .order_by(col(KnownDevice.last_used_at).desc(), col(KnownDevice.id).desc())
        .offset(DEVICES_KEPT)
    ).all()
    if old:
        session.execute(delete(KnownDevice).where(col(KnownDevice.id).in_(old)))


def login(*args: Any, **kwargs: Any) -> str:
    """:func:`sign_in` for callers that keep no device token (tests, benchmarks): the session token."""
    return sign_in(*args, **kwargs).token


def bump_lock_generation(session: Session, user: User) -> None:
    """Forget every login counter and lock-out of ``user`` at once (the caller audits why)."""
    user.lock_generation = (user.lock_generation or 0) + 1
    session.add(user)


def locked_for_unknown_sources(user: User) -> float:
    """Seconds the account-wide lock-out still keeps unknown sources out (0: none)."""
    return ratelimit.retry_after("login-account", user.username, f"g{user.lock_generation or 0}")


# ---------------------------------------------------------------- sessions
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
    assert row.id is not None
    return principal_for(session, user, session_id=row.id)


def principal_for(session: Session, user: User, *, session_id: int = 0) -> Principal:
    """A user's units, roles and delegations in force, read fresh (a staff session, or the
    service account of an API client with ``session_id`` 0)."""
    pairs = session.exec(
        select(Unit, col(Membership.role))
        .join(Membership, col(Membership.unit_id) == col(Unit.id))
        .where(col(Membership.user_id) == user.id, col(Unit.active) == True)  # noqa: E712
        .order_by(col(Unit.name))
    ).all()
    assert user.id is not None
    return Principal(
        user=user,
        session_id=session_id,
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
