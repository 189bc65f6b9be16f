"""The security headers (sgd_app/api/headers.py) on every kind of response, through the stack the
production server runs: Reflex's own static-file server (PrecompressedStaticFiles, the class that
answers the compiled frontend) mounted under our FastAPI ``api`` exactly as Reflex's
api_transformer does, wrapped by BodyLimit and then SecurityHeaders. No browser; the Chromium
check of the real build is tests/e2e/test_headers_csp.py."""

from __future__ import annotations

import base64
import gzip
import hashlib

import pytest
from fastapi.testclient import TestClient
from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles
from starlette.applications import Starlette
from starlette.routing import Mount

from sgd_app import settings
from sgd_app.api import BodyLimit, SecurityHeaders, api
from sgd_app.api.headers import build_secure, inline_script_hashes
from tests.integration.test_api_errors import PASSWORD, rop_objects  # noqa: F401  (fixture)

INLINE = 'window.__reactRouterContext = {"basename":"/"};'
PAGE = f"<!doctype html><html><head><script>{INLINE}</script><script src='/assets/app.js'></script></head></html>"
EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture
def build(tmp_path):
    """A compiled frontend as Reflex lays it out (.web/build/client), with gzip sidecars."""
    client = tmp_path / "client"
    (client / "assets").mkdir(parents=True)
    for name, text in {
        "index.html": PAGE,
        "404.html": "<!doctype html><h1>404</h1><script>console.log(404)</script>",
        "assets/app.js": "console.log('app');",
    }.items():
        (client / name).write_text(text)
        (client / f"{name}.gz").write_bytes(gzip.compress(text.encode()))
    return client


@pytest.fixture
def server(build, monkeypatch):
    """The production stack over ``build``; the global ``api``'s routes are restored afterwards."""
    monkeypatch.setattr(api.router, "routes", list(api.router.routes))
    frontend = Starlette(
        routes=[Mount("/", app=PrecompressedStaticFiles(directory=build, html=True, encodings=("gzip",)))]
    )
    api.mount("", frontend)  # what rx.App(api_transformer=api) does with Reflex's app
    app = SecurityHeaders(BodyLimit(api), public_url="http://127.0.0.1:3000", static_dir=build)
    return TestClient(app, follow_redirects=False)


def _assert_headers(resp, *, frameable: bool = False):
    for name, value in {**EXPECTED, "x-frame-options": "SAMEORIGIN" if frameable else "DENY"}.items():
        assert resp.headers.get(name) == value, (resp.request.url, name, resp.headers.get(name))
    assert resp.headers.get_list("x-frame-options") == [resp.headers["x-frame-options"]]  # replaced, not doubled
    csp = resp.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == ("'self'" if frameable else "'none'")
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]  # handlers return no scripts (state/notice.py)
    assert "ws:" not in directives["connect-src"].split() and "wss:" not in directives["connect-src"].split()
    assert "ws://127.0.0.1:3000" in directives["connect-src"]
    assert _sha(INLINE) in directives["script-src"]  # the build's inline script, by its hash
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in resp.headers["permissions-policy"]
    assert "strict-transport-security" not in resp.headers


