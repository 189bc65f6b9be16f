"""The two tables of single sign-on (migration 0012): which provider identity is which staff
account, and the provider's ID token of each staff session opened through it (for logout)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sgd_app.domain.models import utcnow


class ExternalIdentity(SQLModel, table=True):
    """An account at the institution's identity provider (issuer + subject) linked to a user,
    by an administrator's mapping or by the provider's verified e-mail (``linked_by``)."""

    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_externalidentity_issuer_subject"),)
    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="user.id", index=True)
    email: str = Field(default="", max_length=200)  # the e-mail claim when it was linked (display only)
    linked_by: str = Field(max_length=60)  # "user:<id>" of the administrator, or "correo"
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class SsoSession(SQLModel, table=True):
    """A staff session opened through the provider: the ID token is the ``id_token_hint`` of
    RP-initiated logout (its claims are the user's own; the row goes with the session's logout)."""

    staff_session_id: int = Field(primary_key=True, foreign_key="staffsession.id")
    identity_id: int = Field(foreign_key="externalidentity.id", index=True)
    id_token: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
