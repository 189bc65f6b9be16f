"""Steps of tests/integration/test_interop.py run INSIDE one instance (its environment: data dir,
database, RUC), as ``python -m tests.integration.interop_steps STEP ARGS``; each prints JSON.

- ``case``: a citizen's filing received by ROP, with an oficio signed by ROP's official (PAdES
  B-T, the instance's development PKI) filed in it; prints the number, version and document id.
- ``send NUMBER VERSION DOC_ID RUC``: ``interop.send_to_entity`` as that official; prints the CUO.
- ``root``: makes the instance's PKI if missing; prints the path of its root certificate.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import update
from sqlmodel import col, select

from sgd_app import db, settings
from sgd_app.domain import auth, intake, interop, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Document, Expediente, Procedure, Signature, User
from sgd_app.domain.signing import config, sign_pdf
from tests.conftest import make_pdf


def _who(username: str) -> auth.Principal:
    with db.session() as s:
        user = s.exec(select(User).where(col(User.username) == username)).one()
        return auth.principal_for(s, user)


def _version(number: str) -> int:
    with db.session() as s:
        return s.exec(select(Expediente.version).where(col(Expediente.number) == number)).one()


def case() -> dict:
    store = FileStore(settings.files_dir())
    with db.write_session() as s:  # straight to ROP, not through the desk's review first
        s.execute(update(Procedure).where(col(Procedure.code) == "CONST-AF").values(desk_review=False))
    filed = intake.file_case(
        store,
        procedure_code="CONST-AF",
        filer=intake.FilerInput(
            doc_type="DNI",
            doc_number="45678912",
            name="Rosa Ñahui",
            kind="ciudadano",
            email="rosa@example.pe",
            phone="987654321",
        ),
        subject="Constancia de afiliación",
        files=[intake.IncomingFile("solicitud.pdf", make_pdf(1, "Solicitud de constancia"), "principal")],
    )
    number = filed.case.number
    rop = _who("rop")
    routing.receive(who=rop, number=number, version=_version(number))
    pki = config.pki()
    signed = sign_pdf(
        make_pdf(2, "Oficio N. 001-2026 - remite constancia a la entidad"),
        signer=pki.staff_signer("rop", "Patricia Chávez León"),
        timestamper=pki.timestamper(),
        reason="Firma del oficio",
        verify_url=config.verify_url("ABCDEF0123456789"),
        level="B-T",
    )
    sha, _ = store.put(signed)
    with db.write_session() as s:
        case_row = s.exec(select(Expediente).where(col(Expediente.number) == number)).one()
        doc = Document(expediente_id=case_row.id, kind="oficio", role="anexo", label="Oficio N.º 001-2026",
                       filename="oficio-001-2026.pdf", sha256=sha, size=len(signed), pages=2, signed=True)  # fmt: skip
        s.add(doc)
        s.add(Signature(sha256_after=sha, expediente_id=case_row.id, signer_id=rop.user.id,
                        signer_name="Patricia Chávez León", role="firma", level="B-T"))  # fmt: skip
        s.flush()
        doc_id = doc.id
    return {"number": number, "version": _version(number), "document_id": doc_id, "sha256": sha}


def send(number: str, version: str, doc_id: str, ruc: str) -> dict:
    sent = interop.send_to_entity(who=_who("rop"), number=number, version=int(version), entity_ruc=ruc,
                                  document_ids=[int(doc_id)], subject="Remite constancia de afiliación",
                                  note="Para su atención")  # fmt: skip
    return {"cuo": sent.cuo}


def root() -> dict:
    pki = config.pki()
    return {"root": str(pki.cert_path("root-ca"))}


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    print(json.dumps({"case": case, "send": send, "root": root}[step](*args)))
