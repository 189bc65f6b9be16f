"""PAdES signatures (Ley N° 27269, DOMAIN.md rule 7): sign a PDF with a visible stamp (``stamp``),
extend signed PDFs to B-LTA. Plain Python on top of pyhanko, no reflex. Validation is in
``validation``.

::

    sign_pdf(data: bytes, *, signer, timestamper=None, level="B-T", reason: str,
             signer_name: str | None = None, verify_url: str, field_name: str | None = None,
             stamp_page: int = -1, stamp_box: tuple[float, float, float, float] | None = None,
             role: str = "firma", location: str | None = None,
             trust_roots=(), crls=(), allow_fetching=False) -> bytes
    async_sign_pdf(...same...) -> bytes          # pyhanko's async API (awaits the TSA)
    extend_to_lta(data, *, timestamper, trust_roots, crls=(), allow_fetching=False) -> bytes
    async_extend_to_lta(...same...) -> bytes     # archive: DSS for every signature + document timestamp

* ``signer``: a pyhanko ``Signer`` — from ``pki.DevPKI.staff_signer()/seal_signer()`` or
  ``keys.load_pkcs12_signer()``. Keep it (it holds the decrypted key): never reload per signature.
* ``level``: "B-B" (no timestamp), "B-T" (default, RFC 3161 signature timestamp), "B-LT" (+ DSS with
  certificates and CRLs) or "B-LTA" (+ document timestamp). B-T and above need ``timestamper``;
  B-LT/B-LTA also need ``trust_roots`` (+ ``crls`` or ``allow_fetching``): the signer's chain is
  validated with revocation mode *hard-fail* before signing, so a revoked certificate is refused
  (``SigningRefused``). With ``trust_roots`` given at B-B/B-T the same pre-check is done.
* Every signature is an incremental update (the bytes of ``data`` are kept as a prefix), so earlier
  signatures (vistos buenos, then the firma) stay valid.
* Visible stamp and default field names: see ``stamp``.

Threading: ``sign_pdf`` / ``validate_pdf`` are synchronous and CPU-bound (~10-25 ms). From async
code (Reflex event handlers) call ``await asyncio.to_thread(sign_pdf, ...)``; each worker thread keeps
its own event loop for pyhanko's async internals. The ``async_*`` variants run on the caller's loop
(fine with an HTTP TSA, but the CPU part then blocks that loop).
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from sgd_app.domain.signing.keys import as_certs, as_crls
from sgd_app.domain.signing.stamp import STYLES, auto_box, next_field_name, stamp_text
from sgd_app.domain.signing.terms import LEVELS, PERU_TZ, R_EXPIRED, R_NOT_PDF, R_REVOKED, R_UNTRUSTED, SIGNATURE_ROLES

__all__ = [
    "SigningRefused",
    "async_extend_to_lta",
    "async_sign_pdf",
    "extend_to_lta",
    "run_sync",
    "sign_pdf",
]

logger = logging.getLogger(__name__)


class SigningRefused(ValueError):
    """The signature can't be made (bad input PDF, revoked/untrusted certificate, missing TSA)."""


def _reserve(signer: signers.Signer, timestamper: TimeStamper | None) -> int:
    """Bytes to reserve for the CMS blob (hex, so ×2), computed from the certificates that will be
    embedded. Avoids pyhanko's default dry-run signature (+ a dry-run timestamp) per document."""
    certs = sum(len(c.dump()) for c in signer.cert_registry)
    if signer.signing_cert is not None:
        certs += len(signer.signing_cert.dump())
    size = certs + 1536  # signed attributes, signature value, CMS structure
    if timestamper is not None:
        tsa_cert = getattr(timestamper, "tsa_cert", None)
        if tsa_cert is not None:  # the local TSA: its token's size is known
            size += len(tsa_cert.dump()) + sum(len(c.dump()) for c in getattr(timestamper, "certs_to_embed", ()))
            size += 1536
        else:
            size += 12288  # external TSA: unknown chain
    return 2 * int(math.ceil(size / 256.0) * 256)


