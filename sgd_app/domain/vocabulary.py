"""The words of the business in one place: case statuses, channels, categories, priorities and
staff roles (stored values in English or Spanish slugs, Spanish labels for the screen), and
today's date in Lima."""

from __future__ import annotations

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
    },
    Category: {Category.ADMINISTRATIVO: "Administrativo", Category.JURISDICCIONAL: "Jurisdiccional"},
    Priority: {Priority.NORMAL: "Normal", Priority.URGENTE: "Urgente", Priority.MUY_URGENTE: "Muy urgente"},
    Role: {
        Role.CLERK: "Mesa de partes",
        Role.OFFICER: "Servidor(a)",
        Role.HEAD: "Jefe(a) de unidad",
        Role.MANAGER: "Directivo(a)",
        Role.ADMIN: "Administrador(a)",
    },
}

# A case in one of these statuses is closed: it no longer needs its unit.
FINISHED_STATUSES = (CaseStatus.ATENDIDO, CaseStatus.ARCHIVADO, CaseStatus.NO_PRESENTADO)


def today_lima() -> date:
    """Today's date in Lima (the legal calendar of the institution)."""
    return datetime.now(UTC).astimezone(LIMA).date()
