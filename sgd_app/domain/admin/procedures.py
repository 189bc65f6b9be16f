"""The procedure catalogue: codes, categories, deadlines, the fields and annexes a filing asks for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, select

from sgd_app.domain import cache_versions
from sgd_app.domain.admin.common import (
    CODE_RE,
    MAX_ANNEXES,
    MAX_FIELDS,
    SLUG_RE,
    as_bool,
    as_int,
    clean_text,
    ensure_admin,
    raise_errors,
    record,
)
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.models import Procedure, Unit
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import CATEGORY_LABELS


@query
def list_procedures(session: Session) -> list[tuple[Procedure, Unit | None]]:
    procs = session.exec(select(Procedure).order_by(Procedure.name)).all()
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    return [(p, units.get(p.unit_id)) for p in procs]


def get_procedure(session: Session, procedure_id: Any) -> Procedure:
    pid = as_int(procedure_id)
    proc = session.get(Procedure, pid) if pid is not None else None
    if proc is None:
        raise NotFound("El trámite no existe.")
    return proc


@query
def procedure_to_edit(session: Session, *, actor: Principal, procedure_id: Any) -> Procedure:
    """A catalogue entry, for its edit form."""
    ensure_admin(actor, "modificar trámites")
    return get_procedure(session, procedure_id)


_REQUIRED_WORDS = {
    "obligatorio": True,
    "requerido": True,
    "si": True,
    "sí": True,
    "1": True,
    "opcional": False,
    "no": False,
    "0": False,
    "": False,
}


def parse_field_lines(text: str) -> list[dict[str, Any]]:
    """Fields written one per line as ``nombre | Etiqueta | obligatorio | ayuda`` (the last two
    are optional; "opcional" or nothing means not required). Errors name the line."""
    out: list[dict[str, Any]] = []
    for i, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2:
            raise InvalidInput("fields", f"Línea {i}: escriba «nombre | Etiqueta | obligatorio».")
        word = parts[2].lower() if len(parts) > 2 else ""
        if word not in _REQUIRED_WORDS:
            raise InvalidInput("fields", f"Línea {i}: el tercer dato debe ser «obligatorio» u «opcional».")
        out.append(
            {
                "name": parts[0],
                "label": parts[1],
                "required": _REQUIRED_WORDS[word],
                "help": " | ".join(parts[3:]).strip(),
            }
        )
    return out


def format_field_lines(fields: Iterable[dict[str, Any]]) -> str:
    lines = []
    for f in fields or []:
        line = f"{f.get('name', '')} | {f.get('label', '')} | {'obligatorio' if f.get('required') else 'opcional'}"
        if f.get("help"):
            line += f" | {f['help']}"
        lines.append(line)
    return "\n".join(lines)


def parse_annex_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _validate_fields(fields: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(fields, (list, tuple)):
        errors["fields"] = "Los campos deben ser una lista."
        return []
    if len(fields) > MAX_FIELDS:
        errors["fields"] = f"Un trámite puede pedir como máximo {MAX_FIELDS} campos."
        return []
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, f in enumerate(fields, start=1):
        if not isinstance(f, dict):
            errors["fields"] = f"Campo {i}: formato no válido."
            return []
        name, label, help_ = clean_text(f.get("name")), clean_text(f.get("label")), clean_text(f.get("help"))
        if not SLUG_RE.fullmatch(name):
            errors["fields"] = (
                f"Campo {i}: el nombre «{name[:40]}» debe empezar con una letra minúscula y usar "
                "solo minúsculas sin tildes, números y guion bajo (ejemplo: numero_resolucion)."
            )
            return []
        if name in names:
            errors["fields"] = f"Campo {i}: el nombre «{name}» está repetido."
            return []
        if not label:
            errors["fields"] = f"Campo {i} ({name}): escriba la etiqueta que verá el ciudadano."
            return []
        if len(label) > 200 or len(help_) > 300:
            errors["fields"] = f"Campo {i} ({name}): etiqueta de hasta 200 caracteres y ayuda de hasta 300."
            return []
        names.add(name)
        out.append({"name": name, "label": label, "required": as_bool(f.get("required")), "help": help_})
    return out


def _validate_annexes(annexes: Any, errors: dict[str, str]) -> list[str]:
    if not isinstance(annexes, (list, tuple)):
        errors["required_annexes"] = "Los anexos deben ser una lista."
        return []
    out: list[str] = []
    for i, a in enumerate(annexes, start=1):
        label = clean_text(a)
        if not label:
            errors["required_annexes"] = f"Anexo {i}: escriba su descripción."
            return []
        if len(label) > 200:
            errors["required_annexes"] = f"Anexo {i}: la descripción puede tener como máximo 200 caracteres."
            return []
        if label in out:
            errors["required_annexes"] = f"Anexo {i}: «{label}» está repetido."
            return []
        out.append(label)
    if len(out) > MAX_ANNEXES:
        errors["required_annexes"] = f"Un trámite puede pedir como máximo {MAX_ANNEXES} anexos."
        return []
    return out


def _validate_procedure(
    session: Session,
    *,
    name: Any,
    description: Any,
    category: Any,
    unit_id: Any,
    deadline_days: Any,
    fields: Any,
    required_annexes: Any,
    errors: dict[str, str],
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    name_s = clean_text(name)
    if not name_s:
        errors["name"] = "Escriba el nombre del trámite."
    elif len(name_s) > 300:
        errors["name"] = "El nombre puede tener como máximo 300 caracteres."
    clean["name"] = name_s
    desc = clean_text(description)
    if len(desc) > 2000:
        errors["description"] = "La descripción puede tener como máximo 2000 caracteres."
    clean["description"] = desc
    cat = clean_text(category)
    if cat not in CATEGORY_LABELS:
        errors["category"] = "Elija la categoría: administrativo o jurisdiccional."
    clean["category"] = cat
    uid = as_int(unit_id)
    unit = session.get(Unit, uid) if uid is not None else None
    if unit is None:
        errors["unit_id"] = "Elija la unidad que atiende el trámite."
    elif not unit.active:
        errors["unit_id"] = f"La unidad {unit.name} está cerrada: elija una unidad activa."
    clean["unit_id"] = unit.id if unit else None
    days = as_int(deadline_days)
    if days is None or not 1 <= days <= 365:
        errors["deadline_days"] = "El plazo debe ser un número de días hábiles entre 1 y 365."
    clean["deadline_days"] = days
    clean["fields"] = _validate_fields(fields, errors)
    clean["required_annexes"] = _validate_annexes(required_annexes, errors)
    return clean


def _procedure_data(p: Procedure) -> dict[str, Any]:
    return {
        "nombre": p.name,
        "descripcion": p.description,
        "categoria": p.category,
        "unidad": p.unit_id,
        "plazo": p.deadline_days,
        "publico": p.public,
        "activo": p.active,
        "revision_mesa": p.desk_review,
        "campos": p.fields,
        "anexos": p.required_annexes,
    }


@act
def create_procedure(
    session: Session,
    *,
    actor: Principal,
    code: str,
    name: str,
    description: str = "",
    category: str,
    unit_id: int,
    deadline_days: int,
    public: bool = True,
    active: bool = True,
    fields: Sequence[dict[str, Any]] = (),
    required_annexes: Sequence[str] = (),
    desk_review: bool = True,
) -> Procedure:
    """A new entry of the catalogue. ``desk_review`` ("Revisión en mesa de partes"): its online
    filings go to the desk's inbox first."""
    ensure_admin(actor, "crear trámites")
    errors: dict[str, str] = {}
    code_s = clean_text(code).upper()
    if not CODE_RE.fullmatch(code_s):
        errors["code"] = "El código debe tener de 2 a 20 caracteres: letras A-Z, números y guiones."
    elif session.exec(select(Procedure).where(Procedure.code == code_s)).first() is not None:
        errors["code"] = f"Ya existe un trámite con el código {code_s}."
    clean = _validate_procedure(
        session,
        name=name,
        description=description,
        category=category,
        unit_id=unit_id,
        deadline_days=deadline_days,
        fields=list(fields) if isinstance(fields, tuple) else fields,
        required_annexes=list(required_annexes) if isinstance(required_annexes, tuple) else required_annexes,
        errors=errors,
    )
    raise_errors(errors)
    proc = Procedure(
        code=code_s, public=as_bool(public), active=as_bool(active), desk_review=as_bool(desk_review), **clean
    )
    session.add(proc)
    session.flush()
    record(session, actor, "crear_procedimiento", "procedure", proc.code, _procedure_data(proc))
    cache_versions.bump(session, cache_versions.CATALOGUE)  # every worker reloads the catalogue
    return proc


