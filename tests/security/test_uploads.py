"""(d) Hostile uploads through EVERY upload path: the hostile PDFs screened in
tests/unit/test_documents.py (built with its own builders) and an HTML/PDF polyglot named
informe.html, through the front desk (mesa de partes: the wizard's staging and the filing), a
case annex, the filer's observation fix, the desk scan (clerk) and POST /api/v1/verificacion.
Each is refused and nothing is written; a good PDF goes through each path (the probe is not blind).
"""

from __future__ import annotations

import io

import pikepdf
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from sgd_app import settings
from sgd_app.api import api
from sgd_app.domain import auth, intake, observations, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import DomainError
from tests.security import snapshot, world
from tests.unit import test_documents as td

GOOD = td.GOOD


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(out, "JPEG")
    return out.getvalue()


def polyglot() -> bytes:
    """A file that a browser sniffs as HTML (and runs its script) and that is also a valid PDF."""
    return b"<html><script>window.__xss=1;alert(document.cookie)</script><!--\n" + GOOD + b"\n-->"


HOSTILE = {
    "js_open_action": lambda: td.modified(td._open_action_js),
    "launch_annotation": lambda: td.modified(td._launch_in_annotation),
    "js_name_tree": lambda: td.modified(td._js_name_tree),
    "xfa_form": lambda: td.modified(td._xfa_form),
    "embedded_file": lambda: td.modified(td._attachment_api),
    "file_attachment_annotation": lambda: td.modified(td._file_attachment_annotation),
    "encrypted": lambda: td.modified(lambda pdf: None, encryption=pikepdf.Encryption(owner="dueño", user="clave")),
    "jpeg_named_pdf": _jpeg,
    "text_named_pdf": lambda: "Señores: solicito copia.\n".encode() * 20,
    "damaged_stream_length": lambda: td.GOOD.replace(b"/Length ", b"/Length 9", 1),
    "truncated": lambda: GOOD[: GOOD.rindex(b"\nxref\n")],
    "signature_after_1kb": lambda: b" " * 1024 + GOOD,
    "html_pdf_polyglot": polyglot,
}
NAMES = {"html_pdf_polyglot": "informe.html"}


def _name(kind: str) -> str:
    return NAMES.get(kind, "documento.pdf")


def _store() -> FileStore:
    return FileStore(settings.files_dir())


def _rop():
    return auth.resolve(_ANNEX_CASE["rop_token"])


def _version(number: str) -> int:
    from sqlmodel import select

    from sgd_app import db
    from sgd_app.domain.models import Expediente

    with db.session() as s:
        return s.exec(select(Expediente.version).where(Expediente.number == number)).one()


def _filing(data: bytes, name: str):
    return intake.file_case(
        _store(),
        procedure_code="CONST-AF",
        filer=world.OTHER_CITIZEN,
        subject="Solicitud con archivo hostil",
        files=[intake.IncomingFile(name, data, "principal")],
    )


def _wizard(data: bytes, name: str):
    return intake.prepare_upload([data], filename=name, role="principal", desk=False)


def _desk_scan(data: bytes, name: str):
    return intake.prepare_upload([data], filename=name, role="principal", desk=True)


def _desk_scan_pages(data: bytes, name: str):
    return intake.prepare_upload([_jpeg(), data], filename=name, role="principal", desk=True)


def _annex(data: bytes, name: str):
    w = _ANNEX_CASE["w"]
    return routing.add_annex(
        _store(), who=_rop(), number=w.a1, version=_version(w.a1), filename=name, data=data, label="Anexo"
    )


def _fix(data: bytes, name: str):
    w = _ANNEX_CASE["w"]
    return observations.fix_by_number(
        _store(), number=w.a2, note="Subsano", files=[intake.IncomingFile(name, data, intake.ANNEX, "Subsanación")]
    )


_ANNEX_CASE: dict = {}
PATHS = {
    "mesa_de_partes_filing": _filing,
    "mesa_de_partes_wizard": _wizard,
    "desk_scan": _desk_scan,
    "desk_scan_pages": _desk_scan_pages,
    "case_annex": _annex,
    "observation_fix": _fix,
}


# A JPEG is what the desk scans are made of: there it is a page, not a disguised file.
NOT_HOSTILE_ON = {("desk_scan", "jpeg_named_pdf"), ("desk_scan_pages", "jpeg_named_pdf")}
CASES = [(p, k) for p in sorted(PATHS) for k in sorted(HOSTILE) if (p, k) not in NOT_HOSTILE_ON]


@pytest.mark.parametrize(("path", "kind"), CASES)
def test_hostile_upload_is_refused_and_writes_nothing(hostile, path, kind):
    _ANNEX_CASE.update(w=hostile.w, rop_token=hostile.tokens["rop"])
    data = HOSTILE[kind]()
    before = snapshot.take()
    with pytest.raises(DomainError):
        PATHS[path](data, _name(kind))
    after = snapshot.take()
    assert snapshot.same(before, after), snapshot.diff(before, after)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_good_file_goes_through_each_path(hostile, path):
    """Not blind: each path takes a good PDF (the desk: scanned pages)."""
    _ANNEX_CASE.update(w=hostile.w, rop_token=hostile.tokens["rop"])
    data = _jpeg() if path.startswith("desk_scan") else td.fpdf_bytes(1)
    assert PATHS[path](data, "escaneo.jpg" if path.startswith("desk") else "documento.pdf") is not None


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_verification_upload_refuses_hostile_files(hostile, kind):
    client = TestClient(api)
    before = snapshot.take()
    resp = client.post("/api/v1/verificacion", files={"archivo": (_name(kind), HOSTILE[kind](), "application/pdf")})
    assert resp.headers["content-type"].startswith("application/json")
    if resp.status_code == 200:  # read, not kept: it may only say it cannot vouch for the file
        body = resp.json()
        assert body["veredicto"] != "VÁLIDO" and body["documento"] is None and body["firmas"] == [], body
    else:
        assert resp.status_code == 422, f"{kind}: {resp.status_code} {resp.text[:200]}"
    assert snapshot.same(before, snapshot.take())


def test_verification_upload_accepts_a_plain_pdf(hostile):
    """Not blind: a plain (unsigned) PDF is read and reported, not refused as a file; the
    verification service reads uploads, it never stores them (so "refused" above = never
    vouched for: a 422, or a report that is not VÁLIDO, names no document and no signer)."""
    resp = TestClient(api).post(
        "/api/v1/verificacion", files={"archivo": ("d.pdf", td.fpdf_bytes(1), "application/pdf")}
    )
    assert resp.status_code == 200 and resp.json()["veredicto"]
