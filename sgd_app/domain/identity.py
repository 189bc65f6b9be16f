"""Identity of a filer: document types and numbers, e-mail, phone. Messages in Spanish."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

DOC_TYPES = {
    "DNI": "DNI",
    "CE": "Carné de extranjería",
    "RUC": "RUC",
    "PAS": "Pasaporte",
}
PARTY_KINDS = {
    "ciudadano": "Ciudadano(a)",
    "organizacion_politica": "Organización política",
    "entidad_estado": "Entidad del Estado",
    "otra": "Otra organización",
}
_RUC_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_RUC_PREFIXES = ("10", "15", "16", "17", "20")


def ruc_check_digit(first_ten: str) -> int:
    """SUNAT's modulo-11 check digit of the first ten digits of a RUC."""
    total = sum(int(c) * w for c, w in zip(first_ten, _RUC_WEIGHTS, strict=True))
    digit = 11 - total % 11
    return {10: 0, 11: 1}.get(digit, digit)


def is_valid_ruc(ruc: str) -> bool:
    return (
        len(ruc) == 11
        and ruc.isascii()
        and ruc.isdigit()
        and ruc[:2] in _RUC_PREFIXES
        and ruc_check_digit(ruc[:10]) == int(ruc[10])
    )


def normalize_document(doc_type: str, number: str) -> str:
    """The normalised document number, or ValueError with a Spanish message."""
    raw = re.sub(r"[\s.\-]", "", number or "").upper()
    if doc_type not in DOC_TYPES:
        raise ValueError("Elija el tipo de documento.")
    if not raw:
        raise ValueError("Escriba el número de documento.")
    if doc_type == "DNI":
        if not re.fullmatch(r"[0-9]{8}", raw):
            raise ValueError("El DNI debe tener 8 dígitos.")
    elif doc_type == "RUC":
        if not re.fullmatch(r"[0-9]{11}", raw):
            raise ValueError("El RUC debe tener 11 dígitos.")
        if not is_valid_ruc(raw):
            raise ValueError("El RUC no es válido: revise los dígitos (el último es de verificación).")
    elif doc_type == "CE":
        if not re.fullmatch(r"[0-9]{9}", raw):
            raise ValueError("El carné de extranjería debe tener 9 dígitos.")
    elif doc_type == "PAS":
        if not re.fullmatch(r"[A-Z0-9]{6,12}", raw):
            raise ValueError("El pasaporte debe tener entre 6 y 12 letras o números.")
    return raw


def normalize_email(email: str) -> str:
    value = (email or "").strip()
    if not value:
        raise ValueError("Escriba su correo electrónico: allí le enviaremos el cargo.")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("El correo electrónico no es válido (ejemplo: nombre@correo.pe).") from None


def normalize_phone(phone: str) -> str:
    """Peruvian mobile (9 digits starting with 9) or landline (6–8 digits with area code);
    foreign numbers with a leading + and 8–15 digits."""
    raw = re.sub(r"[\s()\-]", "", phone or "")
    if not raw:
        raise ValueError("Escriba un número de teléfono o celular.")
    if raw.startswith("+51"):
        raw = raw[3:]
    elif raw.startswith("+"):
        if re.fullmatch(r"\+[0-9]{8,15}", raw):
            return raw
        raise ValueError("El teléfono internacional debe tener entre 8 y 15 dígitos.")
    if re.fullmatch(r"9[0-9]{8}", raw) or re.fullmatch(r"0?[0-9]{7,8}", raw):
        return raw
    raise ValueError("El celular debe tener 9 dígitos y empezar con 9 (o un teléfono fijo con código de ciudad).")


def format_document(doc_type: str, number: str) -> str:
    return f"{DOC_TYPES.get(doc_type, doc_type)} {number}"
