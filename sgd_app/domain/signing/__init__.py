"""Everything about signatures and seals (Ley N° 27269), behind one door.

- ``pades``: sign a PDF (PAdES B-B … B-LTA) and extend it to B-LTA; ``stamp``: its visible stamp;
  ``validation``: validate every signature of a PDF; ``terms``: levels, verdicts and reasons.
- ``keys``: signer/timestamper objects that keep the decrypted key, PKCS#12 and TSA loaders;
  ``pki``: the development PKI; ``config``: which of them this installation uses (settings).
- ``steps``: the signature steps of an issued document (vistos buenos, firma, numbering,
  rejection); ``batch``: signing several at once; ``seal``: the institution's seal on the filing
  receipt; ``verify``: public verification by code or by bytes.
"""

from sgd_app.domain.signing import config
from sgd_app.domain.signing.batch import BatchResult, batch_summary, sign_batch
from sgd_app.domain.signing.config import has_certificate, production, store_certificate
from sgd_app.domain.signing.keys import (
    CachedKeySigner,
    LocalTimeStamper,
    http_timestamper,
    load_certificates,
    load_pkcs12_signer,
)
from sgd_app.domain.signing.pades import (
    SigningRefused,
    async_extend_to_lta,
    async_sign_pdf,
    extend_to_lta,
    sign_pdf,
)
from sgd_app.domain.signing.pki import DevPKI
from sgd_app.domain.signing.stamp import stamp_text
from sgd_app.domain.signing.steps import (
    PendingSignature,
    ReturnNote,
    SigningContext,
    check_can_sign,
    is_turn,
    pending_for,
    reject,
    return_note,
    send_to_sign,
    sign_step,
    signing_queue,
    steps_of,
)
from sgd_app.domain.signing.terms import (
    INDETERMINADO,
    LEGAL_BASIS,
    LEVELS,
    NO_VALIDO,
    PERU_TZ,
    R_BAD_TIMESTAMP,
    R_BROKEN,
    R_EXPIRED,
    R_MODIFIED,
    R_NO_SIGNATURES,
    R_NO_TIMESTAMP,
    R_NOT_PDF,
    R_REVINFO,
    R_REVOKED,
    R_UNTRUSTED,
    SIGNATURE_ROLES,
    VALIDO,
)
from sgd_app.domain.signing.validation import (
    SignatureReport,
    VerificationReport,
    async_validate_pdf,
    validate_pdf,
)
from sgd_app.domain.signing.verify import (
    MAX_VERIFY_BYTES,
    RegisteredDocument,
    Verification,
    clean_code,
    verify_by_bytes,
    verify_by_code,
)

__all__ = [
    "INDETERMINADO",
    "LEGAL_BASIS",
    "LEVELS",
    "MAX_VERIFY_BYTES",
    "NO_VALIDO",
    "PERU_TZ",
    "R_BAD_TIMESTAMP",
    "R_BROKEN",
    "R_EXPIRED",
    "R_MODIFIED",
    "R_NOT_PDF",
    "R_NO_SIGNATURES",
    "R_NO_TIMESTAMP",
    "R_REVINFO",
    "R_REVOKED",
    "R_UNTRUSTED",
    "SIGNATURE_ROLES",
    "VALIDO",
    "BatchResult",
    "CachedKeySigner",
    "DevPKI",
    "LocalTimeStamper",
    "PendingSignature",
    "RegisteredDocument",
    "ReturnNote",
    "SignatureReport",
    "SigningContext",
    "SigningRefused",
    "Verification",
    "VerificationReport",
    "async_extend_to_lta",
    "async_sign_pdf",
    "async_validate_pdf",
    "batch_summary",
    "check_can_sign",
    "clean_code",
    "config",
    "extend_to_lta",
    "has_certificate",
    "http_timestamper",
    "is_turn",
    "load_certificates",
    "load_pkcs12_signer",
    "pending_for",
    "production",
    "reject",
    "return_note",
    "send_to_sign",
    "sign_batch",
    "sign_pdf",
    "sign_step",
    "signing_queue",
    "stamp_text",
    "steps_of",
    "store_certificate",
    "validate_pdf",
    "verify_by_bytes",
    "verify_by_code",
]
