"""OAuth2 API clients end to end over HTTP on the app's database (SQLite, and PostgreSQL when
configured): the client credentials grant with private_key_jwt and client_secret (post and
basic), token checks, scopes, revocation, deactivation, rate limit, audit, and the /api/v1/ext
routes answering what the same domain functions give the staff screens."""

from __future__ import annotations

import base64
import hashlib
import json
import time

from fastapi.testclient import TestClient
from joserfc import jwt
from sqlmodel import col, select

from sgd_app import db, settings
from sgd_app.api import BodyLimit, api
from sgd_app.domain import apiclients, intake, ratelimit, routing
from sgd_app.domain.apiclients import keys
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import AuditEvent
from tests.conftest import make_pdf, principal
from tests.integration import api_clients as ac

FILER = intake.FilerInput(
    doc_type="DNI", doc_number="45678912", name="María Ñahui Quispe", email="maria@example.pe", phone="987654321"
)


def _client() -> TestClient:
    return TestClient(BodyLimit(api), follow_redirects=False)


def _file() -> str:
    with db.write_session() as s:
        return intake.file_case(
            s, FileStore(settings.files_dir()), procedure_code="CONST-AF", filer=FILER,
            subject="Constancia de no afiliación", files=[intake.IncomingFile("solicitud.pdf", make_pdf(1), "principal")],
        ).case.number  # fmt: skip


