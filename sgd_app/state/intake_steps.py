"""The filing wizard's steps, what its URL and focus follow, and its staging of uploads: the
plain helpers of ``MesaDePartesState`` (sgd_app/state/mesa_de_partes.py)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sgd_app import settings
from sgd_app.domain import intake, links
from sgd_app.domain.calendar import format_date_es, format_datetime_es
from sgd_app.domain.errors import InvalidInputs
from sgd_app.domain.models import Procedure
from sgd_app.domain.vocabulary import Category

# The element focused at each step change (the stepper, or the receipt's heading).
STEP_ANCHOR = "paso-actual"
STEPS = ["Trámite", "Sus datos", "Su pedido", "Archivos", "Revisar y enviar"]
FILER_FIELDS = ("kind", "doc_type", "doc_number", "name", "email", "phone", "address")
ERROR_KEYS = (*FILER_FIELDS, "subject", "principal", "anexos", "privacy", "declaration", "general")
STEP_OF_FIELD = {**{f: 1 for f in FILER_FIELDS}, "subject": 2, "principal": 3, "anexos": 3}


def blank_errors() -> dict[str, str]:
    return {k: "" for k in ERROR_KEYS}


def url_step(raw: str) -> int:
    """The 0-based step named by ?paso=N (1..5); anything else is the first step."""
    try:
        n = int(str(raw)[:3])
    except ValueError:
        return 0
    return min(max(n - 1, 0), len(STEPS) - 1)


_FOCUS_OF = {
    "kind": "kind-ciudadano",
    "anexos": "anexo",
    "privacy": "datos-personales-leido",
    "declaration": "declaracion",
    "general": STEP_ANCHOR,
}


def first_invalid(errors: dict[str, str], proc_fields: list[str], *, desk: bool) -> str:
    """The id of the first field (in screen order) with an error: the focus goes there."""
    order = [
        *FILER_FIELDS,
        "subject",
        *[f"field_{n}" for n in proc_fields],
        "principal",
        "anexos",
        "privacy",
        "declaration",
    ]
    for key in order:
        if errors.get(key):
            if key.startswith("field_"):
                return "campo-" + key[len("field_") :]
            target = _FOCUS_OF.get(key, key)
            return target + "-escaneo" if desk and key in ("principal", "anexos") else target
    return STEP_ANCHOR


def catalogue_cards(*, public_only: bool) -> list[dict[str, Any]]:
    """The cards of the worker's cached catalogue: ONE list per catalogue version, shared by every
    tab (a state keeps a reference, never a copy; see MesaDePartesState.procedures)."""
    snap = intake.snapshot()
    key = "cards-public" if public_only else "cards-desk"
    cards: list[dict[str, Any]] = snap.derived(
        key, lambda: procedure_cards(snap.public if public_only else snap.active)
    )
    return cards


def catalogue_version() -> int:
    return intake.snapshot().version


def procedure_cards(procedures: Iterable[Procedure]) -> list[dict[str, Any]]:
    """What each procedure card shows before starting: requirements, annexes, fee, deadline."""
    return [
        {
            "code": p.code,
            "name": p.name,
            "description": p.description,
            "category": category_label(p.category),
            "deadline": intake.deadline_words(p.deadline_days),
            "fee": p.fee or "Gratuito",
            "requirements": list(p.requirements or []),
            "annexes": list(p.required_annexes or []),
        }
        for p in procedures
    ]


def rejection_summaries(rejections: Any) -> list[dict[str, Any]]:
    """The browser's refusals as intake.rejection_message takes them, bounded (client input)."""
    return [
        {
            "name": str(r.get("name", ""))[:200],
            "size": r.get("size", 0),
            "codes": [str(c)[:40] for c in (r.get("codes") or [])[:5]],
        }
        for r in (rejections if isinstance(rejections, list) else [])[:100]
        if isinstance(r, dict)
    ]


def category_label(category: str) -> str:
    try:
        return Category(category).label
    except ValueError:
        return category.capitalize()


def sweep_staging(max_age_hours: float = 24) -> int:
    """Delete staged uploads older than ``max_age_hours`` (wizards never sent)."""
    cutoff = time.time() - max_age_hours * 3600
    removed = 0
    for path in settings.staging_dir().glob("*.pdf"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def write_staged(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def place_errors(
    errors: dict[str, str], proc_fields: list[dict[str, str]]
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The wizard's error map and procedure fields with ``errors`` put where the page shows them:
    "field_<name>" next to that procedure field, known keys next to theirs, the rest as general."""
    merged = blank_errors()
    for key, msg in errors.items():
        if key.startswith("field_"):
            name = key[len("field_") :]
            proc_fields = [{**f, "error": msg} if f["name"] == name else f for f in proc_fields]
        elif key in merged:
            merged[key] = msg
        else:
            merged["general"] = msg
    return merged, proc_fields


def staged_files(attachments: list[dict[str, str]], staged: dict[str, str]) -> list[intake.IncomingFile]:
    """The staged uploads as the filing takes them; an expired staging is a field error."""
    files = []
    for a in attachments:
        path = staged.get(a["id"])
        if not path or not Path(path).exists():
            field = intake.upload_field(a["role"])
            raise InvalidInputs({field: "Vuelva a adjuntar este archivo: la carga expiró."})
        files.append(intake.IncomingFile(a["filename"], Path(path).read_bytes(), a["role"], a["label"]))
    return files


def receipt_vars(filed: Any, *, procedure: str, filer: str) -> dict[str, Any]:
    """The receipt screen's vars (``r_*``) of a filing just registered (``intake`` result)."""
    case = filed.case
    return {
        "r_number": case.number,
        "r_received": format_datetime_es(case.received_at) + " (hora de Lima)",
        "r_filed": format_date_es(case.filed_on, weekday=True),
        "r_filed_note": filed.late_note,
        "r_due": format_date_es(case.due_on, weekday=True),
        "r_place": filed.place,
        "r_procedure": procedure,
        "r_unit": filed.unit_name,
        "r_filer": filer,
        "r_folios": str(case.folios),
        "r_key": filed.access_key,
        "r_promise": filed.promise,
        "r_files": [
            {
                "label": d.label,
                "filename": d.filename,
                "pages": str(d.pages),
                "size": intake.format_size(d.size),
                "sha256": d.sha256,
            }
            for d in filed.documents
        ],
        "r_download": links.download_url(case.number),
    }