def _assert_lean(resp):
    """A subresource: nosniff and a policy that runs nothing, none of the page's long headers."""
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert (
        resp.headers["content-security-policy"]
        == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    for name in ("permissions-policy", "x-frame-options", "referrer-policy", "cross-origin-opener-policy"):
        assert name not in resp.headers, name
    assert len(resp.headers["content-security-policy"]) < 100


def test_headers_on_a_page_an_asset_an_api_route_a_download_a_404_and_a_413(server, rop_objects):  # noqa: F811
    page = server.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.text == PAGE
    _assert_headers(page)
    asset = server.get("/assets/app.js", headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200 and asset.headers["content-encoding"] == "gzip"
    _assert_lean(asset)
    health = server.get("/api/v1/health")
    assert health.status_code == 200
    _assert_headers(health)
    for missing in ("/no-existe", "/assets/no-existe.js"):
        resp = server.get(missing)
        assert resp.status_code == 404
        _assert_headers(resp)
    api_404 = server.get("/api/v1/no-existe")
    assert api_404.status_code == 404 and api_404.json() == {
        "detail": "La dirección solicitada no existe.",
        "code": "no_encontrado",
    }
    _assert_headers(api_404)
    too_big = server.post("/_upload", content=b"x" * (settings.MAX_UPLOAD_BODY + 1))
    assert too_big.status_code == 413 and "demasiado grande" in too_big.json()["detail"]
    _assert_headers(too_big)
    login = server.post("/api/v1/sesion", data={"usuario": "rop", "clave": PASSWORD})
    assert login.status_code == 303
    _assert_headers(login)
    pdf = server.get(f"/api/v1/documentos/{rop_objects['document_id']}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    _assert_headers(pdf, frameable=True)  # the case page shows it in an iframe of this site


def test_hsts_only_for_an_https_site_and_the_websocket_narrowed_to_it():
    plain = build_secure([], public_url="http://sgd.example.pe", own_origins=["http://sgd.example.pe"]).headers
    assert "Strict-Transport-Security" not in plain
    tls = build_secure([], public_url="https://sgd.example.pe", own_origins=["https://sgd.example.pe"]).headers
    assert tls["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "connect-src 'self' wss://sgd.example.pe;" in tls["Content-Security-Policy"]


def test_inline_script_hashes_come_from_every_built_page(build):
    (build / "mirador").mkdir()
    (build / "mirador" / "index.html").write_text("<script type='module'>import('/a.js')</script>")
    hashes = inline_script_hashes(build)
    assert set(hashes) == {_sha(INLINE), _sha("console.log(404)"), _sha("import('/a.js')")}
    assert inline_script_hashes(build / "sin-build") == []


def test_a_rebuilt_frontend_gets_fresh_hashes(build):
    import os

    middleware = SecurityHeaders(None, public_url="http://x", own_origins=[], static_dir=build)
    before = dict(middleware.headers("page"))[b"content-security-policy"]
    (build / "index.html").write_text("<script>console.log('nuevo')</script>")
    os.utime(build / "index.html", ns=(1, 1))
    after = dict(middleware.headers("page"))[b"content-security-policy"]
    assert _sha("console.log('nuevo')").encode() in after and _sha("console.log('nuevo')").encode() not in before


def test_form_action_admits_the_identity_provider_only_when_single_sign_on_is_on():
    from sgd_app.api.headers import content_security_policy

    off = content_security_policy([], own_origins=[], sso_issuer="").header_value
    assert "form-action 'self';" in off
    on = content_security_policy([], own_origins=[], sso_issuer="https://idp.jne.gob.pe/realms/jne").header_value
    assert "form-action 'self' https://idp.jne.gob.pe;" in on  # "Salir" redirects to its logout


def test_a_subresource_gets_the_lean_set_even_when_the_app_set_page_headers(build):
    """A stylesheet answered by an app that already set page headers: the lean set replaces them;
    a JSON answer and a 404 page keep the page set."""

    async def app(scope, receive, send):
        kind = {"/estilo.css": b"text/css", "/datos": b"application/json"}.get(scope["path"], b"text/html")
        status = 404 if scope["path"] == "/no-existe.css" else 200
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", kind),
                    (b"x-frame-options", b"SAMEORIGIN"),
                    (b"permissions-policy", b"x"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"."})

    client = TestClient(SecurityHeaders(app, public_url="https://sgd.example.pe", static_dir=build))
    css = client.get("/estilo.css")
    _assert_lean(css)
    assert css.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    for path in ("/datos", "/no-existe.css"):
        resp = client.get(path)
        assert "default-src 'self'" in resp.headers["content-security-policy"], path
        assert resp.headers.get_list("x-frame-options") == ["DENY"], path
