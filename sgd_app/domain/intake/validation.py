"""What a filing must be: the filer's data, the subject and the procedure's fields, the files
and their limits. One place for every rule the wizard, the API and the desk apply."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sgd_app.domain import digitize, identity
from sgd_app.domain.documents import (
    MAX_ANNEX_BYTES,
    MAX_MAIN_BYTES,
    PDF_SIGNATURE,
    ScreenedPdf,
    pdf_filename,
    screen_pdf,
)
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Procedure

MAX_ANNEXES = 5
SUBJECT_MAX = 500
PRINCIPAL = "principal"
ANNEX = "anexo"


@dataclass
class FilerInput:
    doc_type: str = "DNI"
    doc_number: str = ""
    name: str = ""
    kind: str = "ciudadano"
    email: str = ""
    phone: str = ""
    address: str = ""


@dataclass
class IncomingFile:
    """A file as it arrived (bytes kept in memory or staged on disk by the caller)."""

    filename: str
    data: bytes
    role: str = ANNEX  # principal / anexo
    label: str = ""


@dataclass
class PreparedUpload:
    """One upload of the wizard, screened and ready to stage: the PDF bytes and its name."""

    filename: str
    data: bytes
    screened: ScreenedPdf


def validate_filer(
    filer: FilerInput, *, require_email: bool = True, require_phone: bool = True
) -> tuple[FilerInput, dict[str, str]]:
    """Normalised filer data and the errors per field (empty dict when all is right).
    The e-mail is required online (the receipt and notices go there); at the desk it is optional.
    Another entity's system (interoperability) is answered through the exchange: no phone needed."""
    errors: dict[str, str] = {}
    clean = FilerInput(**vars(filer))
    if filer.kind not in identity.PARTY_KINDS:
        errors["kind"] = "Elija quién presenta el documento."
    try:
        clean.doc_number = identity.normalize_document(filer.doc_type, filer.doc_number)
    except ValueError as exc:
        errors["doc_number"] = str(exc)
    if filer.doc_type not in identity.DOC_TYPES:
        errors["doc_type"] = "Elija el tipo de documento."
    # An organisation's representative may file with their DNI: allowed.
    name = " ".join((filer.name or "").split())
    if len(name) < 3:
        errors["name"] = (
            "Escriba su nombre completo."
            if filer.kind == "ciudadano"
            else "Escriba el nombre de la organización o entidad."
        )
    elif len(name) > 300:
        errors["name"] = "El nombre es demasiado largo (máximo 300 caracteres)."
    clean.name = name
    try:
        if require_email or (filer.email or "").strip():
            clean.email = identity.normalize_email(filer.email)
        else:
            clean.email = ""
    except ValueError as exc:
        errors["email"] = str(exc)
    try:
        clean.phone = identity.normalize_phone(filer.phone) if require_phone or (filer.phone or "").strip() else ""
    except ValueError as exc:
        errors["phone"] = str(exc)
    address = " ".join((filer.address or "").split())
    if len(address) > 300:
        errors["address"] = "La dirección es demasiado larga (máximo 300 caracteres)."
    clean.address = address
    return clean, errors


def validate_details(
    procedure: Procedure, subject: str, fields: dict[str, str]
) -> tuple[str, dict[str, str], dict[str, str]]:
    """Normalised subject and procedure fields, and the errors per field."""
    errors: dict[str, str] = {}
    subject = " ".join((subject or "").split())
    if len(subject) < 5:
        errors["subject"] = "Describa en pocas palabras qué solicita (mínimo 5 caracteres)."
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = f"El asunto es demasiado largo (máximo {SUBJECT_MAX} caracteres)."
    clean: dict[str, str] = {}
    for spec in procedure.fields or []:
        name = spec["name"]
        value = " ".join(str((fields or {}).get(name, "")).split())
        if spec.get("required") and not value:
            errors[f"field_{name}"] = f"Complete: {spec['label']}."
        elif len(value) > 300:
            errors[f"field_{name}"] = "El texto es demasiado largo (máximo 300 caracteres)."
        elif value and spec.get("pattern") and not re.fullmatch(spec["pattern"], value):
            errors[f"field_{name}"] = spec.get("pattern_message", f"Revise: {spec['label']}.")
        clean[name] = value
    return subject, clean, errors


def validate_file_counts(procedure: Procedure, files: Sequence[IncomingFile]) -> dict[str, str]:
    """One main document, at most MAX_ANNEXES annexes, and the annexes the procedure requires."""
    errors: dict[str, str] = {}
    mains = [f for f in files if f.role == PRINCIPAL]
    annexes = [f for f in files if f.role == ANNEX]
    if len(mains) != 1:
        errors["principal"] = "Adjunte el documento principal en PDF (uno solo)."
    if len(annexes) > MAX_ANNEXES:
        errors["anexos"] = f"Puede adjuntar como máximo {MAX_ANNEXES} anexos."
    required = list(procedure.required_annexes or [])
    if len(annexes) < len(required):
        missing = ", ".join(required[len(annexes) :])
        errors["anexos"] = f"Este trámite requiere adjuntar: {missing}."
    return errors


def screen_file(f: IncomingFile, index: int = 0) -> ScreenedPdf:
    """Screen one incoming PDF with the limit of its role; the field is where the error shows."""
    if f.role == PRINCIPAL:
        return screen_pdf(f.data, max_bytes=MAX_MAIN_BYTES, field="principal")
    return screen_pdf(f.data, max_bytes=MAX_ANNEX_BYTES, field=f"anexo_{index}")


def upload_field(role: str) -> str:
    """The form field where an upload of this role shows its error."""
    return "principal" if role == PRINCIPAL else "anexos"


def upload_limit(role: str) -> int:
    """The size limit of one upload, in bytes."""
    return MAX_MAIN_BYTES if role == PRINCIPAL else MAX_ANNEX_BYTES


def check_upload(*, role: str, file_count: int, annexes_so_far: int, desk: bool) -> None:
    """Refuse an upload before reading it: one file at a time online (the desk may send several
    scanned pages), and no annex beyond MAX_ANNEXES."""
    field = upload_field(role)
    if file_count < 1 or (file_count != 1 and not desk):
        raise InvalidInput(field, "Suba un archivo a la vez.")
    if role == ANNEX and annexes_so_far >= MAX_ANNEXES:
        raise InvalidInput(field, f"Puede adjuntar como máximo {MAX_ANNEXES} anexos.")


def needs_assembly(parts: Sequence[bytes], *, desk: bool) -> bool:
    """Whether an upload is scanned images to assemble into one PDF (only at the desk)."""
    return desk and (len(parts) > 1 or not parts[0].startswith(PDF_SIGNATURE))


def prepare_upload(parts: Sequence[bytes], *, filename: str, role: str, desk: bool) -> PreparedUpload:
    """Screen one upload. At the desk, scanned pages (JPG, PNG, TIFF) become one PDF; OCR comes
    later. Raises InvalidInput on the upload's field."""
    field, limit = upload_field(role), upload_limit(role)
    data, name = parts[0], filename or "documento.pdf"
    if needs_assembly(parts, desk=desk):
        data = digitize.assemble_pdf(list(parts), max_bytes=limit, field=field)
        name = "escaneo.pdf" if len(parts) > 1 else Path(name).stem + ".pdf"
    screened = screen_pdf(data, max_bytes=limit, field=field)
    return PreparedUpload(filename=pdf_filename(name), data=data, screened=screened)