def _bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def test_private_key_jwt_token_reads_the_case_like_the_screen(app_db):
    number = _file()
    key = ac.new_key("EC")
    cid, secret = ac.register("rop", "expedientes:leer documentos:leer", key=key)
    assert secret == ""
    c = _client()
    resp = c.post(ac.TOKEN, data=ac.jwt_form(cid, key))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert body["scope"] == "documentos:leer expedientes:leer"
    assert resp.headers["cache-control"] == "no-store"
    # the token is a JWT signed by this instance's published key
    jwks = c.get("/api/v1/oauth/jwks.json").json()
    tok = jwt.decode(body["access_token"], keys.verification_keys())
    assert tok.header["kid"] == jwks["keys"][0]["kid"] and tok.header["typ"] == "at+jwt"
    assert "d" not in jwks["keys"][0]  # never the private part
    assert tok.claims["client_id"] == cid and tok.claims["exp"] - tok.claims["iat"] == 300

    resp = c.get(f"/api/v1/ext/expedientes/{number}", headers=_bearer(body["access_token"]))
    assert resp.status_code == 200, resp.text
    screen = routing.case_view(principal(app_db, "rop"), number)
    got = resp.json()
    assert got["numero"] == number and got["estado"] == screen.case.status and got["unidad"] == screen.unit
    trail = c.get(f"/api/v1/ext/expedientes/{number}/movimientos", headers=_bearer(body["access_token"])).json()
    assert trail["total"] == len(screen.timeline) >= 1
    assert [m["accion"] for m in trail["movimientos"]] == [m["action"] for m in screen.timeline]
    # the document with its hash
    doc = got["documentos"][0]
    resp = c.get(f"/api/v1/ext/documentos/{doc['id']}", headers=_bearer(body["access_token"]))
    assert resp.status_code == 200
    digest = hashlib.sha256(resp.content).digest()
    assert resp.headers["x-content-sha256"] == digest.hex() == doc["sha256"]
    assert resp.headers["repr-digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    # every call audited with the client
    with db.session() as s:
        actions = s.exec(select(AuditEvent.action).where(col(AuditEvent.actor) == f"cliente:{cid}")).all()
    assert actions.count("api_llamada") == 3 and "api_token" in actions


def test_a_client_sees_only_what_its_account_sees(app_db):
    number = _file()
    key = ac.new_key("RSA")
    cid, _ = ac.register("enec", "expedientes:leer documentos:leer", key=key)
    c = _client()
    tok = ac.token(c, cid, key)
    resp = c.get(f"/api/v1/ext/expedientes/{number}", headers=_bearer(tok))
    assert resp.status_code == 404 and resp.json()["code"] == "no_encontrado"
    assert number not in c.get("/api/v1/ext/buscar", params={"q": "afiliación"}, headers=_bearer(tok)).text


def test_assertion_is_checked_and_used_once(app_db):
    key, other = ac.new_key("EC"), ac.new_key("EC")
    cid, _ = ac.register("gerente", "expedientes:leer", key=key)
    c = _client()
    form = ac.jwt_form(cid, key)
    assert c.post(ac.TOKEN, data=form).status_code == 200
    replay = c.post(ac.TOKEN, data=form)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_client"
    assert replay.json()["detail"] == "Autenticación del cliente fallida."
    for bad in (
        ac.jwt_form(cid, other),  # another key
        ac.jwt_form(cid, key, aud="https://otro.example/token"),
        ac.jwt_form(cid, key, exp_in=-120),
        ac.jwt_form(cid, key, exp_in=3600),  # longer than 5 minutes
    ):
        resp = c.post(ac.TOKEN, data=bad)
        assert resp.status_code == 401, resp.text
    with db.session() as s:
        reasons = [
            json.loads(e.data)["motivo"]
            for e in s.exec(select(AuditEvent).where(col(AuditEvent.action) == "api_token_rechazado"))
        ]
    assert any("jti repetido" in r for r in reasons) and any("audiencia" in r for r in reasons)
    resp = c.post(ac.TOKEN, data={**ac.jwt_form(cid, key), "grant_type": "password"})
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"
    resp = c.post(ac.TOKEN, data={**ac.jwt_form(cid, key), "scope": "verificacion"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_scope"


def test_client_secret_post_and_basic(app_db):
    cid, secret = ac.register("gerente", "expedientes:leer verificacion", method="client_secret")
    with db.session() as s:
        stored = apiclients.registry.get(s, cid).secret_hash
    assert secret and secret not in stored and stored.startswith("$argon2id$")
    c = _client()
    ok = c.post(ac.TOKEN, data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
    assert ok.status_code == 200, ok.text
    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    resp = c.post(ac.TOKEN, data={"grant_type": "client_credentials", "scope": "verificacion"},
                  headers={"Authorization": f"Basic {basic}"})  # fmt: skip
    assert resp.status_code == 200 and resp.json()["scope"] == "verificacion"
    bad = c.post(ac.TOKEN, data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret + "x"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"].startswith("Basic")


def test_scope_revocation_and_deactivation(app_db):
    number = _file()
    key = ac.new_key("EC")
    cid, _ = ac.register("rop", "expedientes:leer verificacion", key=key)
    c = _client()
    tok = ac.token(c, cid, key, scope="verificacion")
    resp = c.get(f"/api/v1/ext/expedientes/{number}", headers=_bearer(tok))
    assert resp.status_code == 403 and resp.json()["code"] == "alcance_insuficiente"
    tok = ac.token(c, cid, key)
    assert c.get(f"/api/v1/ext/expedientes/{number}", headers=_bearer(tok)).status_code == 200
    assert c.post("/api/v1/oauth/revoke", data={"token": tok, **_auth_only(cid, key)}).status_code == 200
    resp = c.get(f"/api/v1/ext/expedientes/{number}", headers=_bearer(tok))
    assert resp.status_code == 401 and resp.json()["code"] == "no_autenticado"
    assert resp.headers["www-authenticate"].startswith("Bearer")
    tok = ac.token(c, cid, key)
    with db.write_session() as s:
        apiclients.deactivate(s, actor="user:1", client_id=cid)
    assert c.get(f"/api/v1/ext/expedientes/{number}", headers=_bearer(tok)).status_code == 401
    assert c.post(ac.TOKEN, data=ac.jwt_form(cid, key)).status_code == 401


def _auth_only(cid: str, key) -> dict[str, str]:
    form = ac.jwt_form(cid, key)
    form.pop("grant_type")
    return form


def test_tokens_are_refused_when_forged_or_expired(app_db):
    key = ac.new_key("EC")
    cid, _ = ac.register("gerente", "expedientes:leer", key=key)
    c = _client()
    now = int(time.time())
    claims = {"iss": settings.PUBLIC_URL, "aud": f"{settings.PUBLIC_URL}/api/v1", "client_id": cid, "sub": cid,
              "scope": "expedientes:leer", "iat": now, "exp": now + 300, "jti": "x" * 20}  # fmt: skip
    forged = jwt.encode({"alg": "ES256", "typ": "at+jwt"}, claims, key)  # the client's own key, not ours
    expired = jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": keys.signing_key().kid},
                         {**claims, "exp": now - 1}, keys.signing_key())  # fmt: skip
    for tok in (forged, expired, "basura", ""):
        resp = c.get("/api/v1/ext/buscar", headers=_bearer(tok))
        assert resp.status_code == 401 and resp.json()["detail"], tok
    assert c.get("/api/v1/ext/buscar").status_code == 401


def test_per_client_rate_limit(app_db):
    key = ac.new_key("EC")
    cid, _ = ac.register("gerente", "expedientes:leer", key=key, rate_limit="3/minute")
    other_key = ac.new_key("EC")
    other, _ = ac.register("gerente", "expedientes:leer", key=other_key)
    c = _client()
    tok, tok2 = ac.token(c, cid, key), ac.token(c, other, other_key)
    codes = [c.get("/api/v1/ext/buscar", params={"q": "x"}, headers=_bearer(tok)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    resp = c.get("/api/v1/ext/buscar", params={"q": "x"}, headers=_bearer(tok))
    assert resp.json()["code"] == "limite_excedido" and int(resp.headers["retry-after"]) >= 1
    assert c.get("/api/v1/ext/buscar", params={"q": "x"}, headers=_bearer(tok2)).status_code == 200  # its own counter
    ratelimit.reset()


def test_verification_upload_is_idempotent(app_db):
    key = ac.new_key("EC")
    cid, _ = ac.register("gerente", "verificacion", key=key)
    c = _client()
    tok = ac.token(c, cid, key)
    files = {"archivo": ("doc.pdf", make_pdf(1), "application/pdf")}
    h = {**_bearer(tok), "Idempotency-Key": "verif-0001"}
    first = c.post("/api/v1/ext/verificacion", files=files, headers=h)
    assert first.status_code == 200, first.text
    assert first.json()["veredicto"] in ("NO VÁLIDO", "INDETERMINADO") and first.json()["motivo"]
    again = c.post("/api/v1/ext/verificacion", files=files, headers=h)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = c.post("/api/v1/ext/verificacion", files={"archivo": ("x.pdf", make_pdf(2), "application/pdf")}, headers=h)
    assert other.status_code == 422 and other.json()["code"] == "dato_invalido"


def test_cli_registers_lists_and_deactivates(app_db, tmp_path, capsys):
    from sgd_app.__main__ import main

    key = ac.new_key("EC")
    jwk = tmp_path / "cliente.jwk"
    jwk.write_text(json.dumps(key.as_dict(private=False)))
    assert main(["api-client", "add", "SGD Municipal", "--ruc", "20131370998", "--scopes", "expedientes:leer",
                 "--user", "rop", "--jwk", str(jwk)]) == 0  # fmt: skip
    cid = capsys.readouterr().out.split("client_id: ")[1].split()[0]
    assert ac.token(_client(), cid, key)
    private = tmp_path / "privada.jwk"
    private.write_text(json.dumps(key.as_dict(private=True)))
    assert main(["api-client", "add", "Otro", "--ruc", "20131370998", "--scopes", "expedientes:leer",
                 "--user", "rop", "--jwk", str(private)]) == 1  # fmt: skip
    assert "solo la clave pública" in capsys.readouterr().err
    assert main(["api-client", "add", "Con secreto", "--ruc", "20131370998", "--scopes", "verificacion",
                 "--user", "rop"]) == 0  # fmt: skip
    assert "client_secret (guárdelo ahora" in capsys.readouterr().out
    assert main(["api-client", "deactivate", cid]) == 0 and main(["api-client", "list"]) == 0
    assert f"{cid}\tdesactivado" in capsys.readouterr().out
