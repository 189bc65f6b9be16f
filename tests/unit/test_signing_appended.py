"""Content added after the last signature (sgd_app.domain.signing.validation): bytes appended to a
signed PDF, or an incremental update after it, make the verifier say so (``W_APPENDED``), while
validation data (DSS, document timestamps, later signatures) does not. Signed with the app's own
``signing.sign_pdf`` and development PKI."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext

from sgd_app.domain import signing
from sgd_app.domain.signing import NO_VALIDO, VALIDO
from sgd_app.domain.signing.keys import as_certs, as_crls
from sgd_app.domain.signing.validation import W_APPENDED
from tests.unit.test_signing import _append_annotation, _append_page_content, make_pdf, sign, trust

HTML = b"\n<html><script>alert(document.cookie)</script></html>\n"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> signing.DevPKI:
    return signing.DevPKI.ensure(tmp_path_factory.mktemp("pki") / "dev-pki")


@pytest.fixture(scope="module")
def signed(pki) -> bytes:
    return sign(pki, make_pdf())


@pytest.fixture(scope="module")
def archived(pki, signed) -> bytes:
    """B-LTA: DSS + a document timestamp after the signature, renewed once."""
    once = signing.extend_to_lta(signed, timestamper=pki.timestamper(), **trust(pki))
    return signing.extend_to_lta(once, timestamper=pki.timestamper(), **trust(pki))


def _check(pki, data: bytes):
    return signing.validate_pdf(data, **trust(pki))


def _ending(data: bytes) -> bytes:
    """The last ``startxref N %%EOF`` of ``data``, to write it again after some junk."""
    return data[data.rindex(b"startxref") :]


def _with_dss(pki, data: bytes) -> bytes:
    """Revocation data added to the DSS after the signature (what 'Enable LTV' tools do)."""
    reader = PdfFileReader(io.BytesIO(data))
    vc = ValidationContext(
        trust_roots=as_certs(pki.trust_roots()), crls=as_crls(pki.crls()), revocation_mode="soft-fail"
    )
    # add_validation_info calls asyncio.run: off the main thread, where the browser suites'
    # Playwright keeps an event loop running for the whole run.
    with ThreadPoolExecutor(1) as pool:
        out = pool.submit(add_validation_info, reader.embedded_signatures[0], vc, skip_timestamp=True, in_place=False)
        return out.result().getvalue()


# ---------------------------------------------------------------- nothing added: no warning
def test_a_signed_pdf_as_issued_has_no_warning(pki, signed):
    report = _check(pki, signed)
    assert report.verdict == VALIDO and report.warnings == ()
    assert report.signatures[-1].coverage == "ENTIRE_FILE"


@pytest.mark.parametrize(
    "what", ["archived", "dss", "second_signature", "trailing_newline"], ids=lambda w: w.replace("_", "-")
)
def test_validation_data_and_later_signatures_are_not_added_content(pki, signed, archived, what):
    data = {
        "archived": lambda: archived,
        "dss": lambda: _with_dss(pki, signed),
        "second_signature": lambda: sign(pki, signed, reason="Firma del Presidente"),
        "trailing_newline": lambda: signed + b"\r\n",
    }[what]()
    report = _check(pki, data)
    assert report.verdict == VALIDO, report.reasons
    assert report.warnings == ()


# ---------------------------------------------------------------- raw bytes appended
@pytest.mark.parametrize(
    "tail",
    [HTML, b"x", b"%comentario\n", HTML + b"startxref"],
    ids=["html", "one_byte", "pdf_comment", "html_and_a_cut_ending"],
)
def test_bytes_appended_after_the_signature_are_reported(pki, signed, tail):
    report = _check(pki, signed + tail)
    # pyhanko ignores bytes after %%EOF: the signature itself still verifies ...
    assert report.signatures[0].intact
    assert report.signatures[0].coverage == "ENTIRE_REVISION"
    # ... and the verifier says the file carries something nobody signed.
    assert report.warnings == (W_APPENDED,)


def test_junk_followed_by_a_copy_of_the_files_ending_is_reported(pki, signed):
    report = _check(pki, signed + HTML + _ending(signed))
    assert report.warnings == (W_APPENDED,)


def test_bytes_appended_after_the_archive_timestamp_are_reported(pki, archived):
    report = _check(pki, archived + HTML)
    assert report.verdict == VALIDO  # the signatures and the document timestamps all still verify
    assert report.warnings == (W_APPENDED,)
    assert [s.level for s in report.signatures] == ["B-LTA"]


def test_bytes_appended_after_a_dss_update_are_reported(pki, signed):
    assert _check(pki, _with_dss(pki, signed) + HTML).warnings == (W_APPENDED,)


# ---------------------------------------------------------------- incremental updates
@pytest.mark.parametrize("edit", [_append_annotation, _append_page_content], ids=["annotation", "page_content"])
def test_an_incremental_update_after_the_signature_is_reported_and_not_valid(pki, signed, archived, edit):
    for base in (signed, archived):
        report = _check(pki, edit(base))
        assert report.verdict == NO_VALIDO
        assert report.reason == signing.R_MODIFIED
        assert report.warnings == (W_APPENDED,)
