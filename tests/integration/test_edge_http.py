"""Item 7 and 12 of issue 13 over the production stack without a browser: Reflex's static-file
server mounted under our ``api`` as rx.App(api_transformer=...) does, wrapped by BodyLimit,
StaticPaths and SecurityHeaders. A page address without the slash answers 200 (no 307), the
fingerprinted assets are immutable for a year, HTML is no-cache, and an API error opened by a
browser is a Spanish page with a way on while API clients keep their JSON."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient
from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles
from starlette.applications import Starlette
from starlette.routing import Mount

from sgd_app.api import BodyLimit, SecurityHeaders, StaticPaths, api
from tests.integration.test_api_errors import PASSWORD, rop_objects  # noqa: F401  (fixture)

PAGE = "<!doctype html><html><head><title>Seguimiento</title></head><body>seguimiento</body></html>"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def server(tmp_path, monkeypatch):
    client = tmp_path / "client"
    (client / "assets").mkdir(parents=True)
    (client / "seguimiento").mkdir()
    for name, text in {
        "index.html": "<!doctype html><title>Inicio</title>",
        "404.html": "<!doctype html><title>404</title>",
        "seguimiento/index.html": PAGE,
        "seguimiento.html": PAGE,
        "assets/app-Cx94dgZ8.js": "console.log('app');",
    }.items():
        (client / name).write_text(text)
        (client / f"{name}.gz").write_bytes(gzip.compress(text.encode()))
    monkeypatch.setattr(api.router, "routes", list(api.router.routes))
    frontend = Starlette(
        routes=[Mount("/", app=PrecompressedStaticFiles(directory=client, html=True, encodings=("gzip",)))]
    )
    api.mount("", frontend)
    app = SecurityHeaders(
        StaticPaths(BodyLimit(api), static_dir=client), public_url="http://127.0.0.1:3000", static_dir=client
    )
    return TestClient(app, follow_redirects=False)


def test_a_page_without_the_slash_is_served_directly(server):
    for path in ("/seguimiento", "/seguimiento?numero=2026-000001", "/seguimiento/"):
        resp = server.get(path, headers={"Accept-Encoding": "gzip"})
        assert resp.status_code == 200, (path, resp.status_code, resp.headers.get("location"))
        assert resp.text == PAGE
        assert resp.headers["cache-control"] == "no-cache"
        assert resp.headers["x-content-type-options"] == "nosniff"  # still under the security headers


def test_fingerprinted_assets_are_immutable_for_a_year(server):
    resp = server.get("/assets/app-Cx94dgZ8.js", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["content-encoding"] == "gzip"
    assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    missing = server.get("/assets/nope-XXXX.js")
    assert missing.headers.get("cache-control") != "public, max-age=31536000, immutable"
    assert server.get("/").headers["cache-control"] == "no-cache"


def test_an_expired_receipt_link_is_a_spanish_page_for_a_browser_and_json_for_a_client(server, rop_objects):  # noqa: F811
    page = server.get("/api/v1/cargo/EXP-2026-000001.pdf?t=vencido", headers=HTML)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    body = page.text
    assert '<html lang="es">' in body and "No se puede abrir este enlace" in body
    assert "Enlace vencido o no autorizado" in body
    for href in ('href="/"', 'href="/seguimiento"', 'href="/ayuda"'):
        assert href in body
    assert "<script" not in body
    api_client = server.get("/api/v1/cargo/EXP-2026-000001.pdf?t=vencido", headers={"Accept": "application/json"})
    assert api_client.status_code == 403 and api_client.json()["detail"].startswith("Enlace vencido")
    unknown = server.get("/api/v1/no-existe", headers=HTML)
    assert unknown.status_code == 404 and "No encontramos lo que busca" in unknown.text
    assert "Not Found" not in unknown.text


def test_links_printed_in_receipts_and_e_mails_are_the_canonical_form_without_slash():
    from sgd_app import routes, settings
    from sgd_app.domain import casework, links

    url = links.tracking_url("EXP-2026-000001")
    assert url == f"{settings.PUBLIC_URL}{routes.SEGUIMIENTO}?numero=EXP-2026-000001"
    printed = [url, casework._tracking_url("EXP-2026-000001"), casework._casilla_url()]
    for link in printed:
        assert link.startswith(settings.PUBLIC_URL + "/"), link
        assert "/?" not in link and not link.endswith("/"), link
