"""Wiring of digital signatures to this installation: the development PKI under the data dir
(cached once per process: keys are decrypted once), verification URLs, sealing receipts and
validating files for the public verifier."""
from __future__ import annotations

import secrets
from functools import lru_cache

from sgd_app import settings
from sgd_app.domain import signing
from sgd_app.domain.drafting import SigningContext
from sgd_app.domain.pki import DevPKI


@lru_cache(maxsize=1)
def pki() -> DevPKI:
    return DevPKI.ensure(settings.DATA_DIR / "pki", institution=settings.INSTITUTION_NAME)


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_URL}/verificar?codigo={code}"


def new_code() -> str:
    return secrets.token_hex(8).upper()


def staff_signer(user):
    return pki().staff_signer(user.username, user.full_name)


def context(level: str = "B-T") -> SigningContext:
    return SigningContext(signer_for=staff_signer, timestamper=pki().timestamper(), verify_url_for=verify_url,
                          institution=settings.INSTITUTION_NAME, institution_short=settings.INSTITUTION_SHORT,
                          level=level)


def seal(data: bytes, *, code: str, reason: str) -> bytes:
    """Seal a PDF with the institution's seal (PAdES B-T, visible stamp with the QR)."""
    p = pki()
    return signing.sign_pdf(data, signer=p.seal_signer(), timestamper=p.timestamper(), level="B-T",
                            reason=reason, signer_name=f"Sello electrónico — {settings.INSTITUTION_NAME}",
                            verify_url=verify_url(code), role="firma")


def validate(data: bytes) -> signing.VerificationReport:
    p = pki()
    return signing.validate_pdf(data, trust_roots=p.trust_roots(), crls=p.crls())
