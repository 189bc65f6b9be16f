"""The procedures a filer can choose, and the checks of the wizard's steps that need one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.intake.validation import IncomingFile, validate_details, validate_file_counts
from sgd_app.domain.models import Procedure, Unit
from sgd_app.domain.transaction import query

# The "Solicitud general": for anything that is not in the list (seeded with the catalogue).
GENERAL_REQUEST = "SOL-GEN"


@dataclass
class ProcedureOffer:
    """What the wizard shows of the chosen procedure."""

    code: str
    name: str
    unit_name: str
    deadline_days: int
    fields: list[dict[str, Any]] = field(default_factory=list)
    required_annexes: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    fee: str = "Gratuito"


def deadline_words(days: int) -> str:
    """The deadline in plain words: "Le responden en un máximo de 3 días hábiles"."""
    n = max(int(days or 0), 1)
    return f"Le responden en un máximo de {n} día{'s' if n != 1 else ''} hábil{'es' if n != 1 else ''}"


def get_procedure(session: Session, code: str, *, public_only: bool = True) -> Procedure:
    """The active procedure with this code (public ones only online); refuses any other."""
    proc = session.exec(select(Procedure).where(Procedure.code == code)).first()
    if proc is None or not proc.active or (public_only and not proc.public):
        raise InvalidInput("procedure", "Elija un trámite de la lista.")
    return proc


def public_procedures(session: Session) -> list[Procedure]:
    return offered_procedures(session, public_only=True)


@query
def offered_procedures(session: Session, *, public_only: bool = True) -> list[Procedure]:
    """The procedures on offer, by category and name, the "Solicitud general" last: the public
    ones online, every active one at the desk."""
    where = [Procedure.active == True]  # noqa: E712
    if public_only:
        where.append(Procedure.public == True)  # noqa: E712
    found = session.exec(select(Procedure).where(*where).order_by(Procedure.category, Procedure.name)).all()
    return sorted(found, key=lambda p: p.code == GENERAL_REQUEST)  # the catch-all comes last


@query
def procedure_offer(session: Session, code: str, *, public_only: bool = True) -> ProcedureOffer:
    """The chosen procedure with its unit's name; InvalidInput("procedure") when it is not on offer."""
    proc = get_procedure(session, code, public_only=public_only)
    unit = session.get(Unit, proc.unit_id)
    return ProcedureOffer(
        code=proc.code,
        name=proc.name,
        unit_name=unit.name if unit else "",
        deadline_days=proc.deadline_days,
        fields=list(proc.fields or []),
        required_annexes=list(proc.required_annexes or []),
        requirements=list(proc.requirements or []),
        fee=proc.fee or "Gratuito",
    )


@query
def check_details(
    session: Session, *, procedure_code: str, subject: str, fields: dict[str, str], public_only: bool = True
) -> dict[str, str]:
    """The errors of the "Su pedido" step (empty when the subject and fields are right)."""
    proc = get_procedure(session, procedure_code, public_only=public_only)
    return validate_details(proc, subject, fields)[2]


@query
def check_file_roles(
    session: Session, *, procedure_code: str, roles: Sequence[str], public_only: bool = True
) -> dict[str, str]:
    """The errors of the "Archivos" step from the roles of the files attached so far."""
    proc = get_procedure(session, procedure_code, public_only=public_only)
    return validate_file_counts(proc, [IncomingFile("", b"", role) for role in roles])
