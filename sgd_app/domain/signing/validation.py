"""Validation of every PAdES signature of a PDF, for the public verifier (Ley N° 27269).
Plain Python on top of pyhanko, no reflex.

::

    validate_pdf(data: bytes, *, trust_roots, crls=(), allow_fetching=False,
                 require_timestamp=False) -> VerificationReport
    async_validate_pdf(...same...) -> VerificationReport

Every regular signature is validated against ``trust_roots`` (the dev root plus configured ones),
with the given CRLs plus those embedded in the DSS (revocation mode soft-fail: revocation is checked
whenever information is available). Verdicts follow ETSI EN 319 102-1 as Peru's validator words them:
TOTAL-PASSED → "VÁLIDO", TOTAL-FAILED → "NO VÁLIDO", INDETERMINATE → "INDETERMINADO":

* NO VÁLIDO: the signed bytes or the signature value don't verify, or the document was changed after
  the signature — anything but a later signature field, DSS updates or document timestamps
  (pyhanko's difference analysis; "form filling" is accepted only when every changed field is a
  signature field) → "El documento fue modificado después de la firma"; a broken timestamp token →
  "El sello de tiempo de la firma no es válido"; certificate revoked / expired *before* the trusted
  signature timestamp → "El certificado está revocado" / "El certificado está vencido".
* INDETERMINADO: chain not anchored in a trusted root → "El certificado no proviene de una entidad
  de confianza"; revoked or expired with no trusted timestamp proving the signature came earlier
  (reason + "La firma no tiene sello de tiempo"); revocation status unknown; no signatures → "El
  archivo no contiene firmas digitales"; not a readable PDF → "El archivo no es un PDF válido".
* VÁLIDO: otherwise. A signature without a timestamp (B-B) is VÁLIDO with the warning "La firma no
  tiene sello de tiempo" unless ``require_timestamp=True`` (then INDETERMINADO with that reason).
  A certificate revoked or expired *after* the trusted signature timestamp is re-validated at the
  timestamp time and, if it passes, stays VÁLIDO with a warning.

* A signature pyhanko cannot even parse → NO VÁLIDO, "La firma digital está dañada o no se puede leer".

File verdict: NO VÁLIDO if any signature is NO VÁLIDO, else INDETERMINADO if any is, else VÁLIDO;
``reasons`` collects the signatures' reasons. File ``warnings``: ``W_APPENDED`` ("El documento tiene
contenido añadido después de la última firma") when the last signature or document timestamp does
not cover the entire file and what follows it is more than validation data (DSS, document
timestamps): an incremental update (then the verdict is NO VÁLIDO as well, see above) or bytes after
the last ``%%EOF`` that no revision accounts for (pyhanko ignores those, so the verdict may stay
VÁLIDO: the warning is what tells). Level reached per signature: "B-B" (no timestamp),
"B-T" (signature timestamp), "B-LT" (+ DSS holding revocation data from the signer's issuer),
"B-LTA" (+ a valid document timestamp after the signature).

``VerificationReport``: verdict, reasons (tuple, Spanish; ``.reason`` = the first), signatures
(tuple of ``SignatureReport``), document_timestamps (count), sha256 (of the file), validated_at,
warnings (tuple, Spanish, about the file as a whole), ``.valid``. ``SignatureReport``: field_name, signer_name (certificate CN), signer_subject, issuer,
serial (hex), verdict, reasons, warnings, level, signing_time (timestamp time when trusted, else the
signer's claim), claimed_time, timestamp_time, has_timestamp, timestamp_trusted, intact,
modified_after, modification_level / coverage (pyhanko enum names), trusted, revoked, expired,
declared_reason (the signature's /Reason), summary (pyhanko's one-line status, for logs).
The reason strings are module constants (``R_MODIFIED``, ``R_UNTRUSTED``, ``R_REVOKED``, ...).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import crl as asn1_crl
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from sgd_app.domain.signing.keys import as_certs, as_crls
from sgd_app.domain.signing.pades import run_sync
from sgd_app.domain.signing.terms import (
    INDETERMINADO,
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
    VALIDO,
)

__all__ = ["W_APPENDED", "SignatureReport", "VerificationReport", "async_validate_pdf", "validate_pdf"]

W_APPENDED = "El documento tiene contenido añadido después de la última firma."
_PDF_WHITESPACE = b"\x00\t\n\x0c\r "
_VALIDATION_DATA_ONLY = frozenset({ModificationLevel.NONE.name, ModificationLevel.LTA_UPDATES.name})

logger = logging.getLogger(__name__)

_SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer_name: str
    signer_subject: str
    issuer: str
    serial: str
    verdict: str
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    level: str | None
    signing_time: datetime | None  # the timestamp's time when trusted, else the signer's claim
    claimed_time: datetime | None
    timestamp_time: datetime | None
    has_timestamp: bool
    timestamp_trusted: bool
    intact: bool  # signed bytes and signature value verify
    modified_after: bool  # changes after the signature other than later signatures / DSS / doc timestamps
    modification_level: str | None  # pyhanko's ModificationLevel name (NONE, LTA_UPDATES, FORM_FILLING, ...)
    coverage: str | None  # pyhanko's SignatureCoverageLevel name
    trusted: bool
    revoked: bool
    expired: bool
    declared_reason: str | None  # /Reason of the signature dictionary ("Motivo")
    summary: str  # pyhanko's machine summary, for logs

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""


@dataclass(frozen=True)
class VerificationReport:
    verdict: str
    reasons: tuple[str, ...]
    signatures: tuple[SignatureReport, ...]
    document_timestamps: int
    sha256: str
    validated_at: datetime
    warnings: tuple[str, ...] = ()  # about the file as a whole (W_APPENDED)

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""

    @property
    def valid(self) -> bool:
        return self.verdict == VALIDO


def _file_report(
    data: bytes, verdict: str, reasons: Iterable[str], sigs=(), n_ts=0, warnings: Iterable[str] = ()
) -> VerificationReport:
    return VerificationReport(
        verdict=verdict,
        reasons=tuple(dict.fromkeys(reasons)),
        signatures=tuple(sigs),
        document_timestamps=n_ts,
        sha256=hashlib.sha256(data).hexdigest(),
        validated_at=datetime.now(UTC),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _bytes_after_last_revision(data: bytes, reader: PdfFileReader) -> bool:
    """True when the file goes on after its last revision: that revision ends at the first
    ``startxref N %%EOF`` after its cross-reference section (N its offset), and only PDF white
    space may follow. (A copy of that ending written again after some junk does not count.)"""
    try:
        offset = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    except Exception:
        return True
    ws = b"[" + re.escape(_PDF_WHITESPACE) + b"]+"
    end = re.compile(b"startxref" + ws + str(offset).encode() + ws + b"%%EOF").search(data, offset)
    return end is None or data[end.end() :].strip(_PDF_WHITESPACE) != b""


def _content_after_last_signature(data: bytes, reader: PdfFileReader, embedded, regular, reports) -> bool:
    """Whether something other than validation data follows the last signature or document
    timestamp: bytes outside any revision, or a later revision that changes the document (the
    difference analysis of the last regular signature sees every revision after it)."""
    last = max(embedded, key=lambda s: s.signed_revision)
    try:
        if last.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE:
            return False
    except Exception:  # a broken signature dictionary: already NO VÁLIDO, nothing more to say
        logger.info("coverage of %s could not be evaluated", last.field_name, exc_info=True)
        return False
    if _bytes_after_last_revision(data, reader):
        return True
    last_regular = max(range(len(regular)), key=lambda i: regular[i].signed_revision)
    later_revisions = reader.xrefs.total_revisions - 1 > regular[last_regular].signed_revision
    return later_revisions and reports[last_regular].modification_level not in _VALIDATION_DATA_ONLY


def _is_modified(status, sig_field_names: set[str]) -> bool:
    cov = status.coverage
    if cov == SignatureCoverageLevel.ENTIRE_FILE:
        return False
    if cov != SignatureCoverageLevel.ENTIRE_REVISION:
        return True
    diff = status.diff_result
    if not isinstance(diff, DiffResult):
        return True  # suspicious modification, or no analysis possible
    if diff.modification_level <= ModificationLevel.LTA_UPDATES:
        return False
    if diff.modification_level == ModificationLevel.FORM_FILLING:
        return not set(diff.changed_form_fields) <= sig_field_names
    return True


def _dss_content(reader: PdfFileReader) -> tuple[list, list]:
    """(certificates, CRLs) of the document's DSS, to feed the validation context."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certs = list(dss.load_certs())
        crls = [asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL)) for ref in dss.crls]
    except NoDSSFoundError:
        return [], []
    except Exception:  # unreadable DSS: ignore it (levels just stay at B-T)
        logger.info("unreadable DSS", exc_info=True)
        return [], []
    return certs, crls


