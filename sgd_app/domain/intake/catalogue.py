"""The procedures a filer can choose, and the checks of the wizard's steps that need one.

The catalogue is read from the database once per worker and kept in memory (:func:`snapshot`):
a page view or a wizard step reads no procedure from the database. An administrator's change
bumps the ``catalogo`` version (domain/cache_versions.py) in its own transaction; this process
drops its copy right after the commit, every other worker or process when it next compares the
version (at most every :data:`CHECK_SECONDS`). Called with a session, the functions below read
the database itself (inside a transaction that must see its own changes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sgd_app import db
from sgd_app.domain import cache_versions
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.intake.validation import IncomingFile, validate_details, validate_file_counts
from sgd_app.domain.models import Procedure, Unit

# How often a worker compares its cached catalogue's version with the database's (one primary-key
# read); the worker where the administrator saved drops its copy at once.
CHECK_SECONDS = 2.0

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


def _offered(session: Session, *, public_only: bool) -> list[Procedure]:
    where = [Procedure.active == True]  # noqa: E712
    if public_only:
        where.append(Procedure.public == True)  # noqa: E712
    found = session.exec(select(Procedure).where(*where).order_by(Procedure.category, Procedure.name)).all()
    return sorted(found, key=lambda p: p.code == GENERAL_REQUEST)  # the catch-all comes last


def _offer_of(proc: Procedure, unit_name: str) -> ProcedureOffer:
    return ProcedureOffer(
        code=proc.code,
        name=proc.name,
        unit_name=unit_name,
        deadline_days=proc.deadline_days,
        fields=list(proc.fields or []),
        required_annexes=list(proc.required_annexes or []),
        requirements=list(proc.requirements or []),
        fee=proc.fee or "Gratuito",
    )


@dataclass
class Snapshot:
    """The catalogue as one worker keeps it: read-only, shared by every visitor."""

    version: int
    public: list[Procedure]  # on offer online, in the order of the list
    active: list[Procedure]  # on offer at the desk
    unit_names: dict[int, str]
    # Views derived from this snapshot by the screens (e.g. the cards), computed once per version.
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def derived(self, key: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._derived:
                self._derived[key] = make()
            return self._derived[key]

    def find(self, code: str, *, public_only: bool) -> Procedure:
        for proc in self.public if public_only else self.active:
            if proc.code == code:
                return proc
        raise InvalidInput("procedure", "Elija un trámite de la lista.")


_snapshots: dict[str, tuple[Snapshot, float]] = {}  # engine URL -> (snapshot, last version check)
_snapshots_lock = threading.Lock()


def _forget() -> None:
    with _snapshots_lock:
        _snapshots.clear()


cache_versions.on_commit(cache_versions.CATALOGUE, _forget)


def snapshot(engine: Engine | None = None) -> Snapshot:
    """The catalogue of this worker, reloaded when its version in the database has changed."""
    eng = engine or db.engine()
    key = eng.url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _snapshots_lock:
        hit = _snapshots.get(key)
    if hit is not None and now - hit[1] < CHECK_SECONDS:
        return hit[0]
    with db.session(eng) as s:  # the version first: the procedures read after it are at least as new
        version = cache_versions.current(s, cache_versions.CATALOGUE)
        if hit is not None and hit[0].version == version:
            fresh = hit[0]
        else:
            active = _offered(s, public_only=False)
            units = {u.id: u.name for u in s.exec(select(Unit)).all() if u.id is not None}
            fresh = Snapshot(version, [p for p in active if p.public], active, units)
    with _snapshots_lock:
        _snapshots[key] = (fresh, now)
    return fresh


def offered_procedures(
    session: Session | None = None, *, public_only: bool = True, engine: Engine | None = None
) -> list[Procedure]:
    """The procedures on offer, by category and name, the "Solicitud general" last: the public
    ones online, every active one at the desk. Without a session, from the worker's cache."""
    if session is not None:
        return _offered(session, public_only=public_only)
    snap = snapshot(engine)
    return list(snap.public if public_only else snap.active)


def procedure_offer(
    first: Session | str, code: str = "", *, public_only: bool = True, engine: Engine | None = None
) -> ProcedureOffer:
    """The chosen procedure with its unit's name; InvalidInput("procedure") when it is not on offer.
    ``procedure_offer(code)`` reads the worker's cache, ``procedure_offer(session, code)`` the database."""
    if isinstance(first, Session):
        session = first
        proc = get_procedure(session, code, public_only=public_only)
        unit = session.get(Unit, proc.unit_id)
        return _offer_of(proc, unit.name if unit else "")
    snap = snapshot(engine)
    proc = snap.find(first, public_only=public_only)
    return _offer_of(proc, snap.unit_names.get(proc.unit_id, ""))


def _chosen(session: Session | None, engine: Engine | None, code: str, public_only: bool) -> Procedure:
    if session is not None:
        return get_procedure(session, code, public_only=public_only)
    return snapshot(engine).find(code, public_only=public_only)


def check_details(
    session: Session | None = None,
    *,
    procedure_code: str,
    subject: str,
    fields: dict[str, str],
    public_only: bool = True,
    engine: Engine | None = None,
) -> dict[str, str]:
    """The errors of the "Su pedido" step (empty when the subject and fields are right)."""
    proc = _chosen(session, engine, procedure_code, public_only)
    return validate_details(proc, subject, fields)[2]


def check_file_roles(
    session: Session | None = None,
    *,
    procedure_code: str,
    roles: Sequence[str],
    public_only: bool = True,
    engine: Engine | None = None,
) -> dict[str, str]:
    """The errors of the "Archivos" step from the roles of the files attached so far."""
    proc = _chosen(session, engine, procedure_code, public_only)
    return validate_file_counts(proc, [IncomingFile("", b"", role) for role in roles])
