"""The tables of the exchange between institutions (migration 0016): the directory of entities,
the CUO counter, the outbox of packages sent (with their answers) and the packages received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from sgd_app.domain.models import utcnow


class InteropEntity(SQLModel, table=True):
    """Another institution this one exchanges documents with (directory of entities).

    ``public_jwk`` verifies the manifests and answers it signs; ``client_id`` is the API client it
    uses to call us (a package arriving with that client's token comes from this entity);
    ``our_client_id`` is the client it registered for us at its side (we authenticate there with
    ``private_key_jwt`` and our interop key)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    ruc: str = Field(max_length=11, unique=True)
    category: str = Field(default="", max_length=80)  # e.g. "Organismo constitucionalmente autónomo"
    endpoint: str = Field(max_length=300)  # base URL of its SGD, e.g. https://sgd.example.gob.pe
    public_jwk: str = Field(sa_column=Column(Text, nullable=False))
    client_id: str = Field(default="", max_length=64, index=True)
    our_client_id: str = Field(default="", max_length=64)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deactivated_at: datetime | None = None


class InteropCounter(SQLModel, table=True):
    """The gap-free sequence of the CUO of one year (updated in the sending transaction)."""

    year: int = Field(primary_key=True)
    last: int = 0


class InteropSend(SQLModel, table=True):
    """A package sent (outbox row, written in the same transaction as the case's "sent" step) and
    what the addressee answered. ``status``: en_cola -> registrado | rechazado | fallido."""

    __table_args__ = (Index("ix_interopsend_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    cuo: str = Field(max_length=40, unique=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    entity_id: int = Field(foreign_key="interopentity.id", index=True)
    subject: str = Field(max_length=500)
    note: str = Field(default="", max_length=2000)
    document_ids: str = Field(max_length=500)  # "12 15 16", in package order
    manifest: str = Field(sa_column=Column(Text, nullable=False))  # the compact JWS, as sent
    status: str = Field(default="en_cola", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # the answer JWS
    answer_code: str = Field(default="", max_length=40)  # "" | rejection code
    receiver_number: str = Field(default="", max_length=40)  # the addressee's case number
    sent_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None


class InteropReceipt(SQLModel, table=True):
    """A package received and registered: a resend with the same CUO gets the same answer."""

    id: int | None = Field(default=None, primary_key=True)
    cuo: str = Field(max_length=40, unique=True)
    entity_id: int = Field(foreign_key="interopentity.id", index=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    sender_case_number: str = Field(default="", max_length=40)
    manifest_sha256: str = Field(max_length=64)
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # the answer JWS
    received_at: datetime = Field(default_factory=utcnow)