def _dss_revinfo(root) -> set[tuple[str, bytes]]:
    """Revocation entries of the DSS in a (historical) document root: ("crl", issuer-name hash)
    per CRL and ("ocsp", digest) per OCSP response."""
    out: set[tuple[str, bytes]] = set()
    try:
        dss = root["/DSS"]
        for ref in dss.get("/CRLs", ()):
            der = ref.get_object().read_data(DecodePurpose.CRL)
            out.add(
                (
                    "crl",
                    asn1_crl.CertificateList.load(der)["tbs_cert_list"]["issuer"].sha256 + hashlib.sha256(der).digest(),
                )
            )
        for ref in dss.get("/OCSPs", ()):
            out.add(("ocsp", hashlib.sha256(ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)).digest()))
    except KeyError:
        pass
    except Exception:
        logger.info("unreadable DSS", exc_info=True)
    return out


def _reaches_lt(reader: PdfFileReader, sig, issuer_hash: bytes, final_revinfo: set) -> bool:
    """B-LT: revocation data for the signer's issuer was added to the DSS *after* the signature
    (CRLs that were already there, e.g. from an earlier signature's archive step, don't count)."""
    try:
        before = _dss_revinfo(reader.get_historical_root(sig.signed_revision))
    except Exception:
        before = set()
    return any(kind == "ocsp" or value[:32] == issuer_hash for kind, value in final_revinfo - before)


