"""PAdES signatures (Ley N° 27269, DOMAIN.md rule 7): sign with a visible stamp, validate every
signature of a PDF for the public verifier. Plain Python on top of pyhanko, no reflex.

Signing
=======
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
  ``pki.load_pkcs12_signer()``. Keep it (it holds the decrypted key): never reload per signature.
* ``level``: "B-B" (no timestamp), "B-T" (default, RFC 3161 signature timestamp), "B-LT" (+ DSS with
  certificates and CRLs) or "B-LTA" (+ document timestamp). B-T and above need ``timestamper``;
  B-LT/B-LTA also need ``trust_roots`` (+ ``crls`` or ``allow_fetching``): the signer's chain is
  validated with revocation mode *hard-fail* before signing, so a revoked certificate is refused
  (``SigningRefused``). With ``trust_roots`` given at B-B/B-T the same pre-check is done.
* Every signature is an incremental update (the bytes of ``data`` are kept as a prefix), so earlier
  signatures (vistos buenos, then the firma) stay valid.
* Visible stamp on ``stamp_page`` (default last page): QR code to ``verify_url`` and the text
  "Firmado digitalmente por <name> en el marco de la Ley N° 27269 — Verificable en <URL>", the
  reason ("Motivo") and the date (Lima time). ``role="firma"``: 280×100 pt; ``role="visto_bueno"``:
  230×80 pt, smaller type. Without ``stamp_box`` the stamp goes to the first free slot from the
  bottom-right corner leftwards, then one row up, avoiding every existing annotation on the page, so
  successive stamps never overlap. Page rotation is not taken into account.
* The field name defaults to "Firma-<n>" / "VistoBueno-<n>" (n = signature fields + 1).

Threading: ``sign_pdf`` / ``validate_pdf`` are synchronous and CPU-bound (~10-25 ms). From async
code (Reflex event handlers) call ``await asyncio.to_thread(sign_pdf, ...)``; each worker thread keeps
its own event loop for pyhanko's async internals. The ``async_*`` variants run on the caller's loop
(fine with an HTTP TSA, but the CPU part then blocks that loop).

Validation
==========
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
``reasons`` collects the signatures' reasons. Level reached per signature: "B-B" (no timestamp),
"B-T" (signature timestamp), "B-LT" (+ DSS holding revocation data from the signer's issuer),
"B-LTA" (+ a valid document timestamp after the signature).

``VerificationReport``: verdict, reasons (tuple, Spanish; ``.reason`` = the first), signatures
(tuple of ``SignatureReport``), document_timestamps (count), sha256 (of the file), validated_at,
``.valid``. ``SignatureReport``: field_name, signer_name (certificate CN), signer_subject, issuer,
serial (hex), verdict, reasons, warnings, level, signing_time (timestamp time when trusted, else the
signer's claim), claimed_time, timestamp_time, has_timestamp, timestamp_trusted, intact,
modified_after, modification_level / coverage (pyhanko enum names), trusted, revoked, expired,
declared_reason (the signature's /Reason), summary (pyhanko's one-line status, for logs).
The reason strings are module constants (``R_MODIFIED``, ``R_UNTRUSTED``, ``R_REVOKED``, ...).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.font.api import ShapeResult
from pyhanko.pdf_utils.font.basic import COURIER_META, SimpleFontEngine, SimpleFontEngineFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import BaseStamp, BaseStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from sgd_app.domain.pki import load_certificates

__all__ = [
    "INDETERMINADO",
    "LEVELS",
    "NO_VALIDO",
    "VALIDO",
    "SignatureReport",
    "SigningRefused",
    "VerificationReport",
    "async_extend_to_lta",
    "async_sign_pdf",
    "async_validate_pdf",
    "extend_to_lta",
    "sign_pdf",
    "validate_pdf",
]

logger = logging.getLogger(__name__)

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
ROLES = ("firma", "visto_bueno")
LEGAL_BASIS = "Ley N° 27269"
PERU_TZ = timezone(timedelta(hours=-5), "PET")  # Peru has no DST

VALIDO, NO_VALIDO, INDETERMINADO = "VÁLIDO", "NO VÁLIDO", "INDETERMINADO"
R_MODIFIED = "El documento fue modificado después de la firma"
R_UNTRUSTED = "El certificado no proviene de una entidad de confianza"
R_REVOKED = "El certificado está revocado"
R_EXPIRED = "El certificado está vencido"
R_NO_TIMESTAMP = "La firma no tiene sello de tiempo"
R_NO_SIGNATURES = "El archivo no contiene firmas digitales"
R_NOT_PDF = "El archivo no es un PDF válido"
R_BAD_TIMESTAMP = "El sello de tiempo de la firma no es válido"
R_REVINFO = "No se pudo verificar el estado de revocación del certificado"
R_BROKEN = "La firma digital está dañada o no se puede leer"

_SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)


class SigningRefused(ValueError):
    """The signature can't be made (bad input PDF, revoked/untrusted certificate, missing TSA)."""