@act
def update_procedure(
    session: Session,
    *,
    actor: Principal,
    procedure_id: int,
    name: str,
    description: str,
    category: str,
    unit_id: int,
    deadline_days: int,
    public: bool,
    active: bool,
    fields: Sequence[dict[str, Any]],
    required_annexes: Sequence[str],
    desk_review: bool | None = None,
) -> Procedure:
    """Change a catalogue entry. Cases already filed keep their deadline and data (and their
    place: turning desk review off does not move the filings waiting at the desk).
    ``desk_review`` None keeps it as it is."""
    ensure_admin(actor, "modificar trámites")
    proc = get_procedure(session, procedure_id)
    errors: dict[str, str] = {}
    clean = _validate_procedure(
        session,
        name=name,
        description=description,
        category=category,
        unit_id=unit_id,
        deadline_days=deadline_days,
        fields=list(fields) if isinstance(fields, tuple) else fields,
        required_annexes=list(required_annexes) if isinstance(required_annexes, tuple) else required_annexes,
        errors=errors,
    )
    raise_errors(errors)
    before = _procedure_data(proc)
    for key, value in clean.items():
        setattr(proc, key, value)
    proc.public = as_bool(public)
    proc.active = as_bool(active)
    if desk_review is not None:
        proc.desk_review = as_bool(desk_review)
    session.add(proc)
    session.flush()
    after = _procedure_data(proc)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        record(session, actor, "editar_procedimiento", "procedure", proc.code, changes)
        cache_versions.bump(session, cache_versions.CATALOGUE)  # every worker reloads the catalogue
    return proc
