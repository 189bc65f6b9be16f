"""Acting on several cases of the inbox at once (recibir, derivar, archivar).

Nothing here decides anything about a case: every case goes, one by one, through the SAME act as
the single action on the case page (:func:`receive`, :func:`derive`, :func:`archive`), each in
its own transaction, with the case's version read in that transaction. One refusal is reported
with its Spanish reason and the others go on; nothing already done is undone.

"All the cases matching the filters" is resolved here, when the run starts, from the inbox's own
tab and filter rules (never from rows a browser sent), and bounded by :data:`MAX_CASES`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sgd_app.domain.access import get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import load_calendar
from sgd_app.domain.errors import DomainError, InvalidInput, InvalidInputs
from sgd_app.domain.models import Expediente
from sgd_app.domain.routing.actions import archive, derive, receive
from sgd_app.domain.routing.delegation import active_units
from sgd_app.domain.routing.inbox import InboxFilters, _filter_clauses, _tab_where
from sgd_app.domain.routing.rules import today_lima
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import PRIORITY_LABELS

logger = logging.getLogger(__name__)

MAX_CASES = 500
ACTIONS = {"recibir": "recibido", "derivar": "derivado", "archivar": "archivado"}
BULK_TABS = ("por_recibir", "en_tramite", "por_vencer")  # tabs whose rows are cases (not route steps)
TOO_MANY = f"Puede actuar sobre {MAX_CASES} expedientes a la vez como máximo."
MSG_INTERNAL = "error interno; inténtelo de nuevo."


@dataclass(frozen=True)
class BulkResult:
    """The outcome for one case of the batch."""

    number: str
    ok: bool
    message: str  # "recibido" / "derivado" / "archivado", or why not (Spanish)

    @property
    def line(self) -> str:
        return f"{self.number}: {self.message}" if self.ok else f"{self.number}: no se pudo: {self.message}"


@dataclass(frozen=True)
class BulkInput:
    """What every case of a derivation or an archive gets (the same for all)."""

    to_unit_id: int | None = None
    to_user_id: int | None = None
    instructions: str = ""
    priority: str | None = None
    due_days: int | None = None
    reason: str = ""


def check_input(action: str, data: BulkInput) -> None:
    """Refuse, once and next to its field, what would make every case fail the same way. Each
    case's act checks all of it again."""
    if action not in ACTIONS:
        raise InvalidInput("accion", "Elija una acción: recibir, derivar o archivar.")
    errors: dict[str, str] = {}
    if action == "derivar":
        if not data.to_unit_id:
            errors["to_unit"] = "Elija la unidad de destino."
        if len(" ".join(data.instructions.split())) > 2000:
            errors["instructions"] = "El proveído es demasiado largo (máximo 2000 caracteres)."
        if data.priority is not None and data.priority not in PRIORITY_LABELS:
            errors["priority"] = "Elija una prioridad."
        if data.due_days is not None and not 1 <= data.due_days <= 60:
            errors["due_days"] = "El plazo debe estar entre 1 y 60 días hábiles."
    if action == "archivar" and len(" ".join(data.reason.split())) < 5:
        errors["reason"] = "Explique el motivo del archivo."
    if errors:
        raise InvalidInputs(errors)


@query
def matching_numbers(
    session: Session, who: Principal, *, tab: str, filters: InboxFilters = InboxFilters(), limit: int = MAX_CASES
) -> list[str]:
    """The numbers of every case of ``tab`` of ``who``'s inbox that matches ``filters``, in the
    inbox's order; InvalidInput when they are more than ``limit``."""
    if tab not in BULK_TABS:
        raise InvalidInput("seleccion", "En esta pestaña no hay acciones en bloque.")
    units = sorted(set(who.unit_ids) | set(who.delegated))
    if not units:
        return []
    limit_due = load_calendar(session).add_business_days(today_lima(), 2)
    _kind, clauses = _tab_where(tab, units, limit_due)
    clauses = clauses + _filter_clauses(filters)
    total = int(session.exec(select(func.count()).select_from(Expediente).where(*clauses)).one())
    if total > limit:
        raise InvalidInput("seleccion", f"Son {total} expedientes. {TOO_MANY} Afine los filtros.")
    rows = session.exec(
        select(col(Expediente.number)).where(*clauses).order_by(col(Expediente.current_due_on), col(Expediente.id))
    ).all()
    return list(rows)


@query
def destinations(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every active unit a batch may be derived to (derive() checks each case)."""
    return [(u.id, u.name) for u in active_units(session) if u.id is not None]


@act
def _one(session: Session, *, who: Principal, number: str, action: str, data: BulkInput) -> None:
    """One case, in its own transaction: the single act, at the version read here."""
    version = get_case(session, who, number).version
    if action == "recibir":
        receive(session, who=who, number=number, version=version)
    elif action == "derivar":
        derive(
            session,
            who=who,
            number=number,
            version=version,
            to_unit_id=data.to_unit_id,
            to_user_id=data.to_user_id,
            instructions=data.instructions,
            priority=data.priority,
            due_days=data.due_days,
        )
    else:
        archive(session, who=who, number=number, version=version, reason=data.reason)


def _reason(exc: DomainError) -> str:
    if isinstance(exc, InvalidInputs):
        return " ".join(dict.fromkeys(exc.errors.values()))
    return exc.message


def bulk(
    who: Principal,
    numbers: Iterable[str],
    action: str,
    data: BulkInput = BulkInput(),
    *,
    engine: Engine | None = None,
) -> Iterator[BulkResult]:
    """Apply ``action`` to each case, one transaction each, yielding one result per case as it is
    done (so a screen can show progress). The input is checked before the first case
    (:func:`check_input`, InvalidInput(s)); more than :data:`MAX_CASES` numbers are refused."""
    check_input(action, data)
    todo = list(dict.fromkeys(str(n).strip().upper() for n in numbers if str(n).strip()))
    if len(todo) > MAX_CASES:
        raise InvalidInput("seleccion", TOO_MANY)
    return _run(who, todo, action, data, engine)


def _run(who: Principal, todo: list[str], action: str, data: BulkInput, engine: Engine | None) -> Iterator[BulkResult]:
    done = ACTIONS[action]
    for number in todo:
        try:
            _one(who=who, number=number, action=action, data=data, engine=engine)
        except DomainError as exc:
            yield BulkResult(number, False, _reason(exc))
        except Exception:  # one broken case must not stop the others
            logger.exception("Fallo en la acción en bloque %s sobre %s", action, number)
            yield BulkResult(number, False, MSG_INTERNAL)
        else:
            yield BulkResult(number, True, done)


__all__ = [
    "ACTIONS",
    "BULK_TABS",
    "MAX_CASES",
    "BulkInput",
    "BulkResult",
    "bulk",
    "check_input",
    "destinations",
    "matching_numbers",
]
