"""Every route of the API, walked from ``api.routes`` (a new route is covered without editing this
file): staff routes answer 401 without a session and 404 to another unit's session on the ids of a
case they may not see; absurd ids and parameters answer 404/422 with a Spanish detail, never 500.
On the app's own database (SQLite, and PostgreSQL when SGD_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote, unquote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.api import api, client_auth, deps, docs
from sgd_app.domain import auth, drafting, exports, intake, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.filters import ReportFilters
from sgd_app.domain.models import Document, Expediente
from tests.conftest import make_pdf

PASSWORD = "clave-demo-123"
# Routes for the public or for holders of a signed link; every other route needs a staff session.
PUBLIC = {
    "/api/v1/health",
    "/api/v1/ready",
    "/api/v1/metrics",  # no staff session: the monitoring's bearer token (tests/integration/test_operations.py)
    "/api/v1/sesion",
    "/api/v1/sesion/salir",
    "/api/v1/cargo/{number}.pdf",
    "/api/v1/respuesta/{number}.pdf",
    "/api/v1/avisos/{notice_id}.pdf",
    "/api/v1/verificacion/{code}",
    "/api/v1/verificacion",
    # single sign-on: the browser's redirects before and after the provider (tests/integration/test_sso.py)
    "/api/v1/sso/ingresar",
    "/api/v1/sso/retorno",
    "/api/v1/sso/salida",
    "/api/v1/oauth/token",  # OAuth2 clients authenticate in the form (tests/integration/test_api_clients.py)
    "/api/v1/oauth/revoke",
    "/api/v1/oauth/jwks.json",
}
# A well-formed value for each path parameter (of nothing in particular).
WELL_FORMED = {
    "number": "EXP-2026-000001",
    "document_id": "1",
    "doc_id": "1",
    "notice_id": "1",
    "token": "0" * 32,
    "code": "ABCDEF0123456789",
    "cuo": "20131378972-2026-00000001",
    "inventory_id": "1",
}
# Query parameters a route needs for a call to be valid at all.
WELL_FORMED_QUERY = {"/api/v1/buscar": {"q": "resolución"}}
ABSURD = [
    "99999999999999999999999999",
    str(10**21),
    str(2**63),
    str(2**31),
    "-1",
    "0",
    "1.5",
    "1e3",
    "ñandú",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃",
    "😀👩🏽‍⚖️",
    "\u202eفارسی עברית",  # right-to-left override and RTL scripts
    "\x00",
    "EXP-2026-1\x00",
    "' OR 1=1 --",
    "x" * 10240,
    "../",
    "../../etc/passwd",
    "..\\..\\windows",
    "%2e%2e%2f",
]


def _routes() -> list[APIRoute]:
    """Every route of the app, the included routers' too."""
    return [c.route for c in iter_route_contexts(api.routes) if isinstance(c.route, APIRoute)]


def _path_params(route: APIRoute) -> list[str]:
    return re.findall(r"{(\w+)}", route.path)


def _needs(route: APIRoute, call) -> bool:
    def walk(dependant) -> bool:
        return any(d.call is call or walk(d) for d in dependant.dependencies)

    return walk(route.dependant)


def _staff_routes() -> list[APIRoute]:
    return [r for r in _routes() if _needs(r, deps.current_staff)]


def _url(route: APIRoute, values: dict[str, str]) -> str:
    missing = [p for p in _path_params(route) if p not in values]
    assert not missing, f"{route.path}: add a sample value for {missing} to this test"
    return re.sub(r"{(\w+)}", lambda m: quote(values[m.group(1)], safe=""), route.path)


def _call(client: TestClient, route: APIRoute, url: str, **kwargs):
    (method,) = route.methods
    return client.request(method, url, **kwargs)


def _client(username: str | None = None) -> TestClient:
    client = TestClient(api, follow_redirects=False)
    if username:
        resp = client.post("/api/v1/sesion", data={"usuario": username, "clave": PASSWORD})
        assert resp.status_code == 303 and settings.SESSION_COOKIE in resp.cookies
    return client