# =============================================================================================
# Visible stamp
# =============================================================================================
class _WinAnsiCourier(SimpleFontEngine):
    """Courier (standard 14 font, WinAnsiEncoding) that encodes text as cp1252, so "°", "—", "ñ"
    and accents render and extract correctly (pyhanko's default writes PDFDocEncoding / UTF-16)."""

    def shape(self, txt: str) -> ShapeResult:
        raw = txt.encode("cp1252", errors="replace")
        esc = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        return ShapeResult(graphics_ops=b"(" + esc + b") Tj", x_advance=len(txt) * self.avg_width, y_advance=0)


class _WinAnsiCourierFactory(SimpleFontEngineFactory):
    def __init__(self):
        super().__init__("Courier", 0.6, COURIER_META)

    def create_font_engine(self, writer, obj_stream=None):
        return _WinAnsiCourier(writer, self.name, self.avg_width, self.meta)


@dataclass(frozen=True)
class _StampGeometry:
    width: float
    height: float
    font_size: int  # nominal; the text block shrinks to fit, the QR code never does
    chars: int  # wrap width of the text column


_GEOMETRY = {
    "firma": _StampGeometry(280, 100, 7, 40),
    "visto_bueno": _StampGeometry(230, 80, 6, 38),
}
_MARGIN = 18.0  # from the page edges
_GAP = 6.0  # between stamps
_PAD = 4.0  # inside a stamp
_QR_BORDER = 2  # quiet zone in modules (the stamp's padding adds to it)


def _qr_xobject(writer, url: str):
    """The QR code as a form XObject. A fixed mask pattern (any of the 8 is valid per
    ISO/IEC 18004) skips qrcode's best-mask search: 8 trial renderings, ~6 ms per signature."""
    import qrcode
    from pyhanko.pdf_utils.qr import PdfStreamQRImage
    from pyhanko.pdf_utils.writer import init_xobject_dictionary

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=_QR_MASK, border=_QR_BORDER)
    qr.add_data(url)
    qr.make()
    img = qr.make_image(image_factory=PdfStreamQRImage)
    size = (qr.modules_count + 2 * qr.border) * qr.box_size
    xobj = init_xobject_dictionary(img.render_command_stream(), size, size)
    xobj.compress()
    return writer.add_object(xobj), size


_QR_MASK = 0


class _SignatureStamp(BaseStamp):
    """QR code as tall as the stamp on the left, text block on the right. Unlike pyhanko's
    QRStamp (which shrinks QR and text together when the text is wide, e.g. a long URL), only the
    text shrinks here: the QR code keeps its size so it stays scannable."""

    def __init__(self, writer, style, box, url: str, text: str):
        super().__init__(writer=writer, style=style, box=box)
        self.url, self.text = url, text

    def _render_inner_content(self):
        box = self.box
        qr_ref, natural = _qr_xobject(self.writer, self.url)
        self.set_resource(category=content.ResourceType.XOBJECT, name=generic.pdf_name("/QR"), value=qr_ref)
        qr_size = box.height - 2 * _PAD
        scale = qr_size / natural
        commands = [b"q %g 0 0 %g %g %g cm /QR Do Q" % (scale, scale, _PAD, _PAD)]
        tb = TextBox(self.style.text_box_style, writer=self.writer, resources=self.resources, box=None)
        tb.content = self.text
        text_commands = tb.render()
        avail_w = box.width - qr_size - 3 * _PAD
        avail_h = box.height - 2 * _PAD
        s = min(1.0, avail_w / tb.box.width, avail_h / tb.box.height)
        x = qr_size + 2 * _PAD
        y = _PAD + (avail_h - tb.box.height * s) / 2
        commands += [b"q %g 0 0 %g %g %g cm" % (s, s, x, y), text_commands, b"Q"]
        return commands


