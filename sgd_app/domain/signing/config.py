"""Which keys, TSA and trust roots this installation signs and validates with (from settings).

Development (``SGD_SIGNING_MODE=dev``, the default): a PKI generated under the data dir, cached
once per process (keys are decrypted once). Production (``pkcs12``): each official's own PKCS#12
certificate, uploaded once and stored as the encrypted file it is; its passphrase is asked when
signing and kept only in memory for that signing batch. The institution seal, the trust roots and
an external TSA come from settings (see docs/signing-keys.md).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.hazmat.primitives.serialization import pkcs12

from sgd_app import settings
from sgd_app.domain.signing.keys import http_timestamper, load_certificates, load_pkcs12_signer
from sgd_app.domain.signing.pades import sign_pdf
from sgd_app.domain.signing.pki import DevPKI
from sgd_app.domain.signing.steps import SigningContext
from sgd_app.domain.signing.validation import VerificationReport, validate_pdf


@lru_cache(maxsize=1)
def pki() -> DevPKI:
    return DevPKI.ensure(settings.DATA_DIR / "pki", institution=settings.INSTITUTION_NAME)


def forget_keys() -> None:
    """Drop the cached PKI, TSA and seal (tests that point settings at another data dir)."""
    pki.cache_clear()
    _timestamper.cache_clear()
    _seal_signer.cache_clear()


def production() -> bool:
    return settings.SIGNING_MODE == "pkcs12"


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_URL}/verificar?codigo={code}"


def new_code() -> str:
    return secrets.token_hex(8).upper()


@lru_cache(maxsize=1)
def _timestamper():
    if settings.TSA_URL:
        return http_timestamper(settings.TSA_URL)
    return pki().timestamper()


@lru_cache(maxsize=1)
def _seal_signer():
    if settings.SEAL_P12:
        password = (
            Path(settings.SEAL_P12_PASSWORD_FILE).read_bytes().strip() if settings.SEAL_P12_PASSWORD_FILE else b""
        )
        return load_pkcs12_signer(Path(settings.SEAL_P12).read_bytes(), password)
    return pki().seal_signer()


def trust_roots() -> list:
    roots = list(pki().trust_roots()) if not production() else []
    if settings.TRUST_ROOTS:
        roots += load_certificates(Path(settings.TRUST_ROOTS).read_bytes())
    return roots


def crls() -> list:
    return pki().crls() if not production() else []


# ---------------------------------------------------------------- officials' certificates
def _p12_path(user_id: int) -> Path:
    return settings.DATA_DIR / "pki" / "usuarios" / f"{int(user_id)}.p12"


def has_certificate(user_id: int) -> bool:
    return _p12_path(user_id).is_file()


MAX_CERTIFICATE_BYTES = 100_000
MSG_CERT_EMPTY = "El archivo está vacío."
MSG_CERT_TOO_BIG = "El archivo supera el tamaño máximo de 100 KB para un certificado."
MSG_NOT_PKCS12 = "El archivo no parece un certificado PKCS#12 (.p12 o .pfx)."
MSG_CERT_UNPROTECTED = "El certificado no está protegido con contraseña: expórtelo otra vez con una contraseña."


def screen_certificate(data: bytes) -> None:
    """Refuse anything but a password-protected PKCS#12 of at most 100 KB (ValueError, Spanish).

    The file must parse completely as a PKCS#12 (PFX v3, its contents readable, no bytes after
    it); one that opens without a password would leave the private key readable on disk."""
    if not data:
        raise ValueError(MSG_CERT_EMPTY)
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValueError(MSG_CERT_TOO_BIG)
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        ok = pfx["version"].native == "v3" and len(pfx.authenticated_safe) > 0
    except Exception:  # asn1crypto raises ValueError/TypeError variants on malformed DER
        ok = False
    if not ok:
        raise ValueError(MSG_NOT_PKCS12)
    for empty in (None, b""):
        try:
            pkcs12.load_key_and_certificates(data, empty)
        except Exception:  # needs a password: as it should
            continue
        raise ValueError(MSG_CERT_UNPROTECTED)


def store_certificate(user_id: int, data: bytes) -> None:
    """Keep an official's PKCS#12 as the encrypted file it is (its passphrase is asked at signing
    time and never stored), readable by the owner only and outside the public upload dir. A file
    ``screen_certificate`` refuses is never written (ValueError with a Spanish message)."""
    screen_certificate(data)
    path = _p12_path(user_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)


def staff_signer(user, passphrase: str | None = None):
    """The signer of an official: the dev PKI's, or their own PKCS#12 opened with ``passphrase``."""
    if not production():
        return pki().staff_signer(user.username, user.full_name)
    path = _p12_path(user.id)
    if not path.is_file():
        raise ValueError("Primero cargue su certificado digital (archivo .p12 o .pfx).")
    return load_pkcs12_signer(path.read_bytes(), (passphrase or "").encode())


def context(level: str = "B-T", signer=None) -> SigningContext:
    """Signing context; ``signer`` (production) is the official's signer opened for this batch."""
    fixed = signer
    return SigningContext(
        signer_for=(lambda user: fixed) if fixed is not None else staff_signer,
        timestamper=_timestamper(),
        verify_url_for=verify_url,
        institution=settings.INSTITUTION_NAME,
        institution_short=settings.INSTITUTION_SHORT,
        level=level,
    )


def seal(data: bytes, *, code: str, reason: str) -> bytes:
    """Seal a PDF with the institution's seal (PAdES B-T, visible stamp with the QR)."""
    return sign_pdf(
        data,
        signer=_seal_signer(),
        timestamper=_timestamper(),
        level="B-T",
        reason=reason,
        signer_name=f"Sello electrónico — {settings.INSTITUTION_NAME}",
        verify_url=verify_url(code),
        role="firma",
    )


def seal_archival(data: bytes, *, code: str, reason: str) -> bytes:
    """Seal a PDF for the archive: the institution's seal at PAdES B-LTA (timestamp, the chain and
    CRLs in a DSS, then a document timestamp), so it stays verifiable for the retention period."""
    return sign_pdf(
        data,
        signer=_seal_signer(),
        timestamper=_timestamper(),
        level="B-LTA",
        reason=reason,
        signer_name=f"Sello electrónico — {settings.INSTITUTION_NAME}",
        verify_url=verify_url(code),
        role="firma",
        trust_roots=trust_roots(),
        crls=crls(),
        allow_fetching=production(),
    )


def validate(data: bytes) -> VerificationReport:
    """Validate every signature of ``data`` against this installation's trust roots and CRLs."""
    return validate_pdf(data, trust_roots=trust_roots(), crls=crls())
