"""The OAuth2 clients' API, in process over ASGI (FastAPI's TestClient: the whole HTTP stack of the
app, no network), SQLite with ``N_CASES`` generated cases, one process:

* ``api_token_p95_ms``: POST /api/v1/oauth/token with a fresh ``private_key_jwt`` assertion (ES256;
  made before the clock starts, as the client makes it), the assertion's jti recorded, the call
  audited, an ES256 access token signed;
* ``api_case_read_p95_ms``: GET /api/v1/ext/expedientes/{numero} with that token: token checked,
  client re-read, rate limit counted, the call audited (a write), ``routing.case_view`` as the
  service account "rop".
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import col, select

from bench.common import generated_db, p95
from sgd_app import db, settings
from sgd_app.api import api
from sgd_app.domain import ratelimit, routing
from sgd_app.domain.auth import principal_for
from sgd_app.domain.errors import NotFound
from sgd_app.domain.models import Expediente, User
from tests.integration import api_clients as ac

N_CASES = 2000
N = 200


def main() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        eng, _ = generated_db(folder, "api.db", N_CASES)
        old_dir = settings.DATA_DIR
        settings.DATA_DIR = folder / "data"
        db.use_engine(eng)
        ratelimit.configure("memory://", overrides={"api-client": "100000/minute"})
        try:
            return _run()
        finally:
            db.use_engine(None)
            settings.DATA_DIR = old_dir
            ratelimit.configure()


def _visible_number() -> str:
    with db.session() as s:
        who = principal_for(s, s.exec(select(User).where(col(User.username) == "rop")).one())
        for number in s.exec(select(Expediente.number).order_by(col(Expediente.id).desc()).limit(2000)).all():
            try:
                routing.case_view(s, who, number)
                return number
            except NotFound:
                continue
    raise RuntimeError("no case visible to rop")


def _run() -> list[tuple[str, float, str]]:
    key = ac.new_key("EC")
    cid, _ = ac.register("rop", "expedientes:leer documentos:leer", key=key)
    client = TestClient(api)
    forms = [ac.jwt_form(cid, key) for _ in range(N + 10)]
    token_ms, tok = [], ""
    for i, form in enumerate(forms):
        t = time.perf_counter()
        resp = client.post(ac.TOKEN, data=form)
        if i >= 10:  # warm-up
            token_ms.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.text
        tok = resp.json()["access_token"]
    number = _visible_number()
    headers = {"Authorization": f"Bearer {tok}"}
    read_ms = []
    for i in range(N + 10):
        t = time.perf_counter()
        resp = client.get(f"/api/v1/ext/expedientes/{number}", headers=headers)
        if i >= 10:
            read_ms.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.text
    return [("api_token_p95_ms", p95(token_ms), "ms"), ("api_case_read_p95_ms", p95(read_ms), "ms")]


if __name__ == "__main__":
    for name, value, unit in main():
        print(f"{name}: {value:.1f} {unit}")
