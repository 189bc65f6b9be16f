"""PAdES signing and validation (DOMAIN.md rule 7), the development PKI, batch signing and public
verification: sgd_app.domain.signing.

Every signed file is also checked by an independent verifier, poppler's ``pdfsig -nocert``
(cryptographic validity; trust is checked by our own validator)."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import shutil
import stat
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import drafting, intake, routing, signing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.models import Document, InternalDocument, SignatureStep, Unit
from sgd_app.domain.signing import INDETERMINADO, NO_VALIDO, VALIDO, CachedKeySigner, DevPKI, config, load_pkcs12_signer
from sgd_app.domain.signing import steps as steps_module
from tests.conftest import make_pdf as make_filing_pdf
from tests.conftest import principal, run_async

URL = "https://tramite.jne.gob.pe/verificar/EXP-2026-000123"
HAVE_PDFSIG = shutil.which("pdfsig") is not None
HAVE_PDFTOTEXT = shutil.which("pdftotext") is not None


# --------------------------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> DevPKI:
    return DevPKI.ensure(tmp_path_factory.mktemp("pki") / "dev-pki")


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    return make_pdf()


def make_pdf(
    pages: int = 1, text: str = "Resolución N° 0123-2026-JNE. Se resuelve declarar fundado el recurso."
) -> bytes:
    pdf = FPDF()
    pdf.set_compression(False)  # so the test can flip a byte of visible text
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def trust(pki: DevPKI, **extra) -> dict:
    return {"trust_roots": pki.trust_roots(), "crls": pki.crls(), **extra}


def sign(pki: DevPKI, data: bytes, signer=None, **kw) -> bytes:
    kw.setdefault("timestamper", pki.timestamper())
    kw.setdefault("reason", "Soy el autor del documento")
    kw.setdefault("verify_url", URL)
    return signing.sign_pdf(data, signer=signer or pki.staff_signer("jperez", "Juana Pérez Quispe"), **kw)


def pdfsig(tmp_path: Path, data: bytes) -> list[dict[str, str]]:
    """Run poppler's pdfsig and parse one dict per signature."""
    path = tmp_path / f"doc-{time.monotonic_ns()}.pdf"
    path.write_bytes(data)
    proc = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=20)
    sigs: list[dict[str, str]] = []
    for line in proc.stdout.splitlines():
        if line.startswith("Signature #"):
            sigs.append({})
        elif line.startswith("  - ") and sigs and ":" in line:
            key, _, value = line[4:].partition(":")
            sigs[-1][key.strip()] = value.strip()
        elif line.startswith("  - ") and sigs:  # "Total document signed" / "Not total document signed"
            sigs[-1]["coverage"] = line[4:].strip()
    return sigs


def assert_pdfsig_valid(tmp_path: Path, data: bytes, expected_signatures: int) -> list[dict[str, str]]:
    sigs = pdfsig(tmp_path, data)
    regular = [s for s in sigs if s.get("Signature Type") != "unknown"]  # poppler 22 can't check doc timestamps
    assert len(regular) == expected_signatures, sigs
    for s in regular:
        assert s["Signature Validation"] == "Signature is Valid.", s
    return sigs


def widget_rects(data: bytes) -> list[tuple[float, ...]]:
    reader = PdfFileReader(io.BytesIO(data))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    return [tuple(float(v) for v in a.get_object()["/Rect"]) for a in page.get("/Annots", [])]