def _assert_spanish_json(resp, *statuses: int) -> dict:
    assert resp.status_code in statuses, (resp.request.url, resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["x-content-type-options"] == "nosniff"
    body = resp.json()
    assert isinstance(body["detail"], str) and body["detail"].endswith((".", "»."))
    assert not re.search(
        r"\b(field|required|Input|should|valid integer|Not Found|Method|Allowed|Error)\b", body["detail"]
    )
    return body


def test_every_route_is_public_by_declaration_or_needs_a_staff_session():
    paths = {r.path for r in _routes()}
    assert paths >= PUBLIC, PUBLIC - paths
    staff = {r.path for r in _staff_routes()}
    clients = {r.path for r in _routes() if _needs(r, client_auth.api_client)}
    assert clients and all(p.startswith(("/api/v1/ext/", "/api/v1/interoperabilidad/")) for p in clients)
    # the API's description: a staff session or an API client's token (tests/integration/test_api_docs.py)
    either = {r.path for r in _routes() if _needs(r, docs.docs_reader)}
    assert either == {docs.OPENAPI_URL}
    assert staff == paths - PUBLIC - clients - either
    assert {"/api/v1/documentos/{document_id}", "/api/v1/buscar", "/api/v1/reportes/expedientes.csv"} <= staff


def test_staff_routes_without_a_session_are_401_with_a_spanish_detail(app_db):
    anonymous = _client()
    forged = TestClient(api, follow_redirects=False, cookies={settings.SESSION_COOKIE: "inventado"})
    for route in _staff_routes():
        url = _url(route, WELL_FORMED)
        body = _assert_spanish_json(_call(anonymous, route, url), 401)
        assert body["detail"] == "Inicie sesión para continuar."
        body = _assert_spanish_json(_call(forged, route, url), 401)
        assert body["detail"] == "Su sesión terminó. Vuelva a ingresar."
        # Absurd ids still answer 401 first: nothing is said about the object to a stranger.
        for value in ABSURD[:3]:
            bad = _url(route, dict.fromkeys(_path_params(route), value))
            _assert_spanish_json(_call(anonymous, route, bad), 401)


@pytest.fixture
def rop_objects(app_db) -> dict[str, str]:
    """A case held by ROP, its original, an internal document drafted in it and an Excel export
    prepared for ROP's officer: one real value for every id a staff route takes."""
    with db.write_session() as s:
        number = intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number="45678912",
                name="María Ñahui Quispe",
                kind="ciudadano",
                email="maria@example.pe",
                phone="987654321",
            ),
            subject="Constancia de no afiliación",
            files=[intake.IncomingFile("solicitud.pdf", make_pdf(1), "principal")],
        ).case.number
    with db.write_session() as s:
        token = auth.login(s, username="rop", password=PASSWORD)
    with db.session() as s:
        rop = auth.resolve(s, token)
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        document_id = s.exec(select(Document.id).where(Document.expediente_id == case.id)).first()
    with db.write_session() as s:
        routing.receive(s, who=rop, number=number, version=case.version)
    draft = drafting.create_draft(
        who=rop,
        case_number=number,
        doc_type="memorando",
        subject="Memorando de prueba",
        body="Contenido del memorando de prueba.",
        recipients="Tesorería",
    )
    export = secrets.token_hex(16)
    exports.prepare_xlsx(rop, ReportFilters(), export)
    return {
        "number": number,
        "document_id": str(document_id),
        "doc_id": str(draft.id),
        "token": export,
        "inventory_id": "1",
    }


def test_another_units_session_gets_404_on_every_id_route(rop_objects):
    own, other = _client("rop"), _client("tesoreria")
    id_routes = [r for r in _staff_routes() if _path_params(r)]
    assert {r.path for r in id_routes} >= {"/api/v1/documentos/{document_id}", "/api/v1/borradores/{doc_id}.pdf"}
    for route in id_routes:
        url = _url(route, rop_objects)
        mine = _call(own, route, url)
        if route.path.endswith("/copia.pdf"):  # the desk copy needs the key shown once: ROP reaches the check
            assert mine.status_code == 422 and "clave" in mine.json()["detail"], (url, mine.text[:300])
        elif route.path.endswith(("/indice.pdf", "/paquete.zip")):  # the sample case is open: no index yet
            assert _assert_spanish_json(mine, 409)["code"] == "conflicto", (url, mine.text[:300])
        elif route.path.startswith("/api/v1/archivo/"):  # the archive's inventories: an office's officer gets 404
            assert _assert_spanish_json(mine, 404)["code"], (url, mine.text[:300])
        else:
            assert mine.status_code == 200, (url, mine.text[:300])  # the sample is real and ROP's
        body = _assert_spanish_json(_call(other, route, url), 404)
        assert "no " in body["detail"].lower()
    # The receipt also serves signed links: to another unit's session it is refused as a bad link.
    cargo = f"/api/v1/cargo/{rop_objects['number']}.pdf"
    assert own.get(cargo).status_code == 200
    assert "Enlace vencido o no autorizado" in _assert_spanish_json(other.get(cargo), 403)["detail"]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "staff"])
