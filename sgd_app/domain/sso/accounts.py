"""Who a provider identity is here: an administrator's mapping (issuer + subject -> user), or,
when configured, the provider's verified e-mail; the roles that follow a group claim; and the
act that opens the staff session once the ID token has been validated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from sgd_app.domain import audit, auth
from sgd_app.domain.admin.common import ensure_admin
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.models import Membership, StaffSession, Unit, User, utcnow
from sgd_app.domain.sso.config import SsoConfig
from sgd_app.domain.sso.errors import SsoRefused
from sgd_app.domain.sso.tables import ExternalIdentity, SsoSession
from sgd_app.domain.transaction import act, query


@dataclass(frozen=True)
class Opened:
    token: str
    user_id: int
    username: str


def _conn(ip: str, claims: dict[str, Any]) -> dict[str, Any]:
    return {"ip": ip, "sub": str(claims.get("sub", ""))[:255], "iss": str(claims.get("iss", ""))[:300]}


@act
def record_refusal(session: Session, *, reason: str, detail: str, ip: str, issuer: str, subject: str = "") -> None:
    """A sign-in through the provider that opened nothing: why, in the audit trail (its own transaction)."""
    audit.record(
        session,
        actor="sistema",
        action="rechazar_ingreso_sso",
        object_type="conexion",
        object_id=ip or "?",
        data={"motivo": reason, "detalle": detail[:300], "iss": issuer, "sub": subject[:255]},
    )


def _by_email(session: Session, claims: dict[str, Any]) -> User | None:
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str) or "@" not in email:
        return None
    users = session.exec(select(User).where(func.lower(col(User.email)) == email.strip().lower())).all()
    return users[0] if len(users) == 1 else None  # two accounts with one e-mail: an administrator decides


def _sync_roles(session: Session, config: SsoConfig, user: User, claims: dict[str, Any]) -> None:
    """The (unit, role) pairs named in SGD_OIDC_GROUP_ROLES follow the group claim; the rest stay."""
    if not config.group_roles:
        return
    raw = claims.get(config.groups_claim, [])
    groups = {g for g in raw if isinstance(g, str)} if isinstance(raw, list) else set()
    wanted = {(g.unit_code, g.role) for g in config.group_roles if g.group in groups}
    codes = sorted({code for code, _ in config.managed_pairs})
    units = {u.code: u for u in session.exec(select(Unit).where(col(Unit.code).in_(codes))).all()}
    held = {(m.unit_id, m.role): m for m in session.exec(select(Membership).where(Membership.user_id == user.id)).all()}
    added, removed = [], []
    for code, role in sorted(config.managed_pairs):
        unit = units.get(code)
        if unit is None or unit.id is None:
            continue
        has = (unit.id, role) in held
        if (code, role) in wanted and not has:
            assert user.id is not None
            session.add(Membership(user_id=user.id, unit_id=unit.id, role=role))
            added.append([code, role])
        elif (code, role) not in wanted and has:
            session.execute(delete(Membership).where(col(Membership.id) == held[(unit.id, role)].id))
            removed.append([code, role])
    if added or removed:
        audit.record(
            session,
            actor="sistema",
            action="sincronizar_roles_sso",
            object_type="user",
            object_id=user.id,
            data={"agregados": added, "quitados": removed, "grupos": sorted(groups)[:50]},
        )


@act
def open_session(
    session: Session, *, config: SsoConfig, claims: dict[str, Any], id_token: str, ip: str, absolute_hours: int
) -> Opened:
    """After a valid ID token: find (or, by verified e-mail, link) the staff account, bring its
    group-mapped roles up to date, open the session. One transaction: all of it or nothing."""
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    identity = session.exec(
        select(ExternalIdentity).where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
    ).first()
    user = session.get(User, identity.user_id) if identity else None
    if identity is None and config.linking == "email":
        user = _by_email(session, claims)
        if user is not None:
            assert user.id is not None
            identity = ExternalIdentity(
                issuer=issuer,
                subject=subject,
                user_id=user.id,
                email=str(claims.get("email", ""))[:200],
                linked_by="correo",
            )
            session.add(identity)
            session.flush()
            audit.record(
                session,
                actor="sistema",
                action="vincular_identidad",
                object_type="user",
                object_id=user.id,
                data={"iss": issuer, "sub": subject, "por": "correo verificado", "correo": identity.email},
            )
    if identity is None or user is None:
        raise SsoRefused("no_vinculada", f"sin vínculo para sub={subject!r}")
    if not user.active:
        raise SsoRefused("inactiva", f"usuario {user.username} desactivado")
    _sync_roles(session, config, user, claims)
    token, row = auth.open_session(session, user, ip=ip, absolute_hours=absolute_hours)
    assert row.id is not None and identity.id is not None and user.id is not None
    session.add(SsoSession(staff_session_id=row.id, identity_id=identity.id, id_token=id_token))
    identity.last_sign_in_at = utcnow()
    session.add(identity)
    audit.record(
        session,
        actor=f"user:{user.id}",
        action="ingresar_sso",
        object_type="user",
        object_id=user.id,
        data=_conn(ip, claims),
    )
    return Opened(token=token, user_id=user.id, username=user.username)


@act
def sign_out(session: Session, token: str | None) -> str | None:
    """End the local session; the ID token it was opened with (the logout's ``id_token_hint``),
    or None for a password session. The stored token goes with the session."""
    if not token:
        return None
    row = session.exec(
        select(SsoSession)
        .join(StaffSession, col(StaffSession.id) == col(SsoSession.staff_session_id))
        .where(StaffSession.token_hash == auth.token_hash(token))
    ).first()
    id_token = row.id_token if row is not None else None
    if row is not None:
        session.delete(row)
        session.flush()
    auth.logout(session, token)
    return id_token


# ---------------------------------------------------------------- the administrator's mapping
SUBJECT_MAX = 255


@act
def link_identity(
    session: Session, *, by: Principal | None, username: str, subject: str, issuer: str
) -> ExternalIdentity:
    """Link the provider's account ``subject`` (its ``sub`` claim) to the staff user ``username``.
    ``by`` is the administrator (None: the operator's command line)."""
    if by is not None:
        ensure_admin(by, "vincular cuentas institucionales")
    subject = (subject or "").strip()
    if not subject or len(subject) > SUBJECT_MAX or "\x00" in subject:
        raise InvalidInput("sujeto", "Escriba el identificador (sub) de la cuenta institucional.")
    user = session.exec(select(User).where(User.username == (username or "").strip().lower())).first()
    if user is None or user.id is None:
        raise NotFound("No existe ese usuario.")
    taken = session.exec(
        select(ExternalIdentity).where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
    ).first()
    if taken is not None:
        raise InvalidInput("sujeto", "Esa cuenta institucional ya está vinculada a un usuario.")
    identity = ExternalIdentity(
        issuer=issuer, subject=subject, user_id=user.id, linked_by=by.actor if by is not None else "cli"
    )
    session.add(identity)
    session.flush()
    audit.record(
        session,
        actor=by.actor if by is not None else "cli",
        action="vincular_identidad",
        object_type="user",
        object_id=user.id,
        data={"iss": issuer, "sub": subject, "por": "administrador" if by is not None else "línea de órdenes"},
    )
    return identity


@query
def identities_of(session: Session, user_id: int) -> list[ExternalIdentity]:
    return list(session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == user_id)).all())


