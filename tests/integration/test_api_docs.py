"""The API's description is not public: /api/v1/openapi.json for a signed-in staff member (every route)
or an API client's token (its own routes),
Swagger UI (/api/v1/docs) off unless SGD_API_DOCS is on, then staff-only and served from the
swagger-ui-bundle package (no CDN, no inline script). FastAPI's own /docs and /openapi.json are off."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from sgd_app import settings
from sgd_app.api import api, docs

PASSWORD = "clave-demo-123"
DOC_URLS = [
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/docs/inicio.js",
    "/api/v1/docs/swagger-ui-bundle.js",
    "/api/v1/docs/swagger-ui.css",
]


def _staff() -> TestClient:
    client = TestClient(api, follow_redirects=False)
    assert client.post("/api/v1/sesion", data={"usuario": "rop", "clave": PASSWORD}).status_code == 303
    return client


@pytest.mark.parametrize("docs_on", [False, True], ids=["docs-off", "docs-on"])
def test_nobody_signed_out_reads_the_description_or_the_docs(app_db, monkeypatch, docs_on):
    monkeypatch.setattr(settings, "API_DOCS", docs_on)
    anonymous = TestClient(api)
    forged = TestClient(api, cookies={settings.SESSION_COOKIE: "inventado"})
    for url in [*DOC_URLS, "/docs", "/openapi.json", "/redoc", "/api/v1/redoc"]:
        for client in (anonymous, forged):
            resp = client.get(url)
            assert resp.status_code in (401, 404), (url, resp.status_code)
            assert resp.headers["content-type"].startswith("application/json")
            detail = resp.json()["detail"]
            assert detail in (
                "Inicie sesión para continuar.",
                "Su sesión terminó. Vuelva a ingresar.",
                "La dirección solicitada no existe.",
            ), (url, detail)
            if url in DOC_URLS:
                assert resp.status_code == 401


def test_staff_reads_the_description_of_every_route(app_db):
    resp = _staff().get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    paths = set(resp.json()["paths"])
    declared = {c.route.path for c in iter_route_contexts(api.routes) if isinstance(c.route, APIRoute)}
    public = {p for p in declared if not p.startswith(docs.DOCS_URL) and p != docs.OPENAPI_URL}
    assert paths == public  # every API route, none of the description's own


def test_swagger_ui_is_off_by_default_even_for_staff(app_db, monkeypatch):
    monkeypatch.setattr(settings, "API_DOCS", False)
    staff = _staff()
    for url in DOC_URLS[1:]:
        resp = staff.get(url)
        assert resp.status_code == 404
        assert resp.json()["detail"] == "La documentación de la API no está habilitada en esta instalación."


def test_switched_on_swagger_ui_is_served_from_local_files_with_no_inline_script(app_db, monkeypatch):
    monkeypatch.setattr(settings, "API_DOCS", True)
    staff = _staff()
    page = staff.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text)  # nothing from a CDN
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        resp = staff.get(src)
        assert resp.status_code == 200, src
        assert resp.headers["content-type"].split(";")[0] in ("text/javascript", "text/css"), src
    assert "SwaggerUI" in staff.get("/api/v1/docs/swagger-ui-bundle.js").text[:5000]
    assert '"/api/v1/openapi.json"' in staff.get("/api/v1/docs/inicio.js").text


def test_an_api_client_reads_the_description_of_its_routes(app_db):
    from tests.integration import api_clients as ac

    key = ac.new_key("EC")
    cid, _ = ac.register("rop", "expedientes:leer", key=key)
    client = TestClient(api, follow_redirects=False)
    tok = ac.token(client, cid, key)
    resp = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {tok}"})
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    doc = resp.json()
    paths = set(doc["paths"])
    assert "/api/v1/ext/expedientes" in paths and "/api/v1/oauth/token" in paths
    assert all(p.startswith(docs.CLIENT_PATHS) for p in paths)  # not the staff routes
    assert doc["paths"]["/api/v1/ext/buscar"]["get"]["security"] == [{"token": []}]
    assert doc["components"]["securitySchemes"]["credenciales"]["flows"]["clientCredentials"]["tokenUrl"].endswith(
        "/api/v1/oauth/token"
    )
    # a forged token, or the client's token for Swagger UI (staff only), is refused
    assert client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer x.y.z"}).status_code == 401
    assert client.get("/api/v1/docs", headers={"Authorization": f"Bearer {tok}"}).status_code == 401
