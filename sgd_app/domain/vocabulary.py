"""The words of the business in one place: case statuses, channels, categories, priorities and
staff roles (stored values in English or Spanish slugs, Spanish labels for the screen), and
today's date in Lima."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum

from sgd_app.domain.calendar import LIMA


class _Labelled(StrEnum):
    """A vocabulary whose members carry their Spanish label."""

    @property
    def label(self) -> str:
        return _LABELS[type(self)][self]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Stored value -> Spanish label, in declaration order."""
        return {m.value: m.label for m in cls}


class CaseStatus(_Labelled):
    REGISTRADO = "registrado"
    OBSERVADO = "observado"
    SUBSANADO = "subsanado"
    EN_TRAMITE = "en_tramite"
    ATENDIDO = "atendido"
    ARCHIVADO = "archivado"
    ACUMULADO = "acumulado"
    NO_PRESENTADO = "no_presentado"


class Channel(_Labelled):
    VIRTUAL = "virtual"
    PRESENCIAL = "presencial"
    INTEROPERABILIDAD = "interoperabilidad"
    API = "api"  # filed by another institution's system through /api/v1/ext (OAuth2 client)


class Category(_Labelled):
    ADMINISTRATIVO = "administrativo"
    JURISDICCIONAL = "jurisdiccional"


class Priority(_Labelled):
    NORMAL = "normal"
    URGENTE = "urgente"
    MUY_URGENTE = "muy_urgente"


class Role(_Labelled):
    CLERK = "clerk"
    OFFICER = "officer"
    HEAD = "head"
    MANAGER = "manager"
    ADMIN = "admin"
    ARCHIVIST = "archivist"  # jefe(a) del archivo central: transfer inventories, holds, disposal
    COMMITTEE = "committee"  # comité evaluador de documentos: approves elimination proposals


_LABELS: dict[type[_Labelled], dict[_Labelled, str]] = {
    CaseStatus: {
        CaseStatus.REGISTRADO: "Registrado",
        CaseStatus.OBSERVADO: "Observado",
        CaseStatus.SUBSANADO: "Subsanado",
        CaseStatus.EN_TRAMITE: "En trámite",
        CaseStatus.ATENDIDO: "Atendido",
        CaseStatus.ARCHIVADO: "Archivado",
        CaseStatus.ACUMULADO: "Acumulado",
        CaseStatus.NO_PRESENTADO: "No presentado",
    },
    Channel: {
        Channel.VIRTUAL: "Mesa de Partes Virtual",
        Channel.PRESENCIAL: "Mesa de Partes presencial",
        Channel.INTEROPERABILIDAD: "Interoperabilidad",
        Channel.API: "API de clientes (sistema de otra entidad)",
    },
    Category: {Category.ADMINISTRATIVO: "Administrativo", Category.JURISDICCIONAL: "Jurisdiccional"},
    Priority: {Priority.NORMAL: "Normal", Priority.URGENTE: "Urgente", Priority.MUY_URGENTE: "Muy urgente"},
    Role: {
        Role.CLERK: "Mesa de partes",
        Role.OFFICER: "Servidor(a)",
        Role.HEAD: "Jefe(a) de unidad",
        Role.MANAGER: "Directivo(a)",
        Role.ADMIN: "Administrador(a)",
        Role.ARCHIVIST: "Jefe(a) del Archivo Central",
        Role.COMMITTEE: "Comité Evaluador de Documentos",
    },
}


def today_lima() -> date:
    """Today's date in Lima (the legal calendar of the institution)."""
    return datetime.now(UTC).astimezone(LIMA).date()


STATUS_LABELS = CaseStatus.labels()
CHANNEL_LABELS = Channel.labels()
# Short channel names for the columns of reports and exports.
CHANNEL_SHORT_LABELS = {
    Channel.VIRTUAL: "Virtual",
    Channel.PRESENCIAL: "Presencial",
    Channel.INTEROPERABILIDAD: "Interoperabilidad",
    Channel.API: "API",
}
CATEGORY_LABELS = Category.labels()
PRIORITY_LABELS = Priority.labels()
ROLE_LABELS = Role.labels()

# The types of document the institution issues inside a case (drafting, records classification).
DOC_TYPES = {
    "memorando": "Memorando",
    "informe": "Informe",
    "oficio": "Oficio",
    "carta": "Carta",
    "resolucion": "Resolución",
}

# Statuses in which the unit holding a case may still route it (receive, derive, return, close).
OPEN_STATUSES = (CaseStatus.REGISTRADO, CaseStatus.EN_TRAMITE, CaseStatus.SUBSANADO)
# Statuses in which a case still waits for someone (an observed case waits for its filer).
ACTIVE_STATUSES = (*OPEN_STATUSES, CaseStatus.OBSERVADO)
# Statuses of a case whose processing has ended (an accumulated case goes on inside another).
CLOSED_STATUSES = (CaseStatus.ATENDIDO, CaseStatus.ARCHIVADO, CaseStatus.ACUMULADO, CaseStatus.NO_PRESENTADO)

# Case numbers: EXP-<year>-<n>, six digits at least.
NUMBER_PREFIX = "EXP"
_NUMBER_INPUT = re.compile(r"\s*(?:EXP[\s\-]*)?(\d{4})[\s\-/]+0*(\d{1,9})\s*")


def format_number(year: int, seq: int) -> str:
    """The canonical case number of the ``seq``-th filing of ``year``."""
    return f"{NUMBER_PREFIX}-{year}-{seq:06d}"


def parse_number(text: str) -> str | None:
    """Accept 'EXP-2026-000123', '2026-123', 'exp 2026 123' -> canonical number, or None."""
    m = _NUMBER_INPUT.fullmatch((text or "").upper())
    if not m:
        return None
    return format_number(int(m.group(1)), int(m.group(2)))
