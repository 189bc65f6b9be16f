"""A hostile stored file name reaches the download routes (casilla notice, a case's original)
only as a safe Content-Disposition: one header line, quoted ASCII fallback ending in .pdf, the
real name in filename*."""

from __future__ import annotations

from email.message import Message
from urllib.parse import unquote

import pytest
from sqlalchemy import update
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import links
from sgd_app.domain.models import Document, Expediente, Notice
from tests.integration.test_reports_api import _client, _file

_PREFIX = '../../aviso"; filename=x.exe\r\nSet-Cookie: sgd_sesion=robada; Observación Ñahui 名前 '
HOSTILE = _PREFIX + "x" * (255 - len(_PREFIX))  # as long as Document.filename holds


def _check(resp) -> None:
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    assert "set-cookie" not in resp.headers
    header = resp.headers["content-disposition"]
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.count('filename="') == 1 and header.count('"') == 2
    msg = Message()
    msg["Content-Disposition"] = header
    plain = msg.get_param("filename", header="Content-Disposition")
    assert isinstance(plain, str) and plain.endswith(".pdf")
    assert not any(c in plain for c in '"\\/;') and not plain.startswith(".")
    real = unquote(header.split("filename*=UTF-8''", 1)[1], errors="strict")
    assert real.endswith(".pdf") and len(real) <= 124 and "Observación Ñahui 名前" in real
    assert not any(c in real for c in '"\\/;\r\n')


@pytest.fixture
def hostile_document(app_db) -> tuple[str, int, int]:
    number = _file("SUSP-MUL", "Suspensión de cobranza", {"multa": "M-1"})
    with db.write_session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        doc = s.exec(select(Document).where(Document.expediente_id == case.id)).first()
        assert doc is not None and doc.id is not None and case.id is not None
        s.execute(update(Document).where(Document.id == doc.id).values(filename=HOSTILE))
        notice = Notice(party_id=case.party_id, expediente_id=case.id, kind="aviso", title="Aviso", document_id=doc.id)
        s.add(notice)
        s.flush()
        assert notice.id is not None
        return number, doc.id, notice.id


def test_notice_download_name(hostile_document):
    _number, _doc_id, notice_id = hostile_document
    _check(_client().get(links.notice_url(notice_id)))


def test_original_download_name(hostile_document):
    _number, doc_id, _notice_id = hostile_document
    client = _client("gerente")
    _check(client.get(f"/api/v1/documentos/{doc_id}", params={"descargar": "1"}))
    inline = client.get(f"/api/v1/documentos/{doc_id}")
    assert inline.headers["content-disposition"].startswith('inline; filename="')