def test_absurd_path_values_are_404_or_422_never_500(app_db, signed_in):
    client = _client("rop" if signed_in else None)
    for route in _routes():
        params = _path_params(route)
        for name in params:
            for value in ABSURD:
                url = _url(route, {**WELL_FORMED, name: value})
                resp = _call(client, route, url)
                # Another path, which no route has: the API's own 404. (The test client decodes the
                # path twice, so "%2e%2e%2f" arrives as "../".)
                if "/" in unquote(value):
                    _assert_spanish_json(resp, 401, 404)
                elif _needs(route, client_auth.api_client) or (not signed_in and _needs(route, deps.current_staff)):
                    _assert_spanish_json(resp, 401)
                elif route.path in PUBLIC and "t" in _query_params(route):
                    _assert_spanish_json(resp, 403, 404, 422)  # no signed link given
                else:
                    body = _assert_spanish_json(resp, 404, 422)
                    if resp.status_code == 422:
                        assert body["campo"] == name


def _declared(route: APIRoute, kind: str) -> list[str]:
    """The names of the route's ``kind`` parameters ("query_params", "body_params"), its
    dependencies' included."""

    def walk(dependant) -> list[str]:
        own = [p.alias for p in getattr(dependant, kind)]
        return own + [name for d in dependant.dependencies for name in walk(d)]

    return list(dict.fromkeys(walk(route.dependant)))


def _query_params(route: APIRoute) -> list[str]:
    return _declared(route, "query_params")


def _form_params(route: APIRoute) -> list[str]:
    return _declared(route, "body_params")


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "staff"])
def test_absurd_query_and_form_values_never_give_500(app_db, signed_in):
    client = _client("rop" if signed_in else None)
    for route in _routes():
        if route.path == "/api/v1/sesion/salir":
            continue  # would end the session the rest of the walk uses
        url = _url(route, WELL_FORMED)
        names = [*_query_params(route), *_form_params(route)]
        if route.path.startswith(("/api/v1/buscar", "/api/v1/reportes/")):
            names += ["unit_id", "procedure_id", "status", "date_from", "date_to", "channel", "priority"]
        for name in names:
            for value in ABSURD:
                if name in _form_params(route):
                    kwargs = {"data": {name: value}}
                else:
                    kwargs = {"params": {**WELL_FORMED_QUERY.get(route.path, {}), name: value}}
                resp = _call(client, route, url, **kwargs)
                assert resp.status_code < 500, (route.path, name, value[:40], resp.text[:300])
                if resp.status_code >= 400:
                    oauth = route.path.startswith("/api/v1/oauth/")  # RFC 6749 §5.2: 400 invalid_request
                    body = _assert_spanish_json(resp, *((400,) if oauth else ()), 401, 403, 404, 422)
                    if resp.status_code == 422:
                        assert body["campo"] == name


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "staff"])
def test_a_wrong_method_or_an_unknown_path_is_a_spanish_405_or_404(app_db, signed_in):
    client = _client("rop" if signed_in else None)
    for route in _routes():
        url = _url(route, WELL_FORMED)
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - route.methods:
            resp = client.request(method, url)
            body = _assert_spanish_json(resp, 405)
            assert body["detail"] == "Este método no está permitido en esta dirección."
            assert set(resp.headers["allow"].split(", ")) >= route.methods
    for path in ("/api/v1/nada", "/api/v2/documentos/1", "/api/v1/documentos/1/extra", "/api/" + "x" * 10240):
        for method in ("GET", "POST", "DELETE"):
            body = _assert_spanish_json(client.request(method, path), 404)
            assert body["detail"] == "La dirección solicitada no existe."


def test_a_malformed_request_is_422_naming_the_field(app_db):
    resp = _client("rop").get("/api/v1/buscar", params={"q": "x", "page": "dos"})
    assert _assert_spanish_json(resp, 422) == {
        "detail": "El dato «page» no es válido.",
        "code": "dato_invalido",
        "campo": "page",
    }
    resp = _client().get("/api/v1/avisos/0.pdf")
    assert _assert_spanish_json(resp, 422) == {
        "detail": "El dato «notice_id» no es válido.",
        "code": "dato_invalido",
        "campo": "notice_id",
    }