def make_ca(name: str):
    key = rsa.generate_private_key(65537, 2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf_signer(ca, ca_key, name: str, *, not_before: datetime, not_after: datetime) -> CachedKeySigner:
    key = rsa.generate_private_key(65537, 2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return CachedKeySigner(
        translate_pyca_cryptography_cert_to_asn1(cert), key, [translate_pyca_cryptography_cert_to_asn1(ca)]
    )


# --------------------------------------------------------------------------------------------
# round trips and the independent verifier
# --------------------------------------------------------------------------------------------
@pytest.mark.skipif(not HAVE_PDFSIG, reason="poppler-utils (pdfsig) not installed")
@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_round_trip_each_level(pki, pdf_bytes, tmp_path, level):
    extra = trust(pki) if level in ("B-LT", "B-LTA") else {}
    signed = sign(pki, pdf_bytes, level=level, **extra)
    assert signed.startswith(pdf_bytes)  # incremental update: the original bytes are kept

    report = signing.validate_pdf(signed, **trust(pki))
    assert report.verdict == VALIDO, report
    (sig,) = report.signatures
    assert sig.verdict == VALIDO and sig.reasons == ()
    assert sig.level == level
    assert sig.signer_name == "Juana Pérez Quispe"
    assert sig.has_timestamp is (level != "B-B")
    assert sig.intact and sig.trusted and not sig.modified_after and not sig.revoked
    assert sig.declared_reason == "Soy el autor del documento"
    assert sig.signing_time is not None and abs(sig.signing_time - datetime.now(UTC)) < timedelta(minutes=1)
    if level == "B-B":
        assert signing.R_NO_TIMESTAMP in sig.warnings
    else:
        assert sig.timestamp_trusted and sig.signing_time == sig.timestamp_time
    assert report.document_timestamps == (1 if level == "B-LTA" else 0)

    sigs = assert_pdfsig_valid(tmp_path, signed, 1)
    assert sigs[0]["Signature Type"] == "ETSI.CAdES.detached"
    assert sigs[0]["Signer Certificate Common Name"] == "Juana Pérez Quispe"


def test_b_b_is_indeterminate_when_a_timestamp_is_required(pki, pdf_bytes):
    signed = sign(pki, pdf_bytes, level="B-B")
    report = signing.validate_pdf(signed, require_timestamp=True, **trust(pki))
    assert report.verdict == INDETERMINADO
    assert report.reasons == (signing.R_NO_TIMESTAMP,)


def test_b_t_needs_a_timestamper(pki, pdf_bytes):
    with pytest.raises(signing.SigningRefused, match="sellado de tiempo"):
        signing.sign_pdf(pdf_bytes, signer=pki.seal_signer(), timestamper=None, reason="x", verify_url=URL)


# --------------------------------------------------------------------------------------------
# changes after signing
# --------------------------------------------------------------------------------------------
def test_one_byte_changed_inside_the_signed_range_is_not_valid(pki, pdf_bytes, tmp_path):
    signed = sign(pki, pdf_bytes)
    pos = signed.index(b"fundado")
    assert pos < len(pdf_bytes)  # inside the first byte range
    tampered = signed[:pos] + b"F" + signed[pos + 1 :]

    report = signing.validate_pdf(tampered, **trust(pki))
    assert report.verdict == NO_VALIDO
    assert report.reason == signing.R_MODIFIED
    assert report.signatures[0].intact is False
    if HAVE_PDFSIG:
        (sig,) = pdfsig(tmp_path, tampered)
        assert sig["Signature Validation"] != "Signature is Valid."


def _append_annotation(data: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref, _ = w.find_page_for_modification(0)
    annot = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Text"),
            generic.pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (40, 700, 60, 720)]),
            generic.pdf_name("/Contents"): generic.TextStringObject("Comentario añadido después de firmar"),
        }
    )
    w.register_annotation(page_ref, w.add_object(annot))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _append_page_content(data: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    stream = generic.StreamObject(stream_data=b"q 1 0 0 RG 4 w 60 600 m 500 400 l S Q")
    w.add_stream_to_page(0, w.add_object(stream))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize("edit", [_append_annotation, _append_page_content], ids=["annotation", "page_content"])
def test_incremental_edit_after_signing_is_not_valid(pki, pdf_bytes, tmp_path, edit):
    signed = sign(pki, pdf_bytes)
    edited = edit(signed)
    assert edited.startswith(signed)

    report = signing.validate_pdf(edited, **trust(pki))
    assert report.verdict == NO_VALIDO
    assert "modificado" in report.reason
    (sig,) = report.signatures
    assert sig.intact and sig.modified_after  # the signed bytes still verify, the file was changed later
    if HAVE_PDFSIG:  # poppler only checks the byte range: it can't see this
        (psig,) = pdfsig(tmp_path, edited)
        assert psig["Signature Validation"] == "Signature is Valid."
        assert psig["coverage"] == "Not total document signed"


# --------------------------------------------------------------------------------------------
# several signatures on one document
# --------------------------------------------------------------------------------------------
@pytest.mark.skipif(not HAVE_PDFSIG, reason="poppler-utils (pdfsig) not installed")
def test_vistos_buenos_then_firma_all_valid_and_stamps_do_not_overlap(pki, pdf_bytes, tmp_path):
    vb1 = sign(
        pki,
        pdf_bytes,
        signer=pki.staff_signer("mquispe", "Mario Quispe Huamán"),
        role="visto_bueno",
        reason="Visto bueno — Oficina de Asesoría Jurídica",
    )
    vb2 = sign(
        pki,
        vb1,
        signer=pki.staff_signer("lrojas", "Lucía Rojas Ñahui"),
        role="visto_bueno",
        reason="Visto bueno — Gerencia General",
    )
    firma = sign(pki, vb2, reason="Firma del Presidente")
    assert firma.startswith(vb2) and vb2.startswith(vb1)

    report = signing.validate_pdf(firma, **trust(pki))
    assert report.verdict == VALIDO, report
    assert [s.verdict for s in report.signatures] == [VALIDO] * 3
    assert [s.signer_name for s in report.signatures] == [
        "Mario Quispe Huamán",
        "Lucía Rojas Ñahui",
        "Juana Pérez Quispe",
    ]
    assert [s.field_name for s in report.signatures] == ["VistoBueno-1", "VistoBueno-2", "Firma-3"]
    assert all(not s.modified_after for s in report.signatures)
    assert report.signatures[-1].coverage == "ENTIRE_FILE"

    rects = widget_rects(firma)
    assert len(rects) == 3
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert_pdfsig_valid(tmp_path, firma, 3)

    # ... and an edit after the last signature invalidates all of them
    edited = _append_annotation(firma)
    assert [s.verdict for s in signing.validate_pdf(edited, **trust(pki)).signatures] == [NO_VALIDO] * 3


@pytest.mark.skipif(not HAVE_PDFSIG, reason="poppler-utils (pdfsig) not installed")
def test_archive_extends_every_signature_to_b_lta(pki, pdf_bytes, tmp_path):
    vb = sign(
        pki,
        pdf_bytes,
        signer=pki.staff_signer("mquispe", "Mario Quispe Huamán"),
        role="visto_bueno",
        reason="Visto bueno",
    )
    firma = sign(pki, vb, signer=pki.seal_signer(), reason="Sello de la institución")
    archived = signing.extend_to_lta(firma, timestamper=pki.timestamper(), **trust(pki))
    report = signing.validate_pdf(archived, **trust(pki))
    assert report.verdict == VALIDO, report
    assert [s.level for s in report.signatures] == ["B-LTA", "B-LTA"]
    assert report.signatures[1].signer_name == "Sello electrónico — Jurado Nacional de Elecciones"
    assert report.document_timestamps == 1
    assert_pdfsig_valid(tmp_path, archived, 2)

    # renewing the archive timestamp chain, then one more signature: all still valid
    renewed = signing.extend_to_lta(archived, timestamper=pki.timestamper(), **trust(pki))
    later = sign(pki, renewed, reason="Firma posterior al archivo")
    report = signing.validate_pdf(later, **trust(pki))
    assert report.verdict == VALIDO, report
    assert report.document_timestamps == 2
    assert [s.level for s in report.signatures] == ["B-LTA", "B-LTA", "B-T"]  # DSS data predating it doesn't count
    assert_pdfsig_valid(tmp_path, later, 3)


def test_explicit_box_and_field_name(pki, pdf_bytes):
    signed = sign(pki, make_pdf(pages=2), field_name="FirmaGerente", stamp_page=0, stamp_box=(50, 50, 300, 134))
    report = signing.validate_pdf(signed, **trust(pki))
    assert report.signatures[0].field_name == "FirmaGerente" and report.verdict == VALIDO
    with pytest.raises(ValueError, match="Ya existe"):
        sign(pki, signed, field_name="FirmaGerente")
    with pytest.raises(ValueError, match="no existe"):
        sign(pki, pdf_bytes, stamp_page=3)


# --------------------------------------------------------------------------------------------
# trust: revoked, untrusted, expired
# --------------------------------------------------------------------------------------------
def test_signature_after_revocation_is_not_valid_and_presign_check_refuses(pki, pdf_bytes):
    old = pki.staff_signer("revocado", "Pedro Revocado Díaz")
    pki.revoke("revocado")
    assert old.signing_cert.serial_number in pki.revoked_serials()

    signed = sign(pki, pdf_bytes, signer=old)  # a held signer object still signs...
    report = signing.validate_pdf(signed, **trust(pki))  # ...but the validator reports it
    assert report.verdict == NO_VALIDO
    assert report.reason == signing.R_REVOKED
    assert report.signatures[0].revoked

    with pytest.raises(signing.SigningRefused, match="revocado"):  # with trust info, signing refuses
        sign(pki, pdf_bytes, signer=old, level="B-LTA", **trust(pki))

    new = pki.staff_signer("revocado", "Pedro Revocado Díaz")  # a fresh certificate is issued
    assert new.signing_cert.serial_number != old.signing_cert.serial_number
    assert signing.validate_pdf(sign(pki, pdf_bytes, signer=new), **trust(pki)).verdict == VALIDO


def test_without_timestamp_a_revoked_signature_is_indeterminate(pki, pdf_bytes):
    old = pki.staff_signer("revocado2", "Rosa Revocada")
    signed = sign(pki, pdf_bytes, signer=old, level="B-B")
    pki.revoke("revocado2")
    report = signing.validate_pdf(signed, **trust(pki))
    assert report.verdict == INDETERMINADO
    assert report.reasons == (signing.R_REVOKED, signing.R_NO_TIMESTAMP)


def test_signature_timestamped_before_revocation_stays_valid(pki, pdf_bytes):
    signer = pki.staff_signer("cesado", "Carlos Cesado Ramos")
    signed = sign(pki, pdf_bytes, signer=signer)
    # CRL dates have a one-second resolution: revoke in the next second
    time.sleep(1.05 - datetime.now(UTC).microsecond / 1e6)
    pki.revoke("cesado")
    report = signing.validate_pdf(signed, **trust(pki))
    assert report.verdict == VALIDO, report
    (sig,) = report.signatures
    assert sig.revoked and any("después de la firma" in w for w in sig.warnings)


def test_untrusted_signer_is_reported(pki, pdf_bytes):
    ca, ca_key = make_ca("CA casera")
    now = datetime.now(UTC)
    rogue = make_leaf_signer(
        ca, ca_key, "Presidente del JNE", not_before=now - timedelta(days=1), not_after=now + timedelta(days=30)
    )
    signed = sign(pki, pdf_bytes, signer=rogue)
    report = signing.validate_pdf(signed, **trust(pki))
    assert report.verdict == INDETERMINADO
    assert report.reason == signing.R_UNTRUSTED
    assert "no proviene de una entidad de confianza" in report.reason
    # the same file is VÁLIDO for a verifier that trusts that CA ("configured roots")
    ok = signing.validate_pdf(
        signed, trust_roots=[*pki.trust_roots(), translate_pyca_cryptography_cert_to_asn1(ca)], crls=pki.crls()
    )
    assert ok.verdict == VALIDO
    # and our own signatures are untrusted for a verifier without the dev root
    assert signing.validate_pdf(sign(pki, pdf_bytes), trust_roots=[]).reason == signing.R_UNTRUSTED


def test_expired_certificate(pki, pdf_bytes):
    ca, ca_key = make_ca("CA externa")
    now = datetime.now(UTC)
    expired = make_leaf_signer(
        ca, ca_key, "Firmante Vencido", not_before=now - timedelta(days=20), not_after=now - timedelta(days=1)
    )
    roots = [*pki.trust_roots(), translate_pyca_cryptography_cert_to_asn1(ca)]
    with_ts = signing.validate_pdf(sign(pki, pdf_bytes, signer=expired), trust_roots=roots, crls=pki.crls())
    assert with_ts.verdict == NO_VALIDO  # the timestamp proves it was signed after expiry
    assert with_ts.reason == signing.R_EXPIRED
    without_ts = signing.validate_pdf(sign(pki, pdf_bytes, signer=expired, level="B-B"), trust_roots=roots)
    assert without_ts.verdict == INDETERMINADO
    assert without_ts.reasons == (signing.R_EXPIRED, signing.R_NO_TIMESTAMP)


# --------------------------------------------------------------------------------------------
# files that are not signed PDFs
# --------------------------------------------------------------------------------------------
def test_unsigned_and_non_pdf_files(pki, pdf_bytes):
    unsigned = signing.validate_pdf(pdf_bytes, **trust(pki))
    assert (unsigned.verdict, unsigned.reason, unsigned.signatures) == (INDETERMINADO, signing.R_NO_SIGNATURES, ())
    junk = signing.validate_pdf(b"GIF89a not a pdf at all", **trust(pki))
    assert (junk.verdict, junk.reason) == (INDETERMINADO, signing.R_NOT_PDF)
    truncated = signing.validate_pdf(sign(pki, pdf_bytes)[:900], **trust(pki))
    assert truncated.verdict in (INDETERMINADO, NO_VALIDO) and truncated.reason in (
        signing.R_NOT_PDF,
        signing.R_NO_SIGNATURES,
    )
    with pytest.raises(signing.SigningRefused, match="no es un PDF"):
        sign(pki, b"hello")


# --------------------------------------------------------------------------------------------
# the visible stamp
# --------------------------------------------------------------------------------------------
@pytest.mark.skipif(not HAVE_PDFTOTEXT, reason="poppler-utils (pdftotext) not installed")
def test_stamp_text_has_the_legend_reason_date_and_url(pki, pdf_bytes, tmp_path):
    signed = sign(pki, pdf_bytes, reason="Aprobación de la resolución")
    path = tmp_path / "stamp.pdf"
    path.write_bytes(signed)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "Ley N° 27269" in text
    assert URL in text
    flat = " ".join(text.split())
    assert f"Firmado digitalmente por Juana Pérez Quispe en el marco de la Ley N° 27269 — Verificable en {URL}" in flat
    assert "Motivo: Aprobación de la resolución" in flat
    assert datetime.now(signing.PERU_TZ).strftime("%d/%m/%Y") in flat
    # the QR code is an image XObject-free vector drawing inside the widget appearance; the link is the URL
    reader = PdfFileReader(io.BytesIO(signed))
    (annot,) = reader.root["/Pages"]["/Kids"][0].get_object()["/Annots"]
    ap = annot.get_object()["/AP"]["/N"].get_object()
    assert "/QR" in ap["/Resources"]["/XObject"]


# --------------------------------------------------------------------------------------------
# keys at rest, PKCS#12 import, concurrency, async
# --------------------------------------------------------------------------------------------
def test_keys_on_disk_are_encrypted_and_the_passphrase_is_0600(pki):
    pki.staff_signer("jperez", "Juana Pérez Quispe")
    assert stat.S_IMODE(pki.passphrase_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(pki.directory.stat().st_mode) == 0o700
    passphrase = pki.passphrase_path.read_bytes().strip()
    keys = sorted(pki.directory.glob("*.key.pem")) + sorted((pki.directory / "staff").glob("*.key.pem"))
    assert {p.name for p in keys} >= {
        "root-ca.key.pem",
        "institution-ca.key.pem",
        "seal.key.pem",
        "tsa.key.pem",
        "jperez.key.pem",
    }
    for path in keys:
        pem = path.read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with pytest.raises(TypeError):  # "Password was not given but private key is encrypted"
            serialization.load_pem_private_key(pem, password=None)
        with pytest.raises(ValueError):
            serialization.load_pem_private_key(pem, password=b"wrong")
    assert serialization.load_pem_private_key(keys[0].read_bytes(), password=passphrase).key_size == 2048


def test_load_pkcs12_signer(pki, pdf_bytes, tmp_path):
    pki.staff_signer("p12user", "Usuaria PKCS12")
    passphrase = pki.passphrase_path.read_bytes().strip()
    key = serialization.load_pem_private_key(pki.staff_key_path("p12user").read_bytes(), password=passphrase)
    cert = x509.load_pem_x509_certificate(pki.staff_cert_path("p12user").read_bytes())
    ica = x509.load_pem_x509_certificate(pki.cert_path("institution-ca").read_bytes())
    p12 = pkcs12.serialize_key_and_certificates(
        b"usuaria", key, cert, [ica], serialization.BestAvailableEncryption(b"clave-de-usuaria")
    )
    with pytest.raises(ValueError, match="contraseña"):
        load_pkcs12_signer(p12, b"otra")
    signer = load_pkcs12_signer(p12, b"clave-de-usuaria")
    signed = sign(pki, pdf_bytes, signer=signer)
    report = signing.validate_pdf(signed, **trust(pki))
    assert report.verdict == VALIDO and report.signatures[0].signer_name == "Usuaria PKCS12"


def test_signer_objects_are_cached(pki):
    assert pki.staff_signer("jperez", "Juana Pérez Quispe") is pki.staff_signer("jperez", "Juana Pérez Quispe")
    assert pki.seal_signer() is pki.seal_signer()
    assert pki.timestamper() is pki.timestamper()
    assert DevPKI.ensure(pki.directory) is pki


def test_revocation_by_another_process_and_renewal_before_expiry(pki):
    first = pki.staff_signer("rotacion", "Rita Rotación")
    other = DevPKI(pki.directory, pki.institution)  # what another worker process would hold
    other._create_or_load()
    other.revoke("rotacion")
    second = pki.staff_signer("rotacion", "Rita Rotación")  # sees the file change, issues anew
    assert second.signing_cert.serial_number != first.signing_cert.serial_number
    # a certificate about to expire is retired and reissued (simulated with a 0-day certificate)
    key = rsa.generate_private_key(65537, 2048)
    short = pki._issue(
        pki._ica,
        key.public_key(),
        "institution-ca",
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rita Rotación")]),
        days=0,
    )
    pki.staff_cert_path("rotacion").write_bytes(short.public_bytes(serialization.Encoding.PEM))
    third = pki.staff_signer("rotacion", "Rita Rotación")
    assert third.signing_cert.serial_number not in (second.signing_cert.serial_number, short.serial_number)
    assert third.signing_cert.not_valid_after > datetime.now(UTC) + timedelta(days=700)
    assert list((pki.directory / "staff" / "expired").glob("rotacion.*.cert.pem"))


def _ensure_in_child(directory: str, queue) -> None:
    DevPKI._instances.clear()  # behave like a fresh process
    p = DevPKI.ensure(Path(directory))
    queue.put(p.trust_roots()[0].sha256.hex())


def test_concurrent_creation_threads_and_processes(tmp_path):
    target = tmp_path / "shared-pki"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_ensure_in_child, args=(str(target), queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results: list[DevPKI] = []
    threads = [threading.Thread(target=lambda: results.append(DevPKI.ensure(target))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(20)
        assert p.exitcode == 0
    roots = {queue.get(timeout=5) for _ in procs} | {r.trust_roots()[0].sha256.hex() for r in results}
    assert len(roots) == 1  # one PKI, created once
    assert len({id(r) for r in results}) == 1


def test_async_api_and_to_thread(pki, pdf_bytes):
    async def main():
        signer = pki.staff_signer("jperez", "Juana Pérez Quispe")
        a = await signing.async_sign_pdf(
            pdf_bytes, signer=signer, timestamper=pki.timestamper(), reason="async", verify_url=URL
        )
        b = await asyncio.to_thread(
            signing.sign_pdf, pdf_bytes, signer=signer, timestamper=pki.timestamper(), reason="hilo", verify_url=URL
        )
        ra = await signing.async_validate_pdf(a, **trust(pki))
        rb = await asyncio.to_thread(signing.validate_pdf, b, **trust(pki))
        # A blocking call from inside the loop still works (it runs on a helper thread).
        c = signing.sign_pdf(pdf_bytes, signer=signer, timestamper=pki.timestamper(), reason="x", verify_url=URL)
        rc = signing.validate_pdf(c, **trust(pki))
        return ra, rb, rc

    ra, rb, rc = run_async(main())
    assert ra.verdict == rb.verdict == rc.verdict == VALIDO


# --------------------------------------------------------------------------------------------
# batch signing and public verification (with a database)
# --------------------------------------------------------------------------------------------
@pytest.fixture
def office(seeded, tmp_path, monkeypatch):
    """A case received by Logística; this installation's keys and files under a temp data dir."""
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    config.forget_keys()
    e = seeded
    store = FileStore(settings.files_dir())
    with db.write_session(e) as s:
        case = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Constancia",
            files=[intake.IncomingFile("s.pdf", make_filing_pdf(), "principal")],
        ).case
    rop, log = principal(e, "rop"), principal(e, "logistica")
    with db.session(e) as s:
        log_id = s.exec(select(Unit.id).where(Unit.code == "LOG")).one()
    with db.write_session(e) as s:
        routing.receive(s, who=rop, number=case.number, version=1)
    with db.write_session(e) as s:
        routing.derive(s, who=rop, number=case.number, version=2, to_unit_id=log_id)
    with db.write_session(e) as s:
        routing.receive(s, who=log, number=case.number, version=3)
    yield {
        "e": e,
        "store": store,
        "number": case.number,
        "log": log,
        "jefe": principal(e, "jefe.logistica"),
        "gerente": principal(e, "gerente"),
    }
    config.forget_keys()


def _to_sign(o, subject: str, vistos=()) -> int:
    """A memorando drafted by Logística and sent to its head's firma; returns the head's step id."""
    with db.write_session(o["e"]) as s:
        doc = drafting.create_draft(
            s,
            who=o["log"],
            case_number=o["number"],
            doc_type="memorando",
            subject=subject,
            body="Contenido del memorando de prueba.",
            recipients="Tesorería",
        )
        signing.send_to_sign(
            s, who=o["log"], doc_id=doc.id, version=1, vistos=[v.user.id for v in vistos], firmante_id=o["jefe"].user.id
        )
        return s.exec(
            select(SignatureStep.id).where(
                SignatureStep.internal_document_id == doc.id, SignatureStep.signer_id == o["jefe"].user.id
            )
        ).one()


def _statuses(o, step_ids) -> list[str]:
    with db.session(o["e"]) as s:
        return [s.get(InternalDocument, s.get(SignatureStep, i).internal_document_id).status for i in step_ids]


def test_sign_batch_one_failure_does_not_stop_the_others_and_only_turns_that_came_are_signed(office):
    o = office
    first, rejected, third = (_to_sign(o, f"Memorando {n} del lote") for n in ("uno", "dos", "tres"))
    waiting = _to_sign(o, "Memorando que espera un visto bueno", vistos=[o["gerente"]])
    signing.reject(who=o["jefe"], step_id=rejected, comment="Lo devuelvo desde otra pestaña", engine=o["e"])
    results = list(signing.sign_batch(o["jefe"], [first, rejected, third, waiting], store=o["store"], engine=o["e"]))
    assert [r.step_id for r in results] == [first, rejected, third, waiting]
    assert [r.ok for r in results] == [True, False, True, False]
    assert results[0].number == "MEMORANDO N° 0001-2026-LOG/JNE" and results[0].message == "Firmado"
    assert results[2].number == "MEMORANDO N° 0002-2026-LOG/JNE"
    assert "ya no está en firma" in results[1].message and results[1].number == ""
    assert "vistos buenos anteriores" in results[3].message
    assert _statuses(o, [first, rejected, third, waiting]) == [
        "firmado",
        "borrador",
        "firmado",
        "en_firma",
    ]  # returned: back to its author


def test_sign_batch_refuses_a_user_who_does_not_hold_the_steps(office):
    o = office
    steps = [_to_sign(o, "Memorando ajeno uno"), _to_sign(o, "Memorando ajeno dos")]
    outsider = principal(o["e"], "tesoreria")
    results = list(signing.sign_batch(outsider, steps, store=o["store"], engine=o["e"]))
    assert [r.ok for r in results] == [False, False]
    assert all("No tiene esa firma pendiente" in r.message for r in results)
    assert _statuses(o, steps) == ["en_firma", "en_firma"]


def test_sign_batch_reports_an_internal_error_and_goes_on(office, monkeypatch):
    o = office
    broken, fine = _to_sign(o, "Memorando con archivo roto"), _to_sign(o, "Memorando sano")
    real_sign_pdf = steps_module.sign_pdf
    calls = []

    def flaky(data, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("TSA caída")
        return real_sign_pdf(data, **kw)

    monkeypatch.setattr(steps_module, "sign_pdf", flaky)
    results = list(signing.sign_batch(o["jefe"], [broken, fine], store=o["store"], engine=o["e"]))
    assert [(r.ok, r.message) for r in results] == [(False, "No se pudo firmar: error interno."), (True, "Firmado")]
    assert _statuses(o, [broken, fine]) == ["en_firma", "firmado"]


def _signed_document(o) -> tuple[str, bytes, str]:
    (done,) = signing.sign_batch(o["jefe"], [_to_sign(o, "Memorando para verificar")], store=o["store"], engine=o["e"])
    assert done.ok, done.message
    with db.session(o["e"]) as s:
        doc = s.exec(select(Document).where(Document.number == done.number)).one()
        return doc.verify_code, o["store"].read(doc.sha256), done.number


def test_verify_by_code_and_by_bytes_return_one_report(office):
    o = office
    code, signed, number = _signed_document(o)
    by_code = signing.verify_by_code(code.lower(), engine=o["e"])  # the QR's code, however it is typed
    assert by_code.report.verdict == VALIDO, by_code.report.reasons
    assert by_code.document is not None
    assert (by_code.document.kind_label, by_code.document.label, by_code.document.case_number) == (
        "Memorando",
        number,
        o["number"],
    )
    assert [s.signer_name for s in by_code.report.signatures] == ["Ana Torres Delgado"]
    by_bytes = signing.verify_by_bytes(signed, engine=o["e"])
    assert by_bytes.report.verdict == VALIDO and by_bytes.document == by_code.document
    # Changed bytes: NOT VALID, and not the document the institution registered.
    i = signed.index(b"stream", 200) + 40
    tampered = signed[:i] + bytes([signed[i] ^ 0x01]) + signed[i + 1 :]
    changed = signing.verify_by_bytes(tampered, engine=o["e"])
    assert changed.report.verdict == NO_VALIDO and changed.document is None
    # A signed PDF the institution never issued: validated, but not registered.
    foreign = signing.verify_by_bytes(sign(signing.DevPKI.ensure(settings.DATA_DIR / "pki"), make_pdf()), engine=o["e"])
    assert foreign.document is None and foreign.report.signatures


def test_verify_refusals(office):
    o = office
    with pytest.raises(NotFound, match="ningún documento con ese código"):
        signing.verify_by_code("ABCDEF0123456789", engine=o["e"])
    with pytest.raises(NotFound):
        signing.verify_by_code("", engine=o["e"])
    with pytest.raises(InvalidInput, match="no es un PDF") as err:
        signing.verify_by_bytes(b"hola, no soy un PDF", engine=o["e"])
    assert err.value.field == "archivo"
    with pytest.raises(InvalidInput, match="vacío"):
        signing.verify_by_bytes(b"", engine=o["e"])
    with pytest.raises(InvalidInput, match="20 MB"):
        signing.verify_by_bytes(b"%PDF-1.7\n" + b"0" * signing.MAX_VERIFY_BYTES, engine=o["e"])
