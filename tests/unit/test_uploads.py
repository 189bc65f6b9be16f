"""Every upload path refuses an HTML/PDF polyglot (``%PDF-`` must be the first five bytes) and
files a good PDF under a name ending in ``.pdf`` whatever the browser called it: the wizard and
the desk (intake), the registration itself, a staff annex (routing), an observation's fix, the
public verifier; the signing certificate (PKCS#12) is parsed, never written when refused."""

from __future__ import annotations

import datetime as dt
import stat
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import digitize, intake, observations, routing, signing
from sgd_app.domain.documents import MSG_NO_SIGNATURE
from sgd_app.domain.errors import InvalidInput, InvalidInputs
from sgd_app.domain.models import Document, Expediente
from sgd_app.domain.signing import config
from tests.conftest import make_pdf, principal

GOOD = make_pdf()
POLYGLOT = b"<html><script>fetch('/api/v1/sesion')</script><!--\n" + GOOD
FILER = intake.FilerInput(
    doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="rosa@example.pe", phone="987654321"
)


def _file(e, store, files) -> str:
    with db.write_session(e) as s:
        return intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=FILER,
            subject="Constancia de afiliación",
            files=files,
            received_at=datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
        ).case.number


def _documents(e, number: str) -> list[Document]:
    with db.session(e) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        return list(s.exec(select(Document).where(Document.expediente_id == case.id).order_by(Document.id)))


def _stored_files(store) -> list:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


# ---------------------------------------------------------------- citizen's mesa de partes
@pytest.mark.parametrize("role", ["principal", "anexo"])
def test_wizard_upload_refuses_the_polyglot_and_names_a_good_pdf_pdf(role):
    with pytest.raises(InvalidInput) as err:
        intake.prepare_upload([POLYGLOT], filename="informe.html", role=role, desk=False)
    assert err.value.message == MSG_NO_SIGNATURE
    assert err.value.field == intake.upload_field(role)
    up = intake.prepare_upload([GOOD], filename="informe.html", role=role, desk=False)
    assert up.filename == "informe.pdf" and up.data == GOOD


def test_filing_with_a_polyglot_annex_writes_nothing(seeded, store):
    with pytest.raises(InvalidInputs) as err:
        _file(
            seeded,
            store,
            [intake.IncomingFile("s.pdf", GOOD, "principal"), intake.IncomingFile("informe.html", POLYGLOT, "anexo")],
        )
    assert err.value.errors == {"anexo_1": MSG_NO_SIGNATURE}
    with db.session(seeded) as s:
        assert s.exec(select(Expediente)).first() is None
    assert _stored_files(store) == []


def test_filing_stores_every_pdf_under_a_pdf_name(seeded, store):
    number = _file(
        seeded,
        store,
        [
            intake.IncomingFile("informe.html", GOOD, "principal"),
            intake.IncomingFile("anexo.pdf.svg", make_pdf(2), "anexo"),
        ],
    )
    docs = [d for d in _documents(seeded, number) if d.kind != "cargo"]
    assert [(d.filename, d.mime) for d in docs] == [
        ("informe.pdf", "application/pdf"),
        ("anexo.pdf", "application/pdf"),
    ]
    assert store.read(docs[0].sha256) == GOOD  # the original, byte for byte


# ---------------------------------------------------------------- the desk (paper and scans)
def test_desk_upload_refuses_the_polyglot_as_not_starting_with_the_signature():
    """At the desk a file that does not start with %PDF- is taken for scanned images: the
    polyglot must not be told "it is a PDF, upload it directly" (it was uploaded directly)."""
    with pytest.raises(InvalidInput) as err:
        intake.prepare_upload([POLYGLOT], filename="informe.html", role="principal", desk=True)
    assert (err.value.field, err.value.message) == ("principal", MSG_NO_SIGNATURE)
    with pytest.raises(InvalidInput, match="firma %PDF-"):
        digitize.assemble_pdf([POLYGLOT])
    up = intake.prepare_upload([GOOD], filename="informe.html", role="principal", desk=True)
    assert up.filename == "informe.pdf"


