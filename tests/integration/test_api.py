"""HTTP routes under /api/v1 through the real ASGI app (FastAPI TestClient), against the real
test database (SQLite, and PostgreSQL when SGD_TEST_DATABASE_URL is set), plus the body-size
guard (BodyLimit) wrapped around a small real ASGI app."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.api import BodyLimit, api
from sgd_app.domain import auth, intake, links, ratelimit
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import NotAuthenticated
from sgd_app.domain.models import StaffSession, User
from tests.conftest import make_pdf, run_async

PASSWORD = "clave-demo-123"
FILER = intake.FilerInput(
    doc_type="DNI",
    doc_number="45678912",
    name="María Ñahui Quispe",
    kind="ciudadano",
    email="maria@example.pe",
    phone="987654321",
)
FORBIDDEN_TEXT = "Enlace vencido o no autorizado"


def _client() -> TestClient:
    return TestClient(api, follow_redirects=False)


def _login(client: TestClient, username: str, password: str = PASSWORD, **headers):
    return client.post("/api/v1/sesion", data={"usuario": username, "clave": password}, headers=headers)


def _file_case() -> str:
    store = FileStore(settings.files_dir())
    with db.write_session() as s:
        result = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=FILER,
            subject="Constancia de no afiliación",
            files=[intake.IncomingFile("solicitud.pdf", make_pdf(1), "principal")],
        )
    return result.case.number


def _sessions() -> list[StaffSession]:
    with db.session() as s:
        return list(s.exec(select(StaffSession)).all())


def _assert_forbidden(resp) -> None:
    assert resp.status_code == 403, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert FORBIDDEN_TEXT in resp.json()["detail"]
    assert resp.headers["cache-control"] == "no-store"


# ---------------------------------------------------------------- health
def test_health_is_liveness_only(app_db):
    resp = _client().get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}  # readiness (database, Redis, queues): /api/v1/ready


# ---------------------------------------------------------------- receipt download
def test_receipt_download_needs_a_valid_link_or_a_session_of_the_case_unit(app_db, tmp_path):
    number = _file_case()
    assert number.startswith("EXP-")
    client = _client()

    url = links.download_url(number)
    resp = client.get(url)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["content-disposition"] == f'attachment; filename="cargo-{number}.pdf"'
    assert resp.content.startswith(b"%PDF")
    pdf_path = tmp_path / "cargo.pdf"
    pdf_path.write_bytes(resp.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert number in text

    path = f"/api/v1/cargo/{number}.pdf"
    good = url.split("?t=", 1)[1]
    _assert_forbidden(client.get(path))  # no token
    _assert_forbidden(client.get(path, params={"t": ""}))  # empty token
    tampered = good[:-1] + ("0" if good[-1] != "0" else "1")
    _assert_forbidden(client.get(path, params={"t": tampered}))  # tampered MAC
    expires, mac = good.split(".", 1)
    _assert_forbidden(client.get(path, params={"t": f"{int(expires) + 3600}.{mac}"}))  # stretched expiry
    other = auth.sign_token(settings.secret_key(), "cargo", "EXP-2026-999999", ttl_seconds=3600)
    _assert_forbidden(client.get(path, params={"t": other}))  # token of another number
    wrong_purpose = auth.sign_token(settings.secret_key(), "otro", number, ttl_seconds=3600)
    _assert_forbidden(client.get(path, params={"t": wrong_purpose}))  # token for another purpose
    expired = auth.sign_token(settings.secret_key(), "cargo", number, ttl_seconds=-10)
    _assert_forbidden(client.get(path, params={"t": expired}))  # expired
    _assert_forbidden(client.get(path, params={"t": "basura"}))  # malformed

    # Staff of the case's unit (ROP) may download without a token.
    rop = _client()
    assert _login(rop, "rop").status_code == 303
    assert rop.cookies.get(settings.SESSION_COOKIE)
    resp = rop.get(path)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")

    # Staff of another unit (TES) may not.
    tes = _client()
    assert _login(tes, "tesoreria").status_code == 303
    assert tes.cookies.get(settings.SESSION_COOKIE)
    _assert_forbidden(tes.get(path))
    # A made-up session cookie is no better than none.
    forged = TestClient(api, follow_redirects=False, cookies={settings.SESSION_COOKIE: "inventado"})
    _assert_forbidden(forged.get(path))
    # A revoked session no longer opens the receipt.
    rop_token = rop.cookies.get(settings.SESSION_COOKIE)
    assert rop.post("/api/v1/sesion/salir").status_code == 303
    revoked = TestClient(api, follow_redirects=False, cookies={settings.SESSION_COOKIE: rop_token})
    _assert_forbidden(revoked.get(path))

    # A valid token for a number that does not exist: 404.
    unknown = "EXP-2026-999999"
    resp = client.get(links.download_url(unknown))
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Expediente no encontrado.", "code": "no_encontrado"}
    assert resp.headers["cache-control"] == "no-store"


# ---------------------------------------------------------------- login / logout
def test_login_wrong_password_redirects_without_cookie(app_db):
    client = _client()
    resp = _login(client, "rop", "clave-equivocada")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ingresar?motivo=credenciales"
    assert "set-cookie" not in resp.headers
    assert settings.SESSION_COOKIE not in client.cookies
    assert _sessions() == []
    # Unknown users get the very same answer.
    resp = _login(client, "nadie", PASSWORD)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ingresar?motivo=credenciales"
    assert "set-cookie" not in resp.headers


def test_login_sets_an_httponly_cookie_and_stores_only_its_hash(app_db):
    client = _client()
    resp = _login(client, "rop")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/bandeja"
    cookies = resp.headers.get_list("set-cookie")
    assert len(cookies) == 2  # the session, and the device cookie of a browser seen for the first time
    header = next(c for c in cookies if c.startswith(f"{settings.SESSION_COOKIE}="))
    attrs = [a.strip() for a in header.split(";")]
    name, _, value = attrs[0].partition("=")
    assert name == settings.SESSION_COOKIE
    assert len(value) >= 40
    lowered = [a.lower() for a in attrs[1:]]
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/" in lowered
    assert f"max-age={settings.SESSION_ABSOLUTE_HOURS * 3600}" in lowered
    assert client.cookies.get(settings.SESSION_COOKIE) == value

    rows = _sessions()
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert rows[0].token_hash != value
    assert rows[0].revoked_at is None
    with db.session() as s:
        user = s.exec(select(User).where(User.username == "rop")).one()
        assert rows[0].user_id == user.id
        who = auth.resolve(s, value, touch=False)
        assert who.user.username == "rop"


def test_login_from_a_foreign_origin_is_refused(app_db):
    client = _client()
    resp = _login(client, "rop", **{"Origin": "https://evil.example"})
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ingresar?motivo=origen"
    assert "set-cookie" not in resp.headers
    assert _sessions() == []
    # A foreign Referer (no Origin) is refused the same way.
    resp = _login(client, "rop", **{"Referer": "https://evil.example/phish"})
    assert resp.headers["location"] == "/ingresar?motivo=origen"
    assert _sessions() == []
    # The app's own origin is accepted.
    resp = _login(client, "rop", **{"Origin": "http://testserver"})
    assert resp.status_code == 303
    assert resp.headers["location"] == "/bandeja"
    assert len(_sessions()) == 1


def test_five_wrong_passwords_lock_the_account_from_that_browser(app_db):
    ratelimit.tune("login-source", free=0)  # no pauses between the tries
    client = _client()
    for _ in range(5):
        resp = _login(client, "rop", "clave-equivocada")
        assert resp.headers["location"] == "/ingresar?motivo=credenciales"
    resp = _login(client, "rop")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ingresar?motivo=bloqueada&minutos=15"
    assert "set-cookie" not in resp.headers
    assert _sessions() == []
    # Another account is not affected.
    resp = _login(client, "tesoreria")
    assert resp.headers["location"] == "/bandeja"


def test_a_signed_in_browser_keeps_a_device_cookie_that_outlives_a_lock_out(app_db):
    ratelimit.tune("login-source", free=0)
    client = _client()
    resp = _login(client, "rop")
    cookies = resp.headers.get_list("set-cookie")
    device = next(c for c in cookies if c.startswith(f"{settings.DEVICE_COOKIE}="))
    assert "HttpOnly" in device and "Path=/api/v1/sesion" in device and "SameSite=strict" in device
    token = client.cookies.get(settings.DEVICE_COOKIE)
    assert token and len(token) >= 40
    attacker = _client()  # same address (testclient), no device cookie
    for _ in range(5):
        _login(attacker, "rop", "clave-equivocada")
    assert _login(attacker, "rop").headers["location"] == "/ingresar?motivo=bloqueada&minutos=15"
    resp = _login(client, "rop")  # the browser that signed in before
    assert resp.headers["location"] == "/bandeja"
    assert not any(c.startswith(f"{settings.DEVICE_COOKIE}=") for c in resp.headers.get_list("set-cookie"))


def test_logout_revokes_the_session_and_deletes_the_cookie(app_db):
    client = _client()
    assert _login(client, "rop").headers["location"] == "/bandeja"
    token = client.cookies.get(settings.SESSION_COOKIE)
    assert token
    with db.session() as s:
        auth.resolve(s, token, touch=False)  # valid before

    resp = client.post("/api/v1/sesion/salir")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ingresar?motivo=salio"
    header = resp.headers["set-cookie"]
    assert header.startswith(f"{settings.SESSION_COOKIE}=")
    lowered = header.lower()
    assert "max-age=0" in lowered
    assert "path=/" in lowered
    assert settings.SESSION_COOKIE not in client.cookies

    with db.session() as s, pytest.raises(NotAuthenticated):
        auth.resolve(s, token, touch=False)
    rows = _sessions()
    assert len(rows) == 1 and rows[0].revoked_at is not None
    # Logging out without a cookie is harmless.
    resp = _client().post("/api/v1/sesion/salir")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ingresar?motivo=salio"


# ---------------------------------------------------------------- BodyLimit
def _inner_app() -> FastAPI:
    inner = FastAPI()

    @inner.post("/_upload/x")
    async def upload(request: Request) -> JSONResponse:
        return JSONResponse({"length": len(await request.body())})

    @inner.post("/api/v1/echo")
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"length": len(await request.body())})

    @inner.get("/api/v1/echo")
    async def echo_get() -> JSONResponse:
        return JSONResponse({"ok": True})

    return inner


@pytest.fixture
def guarded() -> TestClient:
    return TestClient(BodyLimit(_inner_app(), upload_limit=1000, default_limit=100))


def _assert_too_large(resp) -> None:
    assert resp.status_code == 413, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert "demasiado grande" in resp.json()["detail"]


def test_body_limit_lets_bodies_under_the_limit_through(guarded):
    resp = guarded.post("/_upload/x", content=b"a" * 900)
    assert resp.status_code == 200
    assert resp.json() == {"length": 900}
    resp = guarded.post("/_upload/x", content=b"a" * 1000)  # exactly the limit
    assert resp.json() == {"length": 1000}
    resp = guarded.post("/api/v1/echo", content=b"a" * 100)
    assert resp.json() == {"length": 100}

    def chunks():
        for _ in range(9):
            yield b"b" * 100

    resp = guarded.post("/_upload/x", content=chunks())
    assert resp.status_code == 200
    assert resp.json() == {"length": 900}


def test_body_limit_refuses_by_content_length(guarded):
    resp = guarded.post("/_upload/x", content=b"a" * 1500)
    _assert_too_large(resp)
    resp = guarded.post("/api/v1/echo", content=b"a" * 150)
    _assert_too_large(resp)
    resp = guarded.post("/_upload/x", content=b"a", headers={"Content-Length": "no-es-numero"})
    assert resp.status_code == 413


def test_body_limit_refuses_streamed_bodies_without_content_length(guarded):
    def chunks():
        for _ in range(15):
            yield b"c" * 100

    resp = guarded.post("/_upload/x", content=chunks())
    _assert_too_large(resp)

    def small_chunks():
        for _ in range(3):
            yield b"d" * 60

    resp = guarded.post("/api/v1/echo", content=small_chunks())
    _assert_too_large(resp)


async def _call(app, path: str, chunks: list[bytes], headers=()) -> list[dict]:
    """Drive the ASGI app directly, delivering the body in several messages (real chunking)."""
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict] = []

    async def receive():
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return sent


def test_body_limit_counts_bytes_across_many_chunks():

    app = BodyLimit(_inner_app(), upload_limit=1000, default_limit=100)
    sent = run_async(_call(app, "/_upload/x", [b"e" * 100] * 15, headers=[(b"transfer-encoding", b"chunked")]))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] == [413]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert "demasiado grande" in json.loads(body)["detail"]

    sent = run_async(_call(app, "/_upload/x", [b"e" * 100] * 10))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] == [200]


def test_body_limit_leaves_get_requests_alone(guarded):
    resp = guarded.get("/api/v1/echo")
    assert resp.status_code == 200
    assert resp.json() == {"ok": True}
    # GET is not inspected even when it claims a large body.
    resp = guarded.request("GET", "/api/v1/echo", headers={"Content-Length": "5000"}, content=b"x" * 5000)
    assert resp.status_code == 200


def test_body_limit_message_states_the_limit():

    app = BodyLimit(_inner_app(), upload_limit=settings.MAX_UPLOAD_BODY, default_limit=100)
    sent = run_async(
        _call(app, "/_upload/x", [b""], headers=[(b"content-length", str(settings.MAX_UPLOAD_BODY + 1).encode())])
    )
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert json.loads(body)["detail"] == "El archivo es demasiado grande: el máximo es 20 MB."
    # The API limit (64 KiB) is stated in KB, not as "0 MB".
    app = BodyLimit(_inner_app())
    sent = run_async(
        _call(app, "/api/v1/echo", [b""], headers=[(b"content-length", str(settings.MAX_API_BODY + 1).encode())])
    )
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert json.loads(body)["detail"] == "El archivo es demasiado grande: el máximo es 64 KB."


def test_production_body_limits_are_the_configured_ones():
    params = inspect.signature(BodyLimit.__init__).parameters
    assert params["upload_limit"].default == settings.MAX_UPLOAD_BODY
    assert params["default_limit"].default == settings.MAX_API_BODY
    guard = BodyLimit(api)
    assert guard.upload_limit == settings.MAX_UPLOAD_BODY
    assert guard.default_limit == settings.MAX_API_BODY
    # sgd_app/sgd_app.py wires the API, the guard and the headers into Reflex (checked without importing reflex).
    tree = ast.parse((Path(__file__).resolve().parents[2] / "sgd_app" / "sgd_app.py").read_text())
    transformers = [
        kw.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "api_transformer"
    ]
    assert len(transformers) == 1
    # SecurityHeaders wraps the guard too, so a 413 carries the security headers; StaticPaths
    # (pages served without the trailing slash) sits inside the headers too; RequestId outermost, so
    # every log line of a request carries its id; ProxyHeaders outside it (the client's address
    # for everything, the /_event socket included).
    assert [getattr(e, "id", None) for e in transformers[0].elts] == [
        "api",
        "BodyLimit",
        "StaticPaths",
        "SecurityHeaders",
        "RequestId",
        "ProxyHeaders",
    ]