async def async_sign_pdf(
    data: bytes,
    *,
    signer: signers.Signer,
    timestamper: TimeStamper | None = None,
    level: str = "B-T",
    reason: str,
    signer_name: str | None = None,
    verify_url: str,
    field_name: str | None = None,
    stamp_page: int = -1,
    stamp_box: tuple[float, float, float, float] | None = None,
    role: str = "firma",
    location: str | None = None,
    trust_roots: Iterable = (),
    crls: Iterable = (),
    allow_fetching: bool = False,
) -> bytes:
    """Sign ``data`` (a PDF) and return the signed bytes. See the module docstring."""
    if level not in LEVELS:
        raise ValueError(f"Nivel PAdES desconocido: {level!r} (use {', '.join(LEVELS)})")
    if role not in SIGNATURE_ROLES:
        raise ValueError(f"Rol de firma desconocido: {role!r} (use {', '.join(SIGNATURE_ROLES)})")
    if level != "B-B" and timestamper is None:
        raise SigningRefused(f"El nivel {level} requiere una autoridad de sellado de tiempo")
    roots = as_certs(trust_roots)
    if level in ("B-LT", "B-LTA") and not roots:
        raise SigningRefused(f"El nivel {level} requiere las raíces de confianza y las CRL")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        page_count = int(writer.prev.root["/Pages"]["/Count"])
    except Exception as exc:
        raise SigningRefused(R_NOT_PDF) from exc
    if not -page_count <= stamp_page < page_count:
        raise ValueError(f"La página {stamp_page} no existe (el documento tiene {page_count})")
    page_ix = stamp_page % page_count

    auto_name, existing = next_field_name(writer.prev, role)
    name = field_name or auto_name
    if name in existing:
        raise ValueError(f"Ya existe un campo de firma llamado {name!r}")
    box = tuple(round(v) for v in stamp_box) if stamp_box else auto_box(writer.prev, page_ix, role)
    display_name = signer_name or signer.subject_name or ""
    if signer.signing_cert is not None and not signer_name:
        display_name = signer.signing_cert.subject.native.get("common_name", display_name)
    when = datetime.now(PERU_TZ)

    vc = None
    if roots:
        vc = ValidationContext(
            trust_roots=roots,
            crls=as_crls(crls),
            allow_fetching=allow_fetching,
            revocation_mode="hard-fail" if level in ("B-LT", "B-LTA") else "soft-fail",
        )
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        reason=reason,
        name=display_name,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=level in ("B-LT", "B-LTA"),
        use_pades_lta=level == "B-LTA",
        # key usage is judged by the validator (digitalSignature or nonRepudiation); the pre-sign
        # check is about the chain and revocation
        validation_context=vc,
        signer_key_usage=set(),
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=None if level == "B-B" else timestamper,
        stamp_style=STYLES[role],
        new_field_spec=fields.SigFieldSpec(sig_field_name=name, on_page=page_ix, box=box),  # type: ignore[arg-type]
    )
    params = {
        "legend": stamp_text(signer_name=display_name, reason=reason, verify_url=verify_url, when=when, role=role),
        "url": verify_url,
    }
    reserve: int | None = _reserve(signer, pdf_signer.default_timestamper)
    while True:
        try:
            out = await pdf_signer.async_sign_pdf(writer, bytes_reserved=reserve, appearance_text_params=params)
            return out.getvalue()
        except SigningError as exc:
            cause = exc.__cause__
            msg = str(exc)
            if "could not be validated" in msg or isinstance(cause, (PathBuildingError, PathValidationError)):
                text = str(cause or exc).lower()
                reason_es = R_REVOKED if "revoked" in text else R_EXPIRED if "expired" in text else R_UNTRUSTED
                raise SigningRefused(f"No se puede firmar: {reason_es}") from exc
            if reserve is None or "required" not in msg:
                raise
            # our size estimate was too small (a TSA with a bigger chain?): let pyhanko estimate
            logger.warning("signature size estimate too small (%s), retrying with pyhanko's estimate", msg)
            reserve = None
            writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)


def sign_pdf(data: bytes, **kwargs) -> bytes:
    """Synchronous ``async_sign_pdf`` (same keyword arguments). CPU-bound: from async code use
    ``await asyncio.to_thread(sign_pdf, data, ...)``. Must not be called from a thread that is
    running an event loop."""
    return run_sync(async_sign_pdf(data, **kwargs))


async def async_extend_to_lta(
    data: bytes, *, timestamper: TimeStamper, trust_roots: Iterable, crls: Iterable = (), allow_fetching: bool = False
) -> bytes:
    """Archive a signed PDF: one incremental update adding a DSS with the chains and CRLs of every
    signature (and timestamp), then a document timestamp — every signature reaches B-LTA (those
    with a signature timestamp). Run it again later to renew the archive timestamp chain."""
    vc = ValidationContext(
        trust_roots=as_certs(trust_roots),
        crls=as_crls(crls),
        allow_fetching=allow_fetching,
        revocation_mode="hard-fail",
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except Exception as exc:
        raise SigningRefused(R_NOT_PDF) from exc
    paths = []
    try:
        for sig in writer.prev.embedded_signatures:
            paths.extend(await collect_validation_info(sig, vc))
    except (PathBuildingError, PathValidationError, ValidationError) as exc:
        why = R_UNTRUSTED if isinstance(exc, PathBuildingError) else R_REVOKED if "revoked" in str(exc) else exc
        raise SigningRefused(f"No se puede archivar: {why}") from exc
    DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths, validation_context=vc)
    out = io.BytesIO()
    await signers.PdfTimeStamper(timestamper).async_timestamp_pdf(writer, "sha256", vc, output=out)
    return out.getvalue()


def extend_to_lta(data: bytes, **kwargs) -> bytes:
    """Synchronous ``async_extend_to_lta``."""
    return run_sync(async_extend_to_lta(data, **kwargs))


_local = threading.local()


def run_sync(coro):
    """Run a coroutine on this thread's private event loop (cheaper than asyncio.run per call)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        # Called from a thread whose loop is running (a blocking call from async code, or a test
        # harness that keeps a loop open): run on a helper thread instead of failing. Async code
        # should still prefer asyncio.to_thread so that the loop is not blocked meanwhile.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(run_sync, coro).result()
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)