# ---------------------------------------------------------------- staff annex and observation fix
def test_staff_annex_refuses_the_polyglot_and_stores_a_good_pdf_as_pdf(seeded, store):
    number = _file(seeded, store, [intake.IncomingFile("s.pdf", GOOD, "principal")])
    rop = principal(seeded, "rop")
    with db.write_session(seeded) as s:
        routing.receive(s, who=rop, number=number, version=1)
    with pytest.raises(InvalidInput) as err, db.write_session(seeded) as s:
        routing.add_annex(s, store, who=rop, number=number, version=2, filename="informe.html", data=POLYGLOT)
    assert err.value.message == MSG_NO_SIGNATURE
    with db.write_session(seeded) as s:
        doc = routing.add_annex(
            s, store, who=rop, number=number, version=2, filename="informe.html", data=make_pdf(3, "Informe")
        )
        assert doc.filename == "informe.pdf"
    assert [d.filename for d in _documents(seeded, number) if d.kind == "anexo"] == ["informe.pdf"]


def test_observation_fix_refuses_the_polyglot_and_stores_a_good_pdf_as_pdf(seeded, store):
    number = _file(seeded, store, [intake.IncomingFile("s.pdf", GOOD, "principal")])
    rop = principal(seeded, "rop")
    with db.write_session(seeded) as s:
        routing.receive(s, who=rop, number=number, version=1)
    now = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    with db.write_session(seeded) as s:
        observations.observe(
            s,
            who=rop,
            number=number,
            version=2,
            items=["Falta la copia del DNI"],
            casilla_url="https://sgd.example.pe/casilla",
            fix_url="https://sgd.example.pe/seguimiento",
            now=now,
        )

    def case() -> Expediente:
        with db.session(seeded) as s:
            return s.exec(select(Expediente).where(Expediente.number == number)).one()

    with pytest.raises(InvalidInput) as err, db.write_session(seeded) as s:
        observations.fix(
            s, store, case=case(), note="Adjunto", files=[intake.IncomingFile("dni.html", POLYGLOT, "anexo")], now=now
        )
    assert err.value.message == MSG_NO_SIGNATURE
    assert case().status == "observado"
    with db.write_session(seeded) as s:
        observations.fix(
            s, store, case=case(), note="Adjunto", files=[intake.IncomingFile("dni.html", GOOD, "anexo")], now=now
        )
    assert [d.filename for d in _documents(seeded, number) if d.kind == "subsanacion"] == ["dni.pdf"]


# ---------------------------------------------------------------- the public verifier
def test_verifier_refuses_the_polyglot_of_a_signed_pdf(seeded, tmp_path):
    pki = signing.DevPKI.ensure(tmp_path / "pki")
    signed = signing.sign_pdf(
        GOOD, signer=pki.seal_signer(), timestamper=pki.timestamper(), reason="Sello", verify_url="https://x.pe/v"
    )
    with pytest.raises(InvalidInput) as err:
        signing.verify_by_bytes(b"<html><script>alert(1)</script><!--" + signed, engine=seeded)
    assert (err.value.field, err.value.message) == ("archivo", MSG_NO_SIGNATURE)
    assert signing.verify_by_bytes(signed, engine=seeded).report.signatures  # the same bytes, unwrapped


# ---------------------------------------------------------------- the signing certificate (PKCS#12)
def _p12(password: bytes | None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ana Torres Delgado")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"ana", key, cert, None, encryption)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    return tmp_path / "data"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", config.MSG_CERT_EMPTY),
        (b"0" * (config.MAX_CERTIFICATE_BYTES + 1), config.MSG_CERT_TOO_BIG),
        (b"no es un p12", config.MSG_NOT_PKCS12),
        (b"\x30\x03\x02\x01\x03", config.MSG_NOT_PKCS12),  # DER that starts like one
        (POLYGLOT, config.MSG_NOT_PKCS12),
        ("protected+junk", config.MSG_NOT_PKCS12),  # a good one with a byte appended
        ("unprotected", config.MSG_CERT_UNPROTECTED),
    ],
    ids=["empty", "too_big", "text", "short_der", "pdf", "trailing_byte", "no_password"],
)
def test_certificate_upload_refusals_write_nothing(data_dir, data, message):
    if data == "protected+junk":
        data = _p12(b"clave-del-certificado") + b"\x00"
    elif data == "unprotected":
        data = _p12(None)
    with pytest.raises(ValueError) as err:
        signing.store_certificate(7, data)
    assert str(err.value) == message
    assert not signing.has_certificate(7)
    assert not [p for p in data_dir.rglob("*") if p.is_file()]


def test_a_password_protected_certificate_is_kept_for_its_owner_only(data_dir):
    data = _p12(b"clave-del-certificado")
    signing.store_certificate(7, data)
    assert signing.has_certificate(7)
    (path,) = [p for p in data_dir.rglob("*") if p.is_file()]
    assert path.read_bytes() == data and stat.S_IMODE(path.stat().st_mode) == 0o600