@dataclass(frozen=True)
class _StampStyle(BaseStampStyle):
    text_box_style: TextBoxStyle = TextBoxStyle()

    def create_stamp(self, writer, box, text_params):
        return _SignatureStamp(writer, self, box, url=text_params["url"], text=text_params["legend"])


def _style(role: str) -> _StampStyle:
    g = _GEOMETRY[role]
    return _StampStyle(
        text_box_style=TextBoxStyle(
            font=_WinAnsiCourierFactory(),
            font_size=g.font_size,
            leading=g.font_size + 1,
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins.uniform(0),
                inner_content_scaling=layout.InnerScaling.NO_SCALING,
            ),
        ),
        border_width=1,
        border_color=(0.35, 0.35, 0.35),
        background=None,
    )


_STYLES = {role: _style(role) for role in ROLES}


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap that never breaks a word (URLs stay on one line and shrink the stamp)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines


def stamp_text(*, signer_name: str, reason: str, verify_url: str, when: datetime, role: str = "firma") -> str:
    """The text of the visible stamp. Read with whitespace collapsed, it starts with the legend
    "Firmado digitalmente por <name> en el marco de la Ley N° 27269 — Verificable en <URL>"."""
    g = _GEOMETRY[role]
    lines = ["Firmado digitalmente por"]
    lines += _wrap(signer_name, g.chars)
    lines.append(f"en el marco de la {LEGAL_BASIS} —")
    lines.append("Verificable en")
    lines.append(verify_url)  # never wrapped: a long URL shrinks the stamp's content instead
    if reason:
        lines += _wrap(f"Motivo: {reason}", g.chars)
    lines.append("Fecha: " + when.astimezone(PERU_TZ).strftime("%d/%m/%Y %H:%M:%S") + " (UTC-05:00)")
    return "\n".join(lines)


def _rect(obj) -> tuple[float, float, float, float] | None:
    try:
        x1, y1, x2, y2 = (float(v) for v in obj)
    except (TypeError, ValueError):
        return None
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _auto_box(reader: PdfFileReader, page_ix: int, role: str) -> tuple[int, int, int, int]:
    page_ref, _ = reader.find_page_for_modification(page_ix)
    page = page_ref.get_object()
    node, box = page, None
    while node is not None and box is None:
        box = node.get("/CropBox") or node.get("/MediaBox")
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    px1, py1, px2, py2 = _rect(box) or (0.0, 0.0, 595.0, 842.0)
    taken = []
    for annot in page.get("/Annots", generic.ArrayObject()) or ():
        r = _rect(annot.get_object().get("/Rect"))
        if r is not None:
            taken.append(r)
    g = _GEOMETRY[role]
    y = py1 + _MARGIN
    first = None
    while y + g.height <= py2 - _MARGIN:
        x = px2 - _MARGIN - g.width
        while x >= px1 + _MARGIN:
            cand = (x, y, x + g.width, y + g.height)
            first = first or cand
            if not any(_overlaps(cand, t) for t in taken):
                return tuple(round(v) for v in cand)  # type: ignore[return-value]
            x -= g.width + _GAP
        y += g.height + _GAP
    # page full of stamps: fall back to the bottom-right slot
    cand = first or (px1, py1, px1 + g.width, py1 + g.height)
    return tuple(round(v) for v in cand)  # type: ignore[return-value]


def _next_field_name(reader: PdfFileReader, role: str) -> tuple[str, set[str]]:
    existing = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    prefix = "Firma" if role == "firma" else "VistoBueno"
    n = len(existing) + 1
    while f"{prefix}-{n}" in existing:
        n += 1
    return f"{prefix}-{n}", existing


# =============================================================================================
# Signing
# =============================================================================================
def _as_certs(items: Iterable) -> list[asn1_x509.Certificate]:
    out: list[asn1_x509.Certificate] = []
    for item in items or ():
        if isinstance(item, asn1_x509.Certificate):
            out.append(item)
        elif isinstance(item, (bytes, bytearray)):
            out.extend(load_certificates(bytes(item)))
        else:  # a cryptography certificate
            from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1

            out.append(translate_pyca_cryptography_cert_to_asn1(item))
    return out


