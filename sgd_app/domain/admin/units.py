"""Organisational units, kept as a tree: create, edit, close (when no open case is left) and reopen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from sgd_app.domain import cache_versions
from sgd_app.domain.admin.common import (
    CODE_RE,
    KINDS,
    active_admin_ids,
    as_date,
    as_int,
    clean_text,
    ensure_admin,
    raise_errors,
    record,
)
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Conflict, NotFound
from sgd_app.domain.models import Expediente, Procedure, Unit, pk
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import CLOSED_STATUSES, today_lima


def get_unit(session: Session, unit_id: Any) -> Unit:
    uid = as_int(unit_id)
    unit = session.get(Unit, uid) if uid is not None else None
    if unit is None:
        raise NotFound("La unidad no existe.")
    return unit


@query
def list_units_tree(session: Session) -> list[tuple[Unit, int]]:
    """Every unit with its depth, parents before children, siblings by name. A unit whose parent
    is missing is shown as a root; a cycle (never written by this module) cannot loop."""
    units = session.exec(select(Unit)).all()
    by_id = {u.id: u for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        parent = u.parent_id if u.parent_id in by_id and u.parent_id != u.id else None
        children.setdefault(parent, []).append(u)
    for group in children.values():
        group.sort(key=lambda u: (not u.active, u.name.lower()))
    out: list[tuple[Unit, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for u in children.get(parent, []):
            if u.id in seen:
                continue
            assert u.id is not None
            seen.add(u.id)
            out.append((u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    for u in sorted(units, key=lambda u: u.name.lower()):  # units caught in a cycle, if any
        if u.id not in seen:
            assert u.id is not None
            seen.add(u.id)
            out.append((u, 0))
            walk(u.id, 1)
    return out


def descendant_ids(session: Session, unit_id: int) -> set[int]:
    pairs = session.exec(select(pk(Unit), col(Unit.parent_id))).all()
    kids: dict[int, list[int]] = {}
    for uid, pid in pairs:
        if pid is not None:
            kids.setdefault(pid, []).append(uid)
    found: set[int] = set()
    stack = [unit_id]
    while stack:
        for k in kids.get(stack.pop(), []):
            if k not in found:
                found.add(k)
                stack.append(k)
    return found


@dataclass
class UnitToEdit:
    unit: Unit
    parents: list[tuple[Unit, int]]  # (unit, depth) it may be moved under


@query
def unit_to_edit(session: Session, *, actor: Principal, unit_id: Any) -> UnitToEdit:
    """A unit and the units it may depend on: not itself nor one of its dependants, and only
    active ones (besides its current parent)."""
    ensure_admin(actor, "modificar unidades")
    unit = get_unit(session, unit_id)
    assert unit.id is not None  # read from the database
    below = descendant_ids(session, unit.id) | {unit.id}
    parents = [
        (u, depth)
        for u, depth in list_units_tree(session)
        if u.id not in below and (u.active or u.id == unit.parent_id)
    ]
    return UnitToEdit(unit, parents)


def _validate_unit(
    session: Session,
    *,
    unit: Unit | None,
    code: Any,
    name: Any,
    kind: Any,
    parent_id: Any,
    place: Any,
    valid_from: Any,
    valid_to: Any,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if unit is None:
        code_s = clean_text(code).upper()
        if not code_s:
            errors["code"] = "Escriba el código de la unidad."
        elif not CODE_RE.fullmatch(code_s):
            errors["code"] = "El código debe tener de 2 a 20 caracteres: letras A-Z, números y guiones."
        elif session.exec(select(Unit).where(Unit.code == code_s)).first() is not None:
            errors["code"] = f"Ya existe una unidad con el código {code_s}."
        clean["code"] = code_s
    name_s = clean_text(name)
    if not name_s:
        errors["name"] = "Escriba el nombre de la unidad."
    elif len(name_s) > 200:
        errors["name"] = "El nombre puede tener como máximo 200 caracteres."
    clean["name"] = name_s
    kind_s = clean_text(kind)
    if kind_s not in KINDS:
        errors["kind"] = "Elija el tipo de unidad: dirección, oficina, oficina desconcentrada o temporal."
    clean["kind"] = kind_s
    place_s = clean_text(place)
    if not place_s:
        errors["place"] = "Escriba la sede (ciudad) de la unidad."
    elif len(place_s) > 80:
        errors["place"] = "La sede puede tener como máximo 80 caracteres."
    clean["place"] = place_s
    parent: Unit | None = None
    if parent_id not in (None, ""):
        pid = as_int(parent_id)
        parent = session.get(Unit, pid) if pid is not None else None
        if parent is None:
            errors["parent_id"] = "La unidad superior elegida no existe."
        elif (
            unit is not None
            and unit.id is not None
            and (parent.id == unit.id or parent.id in descendant_ids(session, unit.id))
        ):
            errors["parent_id"] = "Una unidad no puede depender de sí misma ni de una de sus dependencias."
        elif not parent.active and (unit is None or unit.active):
            errors["parent_id"] = f"La unidad superior {parent.name} está cerrada."
    clean["parent_id"] = parent.id if parent is not None else None
    vf = as_date(valid_from, "valid_from", errors, "fecha de inicio")
    vt = as_date(valid_to, "valid_to", errors, "fecha de cierre")
    if kind_s == "temporal":
        if vf is None and "valid_from" not in errors:
            errors["valid_from"] = "Una unidad temporal necesita fecha de inicio."
        if vt is None and "valid_to" not in errors:
            errors["valid_to"] = "Una unidad temporal necesita fecha de cierre."
    if vf and vt and vf > vt:
        errors["valid_to"] = "La fecha de cierre no puede ser anterior a la fecha de inicio."
    clean["valid_from"], clean["valid_to"] = vf, vt
    raise_errors(errors)
    return clean


def _unit_data(u: Unit) -> dict[str, Any]:
    return {
        "codigo": u.code,
        "nombre": u.name,
        "tipo": u.kind,
        "superior": u.parent_id,
        "sede": u.place,
        "desde": u.valid_from,
        "hasta": u.valid_to,
        "activa": u.active,
    }


@act
def create_unit(
    session: Session,
    *,
    actor: Principal,
    code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    place: str = "Lima",
    valid_from: date | str | None = None,
    valid_to: date | str | None = None,
) -> Unit:
    """A new unit: dirección, oficina, oficina desconcentrada or temporal (with its dates)."""
    ensure_admin(actor, "crear unidades")
    clean = _validate_unit(
        session,
        unit=None,
        code=code,
        name=name,
        kind=kind,
        parent_id=parent_id,
        place=place,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    unit = Unit(**clean, active=True)
    session.add(unit)
    session.flush()
    record(session, actor, "crear_unidad", "unit", unit.code, _unit_data(unit))
    return unit


@act
def update_unit(
    session: Session,
    *,
    actor: Principal,
    unit_id: int,
    name: str,
    kind: str,
    parent_id: int | None = None,
    place: str = "Lima",
    valid_from: date | str | None = None,
    valid_to: date | str | None = None,
) -> Unit:
    """Change a unit's name, kind, place, parent or dates. The code never changes: it is the
    unit's identifier in the audit trail and in the seed data."""
    ensure_admin(actor, "modificar unidades")
    unit = get_unit(session, unit_id)
    clean = _validate_unit(
        session,
        unit=unit,
        code=unit.code,
        name=name,
        kind=kind,
        parent_id=parent_id,
        place=place,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    before = _unit_data(unit)
    for key, value in clean.items():
        setattr(unit, key, value)
    session.add(unit)
    session.flush()
    after = _unit_data(unit)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:  # saving an unchanged form is not an event
        record(session, actor, "editar_unidad", "unit", unit.code, changes)
        cache_versions.bump(session, cache_versions.CATALOGUE)  # the catalogue shows unit names
    return unit


@query
def open_cases_count(session: Session, unit_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Expediente)
        .where(col(Expediente.current_unit_id) == unit_id, col(Expediente.status).not_in(CLOSED_STATUSES))
    ).one()


