"""The tables of the OAuth2 API clients (migration 0014): the registered clients, the access
tokens revoked before they expire, the client assertions already used (RFC 7523 ``jti``, no
replay) and the answers of POST requests by idempotency key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sgd_app.domain.models import utcnow


class ApiClient(SQLModel, table=True):
    """A system of another institution (or a tool) allowed to call /api/v1/ext. It acts with
    the units and roles of its service account (``user_id``): it sees what that account sees."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    ruc: str = Field(max_length=11)
    scopes: str = Field(max_length=500)  # space-separated, e.g. "expedientes:leer verificacion"
    auth_method: str = Field(max_length=30)  # "private_key_jwt" | "client_secret"
    secret_hash: str = Field(default="", max_length=200)  # argon2id of the secret (client_secret only)
    public_jwk: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # private_key_jwt
    user_id: int = Field(foreign_key="user.id", index=True)
    rate_limit: str = Field(default="", max_length=40)  # "" : the api-client rule; else e.g. "120/minute"
    active: bool = True
    created_by: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow)
    deactivated_at: datetime | None = None


class ApiRevokedToken(SQLModel, table=True):
    """An access token revoked (RFC 7009) before its expiry; the row can go once it expired."""

    jti: str = Field(primary_key=True, max_length=64)
    client_pk: int = Field(foreign_key="apiclient.id", index=True)
    expires_at: datetime
    revoked_at: datetime = Field(default_factory=utcnow)


class ApiAssertionUse(SQLModel, table=True):
    """A client assertion (private_key_jwt) already presented: the same ``jti`` is refused."""

    __table_args__ = (UniqueConstraint("client_pk", "jti", name="uq_apiassertionuse_client_jti"),)
    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="apiclient.id", index=True)
    jti: str = Field(max_length=200)
    expires_at: datetime


class ApiIdempotency(SQLModel, table=True):
    """The answer given to a client's POST with an ``Idempotency-Key``: a resend gets it again."""

    __table_args__ = (UniqueConstraint("client_pk", "key", name="uq_apiidempotency_client_key"),)
    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="apiclient.id", index=True)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)  # method, path and body: another request under the key is a 422
    status: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
