"""The electronic file over HTTP and the command line: the sealed foliation index and the export
package of a closed case for staff who may see it (404 for other units, 401 without a session,
409 while the case is open), and ``python -m sgd_app verify-package`` on the downloaded ZIP,
before and after a one-byte change."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.api import api
from sgd_app.domain import intake, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Expediente
from sgd_app.domain.signing import config
from tests.conftest import make_pdf, principal

PASSWORD = "clave-demo-123"


def _client(username: str = "") -> TestClient:
    c = TestClient(api, follow_redirects=False)
    if username:
        resp = c.post("/api/v1/sesion", data={"usuario": username, "clave": PASSWORD})
        assert resp.status_code == 303
    return c


def _closed_case(engine) -> str:
    with db.write_session() as s:
        number = intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="María Ñahui", phone="987654321", email="m@example.pe"
            ),
            subject="Constancia pedida",
            files=[intake.IncomingFile("escrito.pdf", make_pdf(2), "principal")],
        ).case.number
    rop, jefe = principal(engine, "rop"), principal(engine, "jefe.rop")

    def version() -> int:
        with db.session() as s:
            return s.exec(select(Expediente.version).where(Expediente.number == number)).one()

    with db.write_session() as s:
        routing.receive(s, who=rop, number=number, version=version())
    return number, jefe, version


def test_index_and_package_routes_and_the_offline_verifier(app_db, tmp_path):
    number, jefe, version = _closed_case(app_db)
    boss = _client("jefe.rop")
    open_resp = boss.get(f"/api/v1/expedientes/{number}/indice.pdf")
    assert open_resp.status_code == 409 and "no está cerrado" in open_resp.json()["detail"]
    assert open_resp.json()["code"] == "conflicto"
    with db.write_session() as s:
        routing.archive(s, who=jefe, number=number, version=version(), reason="Desistimiento del administrado")

    resp = boss.get(f"/api/v1/expedientes/{number}/indice.pdf")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    assert resp.headers["cache-control"] == "no-store"
    assert config.validate(resp.content).verdict == "VÁLIDO"
    assert _client("tesoreria").get(f"/api/v1/expedientes/{number}/indice.pdf").status_code == 404
    assert _client().get(f"/api/v1/expedientes/{number}/paquete.zip").status_code == 401

    zipped = boss.get(f"/api/v1/expedientes/{number}/paquete.zip")
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    assert f"paquete-{number}.zip" in zipped.headers["content-disposition"]
    good = tmp_path / "paquete.zip"
    good.write_bytes(zipped.content)
    env = {**os.environ, "SGD_DATA_DIR": str(settings.DATA_DIR)}
    run = subprocess.run(
        [sys.executable, "-m", "sgd_app", "verify-package", str(good)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("VÁLIDO") and "auditoría" in run.stdout

    bad = tmp_path / "alterado.zip"
    changed = bytearray(zipped.content)
    changed[len(changed) // 3] ^= 0x20
    bad.write_bytes(bytes(changed))
    run = subprocess.run(
        [sys.executable, "-m", "sgd_app", "verify-package", str(bad)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 1 and run.stdout.startswith("NO VÁLIDO"), run.stdout