@act
def close_unit(session: Session, *, actor: Principal, unit_id: int, on: date | None = None) -> Unit:
    """Close a unit (e.g. a special electoral jury after its election). Refused while it still has
    open cases, active dependent units or active procedures, or if it would leave no admin."""
    ensure_admin(actor, "cerrar unidades")
    unit = get_unit(session, unit_id)
    if not unit.active:
        raise Conflict(f"La unidad {unit.name} ya está cerrada.")
    n = open_cases_count(session, unit.id)
    if n:
        raise Conflict(
            f"No se puede cerrar {unit.name}: tiene {n} expediente{'s' if n != 1 else ''} "
            f"abierto{'s' if n != 1 else ''}. Derívelos o concluya su atención antes de cerrarla."
        )
    kids = session.exec(select(Unit.name).where(Unit.parent_id == unit.id, Unit.active == True)).all()  # noqa: E712
    if kids:
        raise Conflict(
            f"No se puede cerrar {unit.name}: primero cierre o reubique sus "
            f"{len(kids)} unidad{'es' if len(kids) != 1 else ''} dependiente{'s' if len(kids) != 1 else ''} "
            f"activa{'s' if len(kids) != 1 else ''} ({', '.join(sorted(kids))})."
        )
    procs = session.exec(select(Procedure.code).where(Procedure.unit_id == unit.id, Procedure.active == True)).all()  # noqa: E712
    if procs:
        raise Conflict(
            f"No se puede cerrar {unit.name}: los trámites {', '.join(sorted(procs))} se dirigen a "
            "esta unidad. Asígnelos a otra unidad o desactívelos primero."
        )
    if not active_admin_ids(session, except_unit=unit.id):
        raise Conflict(
            "No se puede cerrar la única unidad con administradores: el sistema quedaría sin administrador activo."
        )
    unit.active = False
    if unit.valid_to is None:
        unit.valid_to = on or today_lima()
    session.add(unit)
    session.flush()
    record(session, actor, "cerrar_unidad", "unit", unit.code, {"hasta": unit.valid_to})
    return unit


@act
def reopen_unit(session: Session, *, actor: Principal, unit_id: int) -> Unit:
    """Open a closed unit again (its dependants stay as they are)."""
    ensure_admin(actor, "reabrir unidades")
    unit = get_unit(session, unit_id)
    if unit.active:
        raise Conflict(f"La unidad {unit.name} ya está activa.")
    if unit.parent_id is not None:
        parent = session.get(Unit, unit.parent_id)
        if parent is not None and not parent.active:
            raise Conflict(f"Reabra primero la unidad superior {parent.name}.")
    unit.active = True
    if unit.kind != "temporal":
        unit.valid_to = None
    elif unit.valid_to is not None and unit.valid_to < today_lima():
        # A temporary unit reopened after its end date: it runs again until an admin sets a new end.
        unit.valid_to = None
    session.add(unit)
    session.flush()
    record(session, actor, "reabrir_unidad", "unit", unit.code, {"hasta": unit.valid_to})
    return unit