@dataclass(frozen=True)
class LinkRow:
    id: int
    username: str
    full_name: str
    subject: str
    linked_by: str
    created_at: datetime
    last_sign_in_at: datetime | None


@query
def list_identities(session: Session, *, by: Principal, issuer: str) -> list[LinkRow]:
    """Every provider account linked to a staff user (administrators only), newest first."""
    ensure_admin(by, "ver las cuentas institucionales vinculadas")
    rows = session.exec(
        select(ExternalIdentity, User)
        .join(User, col(User.id) == col(ExternalIdentity.user_id))
        .where(ExternalIdentity.issuer == issuer)
        .order_by(col(ExternalIdentity.id).desc())
    ).all()
    return [
        LinkRow(
            id=i.id or 0,
            username=u.username,
            full_name=u.full_name,
            subject=i.subject,
            linked_by={"correo": "correo verificado", "cli": "línea de órdenes"}.get(i.linked_by, "administrador"),
            created_at=i.created_at,
            last_sign_in_at=i.last_sign_in_at,
        )
        for i, u in rows
    ]


@act
def unlink_identity(session: Session, *, by: Principal, identity_id: int) -> None:
    """Remove a link: the person can no longer sign in through the provider as that user (the
    sessions already open through it end with the link)."""
    ensure_admin(by, "desvincular cuentas institucionales")
    identity = session.get(ExternalIdentity, identity_id)
    if identity is None:
        raise NotFound("Esa vinculación ya no existe.")
    open_ids = session.exec(select(SsoSession.staff_session_id).where(SsoSession.identity_id == identity_id)).all()
    if open_ids:
        session.execute(delete(SsoSession).where(col(SsoSession.identity_id) == identity_id))
        session.execute(
            update(StaffSession)
            .where(col(StaffSession.id).in_(open_ids), col(StaffSession.revoked_at) == None)  # noqa: E711
            .values(revoked_at=utcnow())
        )
    session.delete(identity)
    audit.record(
        session,
        actor=by.actor,
        action="desvincular_identidad",
        object_type="user",
        object_id=identity.user_id,
        data={"iss": identity.issuer, "sub": identity.subject, "sesiones_cerradas": len(open_ids)},
    )
