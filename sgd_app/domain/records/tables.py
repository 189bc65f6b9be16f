"""The tables of records management (migration 0015): the classification scheme (series and
subseries under the sections, which are the organisational units), which series each procedure
and each internal document type goes to, the electronic file of every case (its series and
whether it is frozen) and the foliation indexes made at each closing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sgd_app.domain.models import utcnow


class RecordSeries(SQLModel, table=True):
    """A documentary series (or a subseries when ``parent_id`` is set) of the fondo, kept by a
    section (``unit_id``), with its retention at the office and at the central archive."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=20)
    name: str = Field(max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="recordseries.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    office_years: int = 2  # archivo de gestión
    central_years: int = 5  # archivo central
    disposition: str = Field(default="conservacion_permanente", max_length=30)
    access: str = Field(default="publico", max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ProcedureSeries(SQLModel, table=True):
    """The series every case of a procedure is classified in at filing."""

    procedure_id: int = Field(primary_key=True, foreign_key="procedure.id")
    series_id: int = Field(foreign_key="recordseries.id", index=True)


class DocTypeSeries(SQLModel, table=True):
    """The series every internal document of a type (memorando, informe, …) is classified in."""

    doc_type: str = Field(primary_key=True, max_length=20)
    series_id: int = Field(foreign_key="recordseries.id", index=True)


class DocumentSeries(SQLModel, table=True):
    """The series an internal document got when it was drafted."""

    internal_document_id: int = Field(primary_key=True, foreign_key="internaldocument.id")
    series_id: int = Field(foreign_key="recordseries.id", index=True)


class CaseFile(SQLModel, table=True):
    """The electronic file (expediente electrónico) of a case: its series, and ``frozen`` from its
    closing until a recorded reopening (database triggers refuse its documents meanwhile)."""

    expediente_id: int = Field(primary_key=True, foreign_key="expediente.id")
    series_id: int | None = Field(default=None, foreign_key="recordseries.id", index=True)
    frozen: bool = False
    closed_at: datetime | None = None
    index_version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    # Custody (migration 0017): gestion (the office) -> central (the central archive, after an
    # approved transfer inventory) -> eliminado (contents destroyed by an approved proposal).
    stage: str = Field(default="gestion", max_length=20, index=True, sa_column_kwargs={"server_default": "gestion"})
    transferred_at: datetime | None = None
    destroyed_at: datetime | None = None


class FileIndex(SQLModel, table=True):
    """One foliation index of a case, made when it was closed (version 1, 2, … after reopenings):
    the machine-readable index (JSON) and, once sealed, the PDF in the file store."""

    __table_args__ = (UniqueConstraint("expediente_id", "version", name="uq_fileindex_case_version"),)
    id: int | None = Field(default=None, primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    version: int
    index_json: str = Field(sa_column=Column(Text, nullable=False))
    pdf_sha256: str = Field(default="", max_length=64)
    verify_code: str = Field(default="", max_length=32, index=True)
    pages: int = 0
    closed_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    sealed_at: datetime | None = None


class LegalHold(SQLModel, table=True):
    """A legal hold on a case (litigation, audit by the Órgano de Control): while it is not
    lifted the file is neither transferred nor eliminated. Set and lifted with a reason."""

    id: int | None = Field(default=None, primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    reason: str = Field(max_length=500)
    set_by_id: int = Field(foreign_key="user.id")
    set_at: datetime = Field(default_factory=utcnow)
    lifted_by_id: int | None = Field(default=None, foreign_key="user.id")
    lifted_at: datetime | None = None
    lift_reason: str = Field(default="", max_length=500)


class RecordInventory(SQLModel, table=True):
    """An inventory of files: ``transferencia`` (office -> central archive) or ``eliminacion``
    (the elimination proposal). Prepared (its PDF sealed), then approved; an approved
    elimination proposal is then executed. Its rows stay forever."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)  # transferencia / eliminacion
    number: str = Field(max_length=30, unique=True)
    status: str = Field(default="preparado", max_length=20)  # preparado / aprobado / ejecutado
    data_json: str = Field(sa_column=Column(Text, nullable=False))
    pdf_sha256: str = Field(default="", max_length=64)
    verify_code: str = Field(default="", max_length=32, index=True)
    prepared_by_id: int = Field(foreign_key="user.id")
    prepared_at: datetime = Field(default_factory=utcnow)
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = None
    executed_at: datetime | None = None


class InventoryItem(SQLModel, table=True):
    """A file listed in an inventory."""

    inventory_id: int = Field(primary_key=True, foreign_key="recordinventory.id")
    expediente_id: int = Field(primary_key=True, foreign_key="expediente.id", index=True)