async def _past_validation_ok(status, sig, when: datetime, roots, crls, allow_fetching) -> bool:
    """Re-validate the signer's chain at the trusted timestamp time (certificate revoked or expired
    after the signature)."""
    vc = ValidationContext(
        trust_roots=roots,
        crls=crls,
        allow_fetching=allow_fetching,
        moment=when,
        retroactive_revinfo=True,
        revocation_mode="soft-fail",
    )
    validator = CertificateValidator(
        status.signing_cert, intermediate_certs=sig.other_embedded_certs, validation_context=vc
    )
    try:
        await validator.async_validate_usage(set())
    except (ValidationError, PathBuildingError, PathValidationError):
        return False
    return True


def _fmt(dt: datetime) -> str:
    return dt.astimezone(PERU_TZ).strftime("%d/%m/%Y %H:%M:%S")


async def async_validate_pdf(
    data: bytes,
    *,
    trust_roots: Iterable,
    crls: Iterable = (),
    allow_fetching: bool = False,
    require_timestamp: bool = False,
) -> VerificationReport:
    """Validate every signature of ``data``. See the module docstring for the verdict rules."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
        regular = [s for s in embedded if s.sig_object_type == "/Sig"]
        doc_timestamps = [s for s in embedded if s.sig_object_type == "/DocTimeStamp"]
    except Exception:
        return _file_report(data, INDETERMINADO, [R_NOT_PDF])
    if not regular:
        return _file_report(data, INDETERMINADO, [R_NO_SIGNATURES], n_ts=len(doc_timestamps))

    roots = as_certs(trust_roots)
    dss_certs, dss_crls = _dss_content(reader)
    final_revinfo = _dss_revinfo(reader.root)
    all_crls = as_crls(crls) + dss_crls

    def new_vc() -> ValidationContext:
        return ValidationContext(
            trust_roots=roots,
            crls=all_crls,
            other_certs=dss_certs,
            allow_fetching=allow_fetching,
            revocation_mode="soft-fail",
        )

    sig_field_names = {s.field_name for s in regular} | {s.field_name for s in doc_timestamps}
    # document timestamps that verify (for B-LTA)
    good_doc_ts_revisions = []
    for ts in doc_timestamps:
        try:
            ts_status = await async_validate_pdf_timestamp(ts, validation_context=new_vc(), skip_diff=True)
            if ts_status.intact and ts_status.valid and ts_status.trusted:
                good_doc_ts_revisions.append(ts.signed_revision)
        except Exception:  # a broken document timestamp only lowers the level
            logger.info("document timestamp %s does not verify", ts.field_name, exc_info=True)

    reports = []
    for sig in regular:
        reports.append(
            await _validate_one(
                sig,
                new_vc(),
                roots,
                all_crls,
                allow_fetching,
                require_timestamp,
                sig_field_names,
                reader,
                final_revinfo,
                good_doc_ts_revisions,
            )
        )
    verdicts = [r.verdict for r in reports]
    overall = NO_VALIDO if NO_VALIDO in verdicts else INDETERMINADO if INDETERMINADO in verdicts else VALIDO
    reasons = [reason for r in reports if r.verdict == overall for reason in r.reasons]
    appended = _content_after_last_signature(data, reader, embedded, regular, reports)
    return _file_report(data, overall, reasons, reports, len(doc_timestamps), [W_APPENDED] if appended else [])


async def _validate_one(
    sig,
    vc,
    roots,
    crls,
    allow_fetching,
    require_timestamp,
    sig_field_names,
    reader,
    final_revinfo,
    good_doc_ts_revisions,
) -> SignatureReport:
    field_name = sig.field_name or ""
    try:
        cert = sig.signer_cert
        declared = sig.sig_object.get("/Reason")
        status = await async_validate_pdf_signature(
            sig, signer_validation_context=vc, key_usage_settings=_SIGNING_KEY_USAGE
        )
    except Exception as exc:
        logger.info("signature %s could not be validated", field_name, exc_info=True)
        subject = ""
        with contextlib.suppress(Exception):
            subject = sig.signer_cert.subject.human_friendly
        return SignatureReport(
            field_name=field_name,
            signer_name=subject,
            signer_subject=subject,
            issuer="",
            serial="",
            verdict=NO_VALIDO,
            reasons=(R_BROKEN,),
            warnings=(str(exc)[:200],),
            level=None,
            signing_time=None,
            claimed_time=None,
            timestamp_time=None,
            has_timestamp=False,
            timestamp_trusted=False,
            intact=False,
            modified_after=True,
            modification_level=None,
            coverage=None,
            trusted=False,
            revoked=False,
            expired=False,
            declared_reason=None,
            summary="ERROR",
        )

    failed: list[str] = []  # -> NO VÁLIDO
    indeterminate: list[str] = []
    warnings: list[str] = []

    intact = bool(status.intact and status.valid)
    modified = (not intact) or _is_modified(status, sig_field_names)
    if modified:
        failed.append(R_MODIFIED)

    ts = status.timestamp_validity
    has_ts = ts is not None
    ts_trusted = bool(ts is not None and ts.intact and ts.valid and ts.trusted)
    ts_time = ts.timestamp if ts is not None else None
    if ts is not None and not (ts.intact and ts.valid):
        failed.append(R_BAD_TIMESTAMP)
    elif ts is not None and not ts.trusted:
        warnings.append(
            "El sello de tiempo no proviene de una entidad de confianza; se usa la hora declarada por el firmante"
        )
    if not ts_trusted:
        (indeterminate if require_timestamp else warnings).append(R_NO_TIMESTAMP)

    indic = status.trust_problem_indic
    revoked = status.revoked
    expired = indic == AdESIndeterminate.OUT_OF_BOUNDS_NO_POE
    if not status.trusted and intact:
        if revoked or expired:
            what = R_REVOKED if revoked else R_EXPIRED
            horizon = (
                status.revocation_details.revocation_date
                if revoked and status.revocation_details
                else status.error_time_horizon
            )
            if ts_trusted and horizon is not None and ts_time is not None and ts_time < horizon:
                if await _past_validation_ok(status, sig, ts_time, roots, crls, allow_fetching):
                    warnings.append(
                        f"{what} desde el {_fmt(horizon)}, después de la firma (sello de tiempo del {_fmt(ts_time)})"
                    )
                else:
                    indeterminate.append(R_UNTRUSTED)
            elif ts_trusted:
                failed.append(what)
            else:
                indeterminate.append(what)
                if R_NO_TIMESTAMP not in indeterminate:
                    indeterminate.append(R_NO_TIMESTAMP)
        elif indic == AdESIndeterminate.TRY_LATER:
            indeterminate.append(R_REVINFO)
        else:
            indeterminate.append(R_UNTRUSTED)

    verdict = NO_VALIDO if failed else INDETERMINADO if indeterminate else VALIDO
    if verdict == VALIDO:
        warnings = [w for w in warnings if w not in indeterminate]

    # level reached
    issuer_hash = cert.issuer.sha256
    level = "B-T" if ts_trusted else "B-B"
    if ts_trusted and _reaches_lt(reader, sig, issuer_hash, final_revinfo):
        level = "B-LT"
        if any(rev > sig.signed_revision for rev in good_doc_ts_revisions):
            level = "B-LTA"

    mod_level = status.modification_level
    claimed = status.signer_reported_dt
    return SignatureReport(
        field_name=field_name,
        signer_name=cert.subject.native.get("common_name", "") or cert.subject.human_friendly,
        signer_subject=cert.subject.human_friendly,
        issuer=cert.issuer.native.get("common_name", "") or cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        verdict=verdict,
        reasons=tuple(dict.fromkeys(failed + indeterminate)),
        warnings=tuple(dict.fromkeys(warnings)),
        level=level,
        signing_time=ts_time if ts_trusted else claimed,
        claimed_time=claimed,
        timestamp_time=ts_time,
        has_timestamp=has_ts,
        timestamp_trusted=ts_trusted,
        intact=intact,
        modified_after=modified,
        modification_level=mod_level.name if mod_level is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        trusted=bool(status.trusted),
        revoked=revoked,
        expired=expired,
        declared_reason=str(declared) if declared is not None else None,
        summary=status.summary(),
    )


def validate_pdf(data: bytes, **kwargs) -> VerificationReport:
    """Synchronous ``async_validate_pdf`` (same keyword arguments); CPU-bound, see ``sign_pdf``."""
    return run_sync(async_validate_pdf(data, **kwargs))