def _as_crls(items: Iterable) -> list[asn1_crl.CertificateList]:
    out = []
    for item in items or ():
        if isinstance(item, asn1_crl.CertificateList):
            out.append(item)
        else:
            data = bytes(item)
            if data.lstrip().startswith(b"-----"):
                from asn1crypto import pem

                out.extend(asn1_crl.CertificateList.load(der) for _, _, der in pem.unarmor(data, multiple=True))
            else:
                out.append(asn1_crl.CertificateList.load(data))
    return out


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
    if role not in ROLES:
        raise ValueError(f"Rol de firma desconocido: {role!r} (use {', '.join(ROLES)})")
    if level != "B-B" and timestamper is None:
        raise SigningRefused(f"El nivel {level} requiere una autoridad de sellado de tiempo")
    roots = _as_certs(trust_roots)
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

    auto_name, existing = _next_field_name(writer.prev, role)
    name = field_name or auto_name
    if name in existing:
        raise ValueError(f"Ya existe un campo de firma llamado {name!r}")
    box = tuple(round(v) for v in stamp_box) if stamp_box else _auto_box(writer.prev, page_ix, role)
    display_name = signer_name or signer.subject_name or ""
    if signer.signing_cert is not None and not signer_name:
        display_name = signer.signing_cert.subject.native.get("common_name", display_name)
    when = datetime.now(PERU_TZ)

    vc = None
    if roots:
        vc = ValidationContext(
            trust_roots=roots,
            crls=_as_crls(crls),
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
        stamp_style=_STYLES[role],
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
    return _run(async_sign_pdf(data, **kwargs))


async def async_extend_to_lta(
    data: bytes, *, timestamper: TimeStamper, trust_roots: Iterable, crls: Iterable = (), allow_fetching: bool = False
) -> bytes:
    """Archive a signed PDF: one incremental update adding a DSS with the chains and CRLs of every
    signature (and timestamp), then a document timestamp — every signature reaches B-LTA (those
    with a signature timestamp). Run it again later to renew the archive timestamp chain."""
    from pyhanko.sign.validation import collect_validation_info

    vc = ValidationContext(
        trust_roots=_as_certs(trust_roots),
        crls=_as_crls(crls),
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
    return _run(async_extend_to_lta(data, **kwargs))


_local = threading.local()


def _run(coro):
    """Run a coroutine on this thread's private event loop (cheaper than asyncio.run per call)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        # Called from a thread whose loop is running (a blocking call from async code, or a test
        # harness that keeps a loop open): run on a helper thread instead of failing. Async code
        # should still prefer asyncio.to_thread so that the loop is not blocked meanwhile.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(_run, coro).result()
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


# =============================================================================================
# Validation
# =============================================================================================
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

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""

    @property
    def valid(self) -> bool:
        return self.verdict == VALIDO


def _file_report(data: bytes, verdict: str, reasons: Iterable[str], sigs=(), n_ts=0) -> VerificationReport:
    return VerificationReport(
        verdict=verdict,
        reasons=tuple(dict.fromkeys(reasons)),
        signatures=tuple(sigs),
        document_timestamps=n_ts,
        sha256=hashlib.sha256(data).hexdigest(),
        validated_at=datetime.now(UTC),
    )


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
    from pyhanko.pdf_utils.decode_limits import DecodePurpose
    from pyhanko.sign.validation.errors import NoDSSFoundError

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
    from pyhanko.pdf_utils.decode_limits import DecodePurpose

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
    for kind, value in final_revinfo - before:
        if kind == "ocsp" or value[:32] == issuer_hash:
            return True
    return False


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

    roots = _as_certs(trust_roots)
    dss_certs, dss_crls = _dss_content(reader)
    final_revinfo = _dss_revinfo(reader.root)
    all_crls = _as_crls(crls) + dss_crls

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
    return _file_report(data, overall, reasons, reports, len(doc_timestamps))


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
        try:
            subject = sig.signer_cert.subject.human_friendly
        except Exception:
            pass
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
            if ts_trusted and horizon is not None and ts_time < horizon:
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
    return _run(async_validate_pdf(data, **kwargs))
