"""(b) Every id route, by another unit's staff: the HTTP routes under /api/v1 (enumerated from
``sgd_app.api.api.routes``) and the pages with a dynamic segment (``components.page.PAGES``),
asked for the cases of unit ROP by officials of other units -> 404/403 with nothing of the case
in the body; routes without ids (search, reports) answer, but with nothing of ROP's cases.
Signed links (domain/links.py) tampered in every way -> refused."""

from __future__ import annotations

import re
import secrets
import time
import zipfile
from io import BytesIO

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from sgd_app import settings
from sgd_app.api import api
from sgd_app.components.page import PAGES
from sgd_app.domain import auth, links
from tests.security import world
from tests.security.snapshot import pdf_text
from tests.security.test_handlers import CALLERS, call, new_state, public_text

# Routes that take no id of a case, with why they are not "id routes".
NOT_ID_ROUTES = {
    "/api/v1/health": "public liveness probe, no data",
    "/api/v1/ready": "public readiness probe: which check failed, queue lengths and ages, no case data",
    "/api/v1/metrics": "Prometheus metrics: 404 without SGD_METRICS_TOKEN, else the bearer token (test_operations.py)",
    "/api/v1/sesion": "login: tested in tests/integration/test_api.py (throttling, cookies)",
    "/api/v1/sesion/salir": "logout of the caller's own session",
    "/api/v1/sso/ingresar": "single sign-on start: a redirect to the provider (tests/integration/test_sso.py)",
    "/api/v1/sso/retorno": "single sign-on callback: state, PKCE, ID token checked (tests/integration/test_sso.py)",
    "/api/v1/sso/salida": "where the provider's logout sends the browser back: a redirect to /ingresar",
    "/api/v1/openapi.json": "the API's description: staff, or an API client's token (its routes only; test_api_docs.py)",
    "/api/v1/docs": "Swagger UI: off unless SGD_API_DOCS=1, then staff only (test_api_docs.py)",
    "/api/v1/docs/inicio.js": "Swagger UI's start script, same rule",
    "/api/v1/docs/swagger-ui-bundle.js": "Swagger UI's files (swagger-ui-bundle), same rule",
    "/api/v1/docs/swagger-ui.css": "Swagger UI's files (swagger-ui-bundle), same rule",
    "/api/v1/oauth/token": "OAuth2 client credentials: client authentication (tests/integration/test_api_clients.py)",
    "/api/v1/oauth/revoke": "RFC 7009 revocation by the authenticated client of its own token (test_api_clients.py)",
    "/api/v1/oauth/jwks.json": "the public keys of this instance's access tokens: public by design",
}
# Public capability routes: whoever holds the code/link may read; tested with wrong ones below.
# The OAuth2 clients' API: a bearer token only (a staff cookie is not enough: 401 below); what
# a client sees is its service account's view, tested in tests/integration/test_api_clients.py.
# The exchange between institutions: a client token of an entity of the directory
# (tests/integration/test_interop.py).
CLIENT_ROUTES_PREFIX = ("/api/v1/ext/", "/api/v1/interoperabilidad/")
CAPABILITY_ROUTES = {"/api/v1/verificacion/{code}", "/api/v1/verificacion"}
# Routes that list what the caller may see (no id): must answer without any of ROP's cases.
LISTING_ROUTES = {
    "/api/v1/buscar",
    "/api/v1/reportes/expedientes.csv",
    "/api/v1/reportes/expedientes.xlsx",
    "/api/v1/reportes/resumen.pdf",
    "/api/v1/auditoria/eventos.csv",  # administrators and managers only: officers get 403
}


def _flatten(routes) -> list:
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)  # FastAPI's included routers (prefix '')
        out.extend(_flatten(inner.routes) if inner is not None else [r])
    return out


def _routes() -> list[APIRoute]:
    return [r for r in _flatten(api.routes) if isinstance(r, APIRoute) and r.path.startswith("/api/v1")]


def _path_values(w: world.World, rop_export: str) -> dict[str, str]:
    return {
        "number": w.a2,
        "document_id": str(w.ids["document"]),
        "doc_id": str(w.ids["draft"]),
        "notice_id": str(w.ids["notice"]),
        "token": rop_export,
        "code": secrets.token_hex(16),
        "cuo": "20131378972-2026-00000001",
        "inventory_id": "1",
    }


def _client(cookie_token: str = "") -> TestClient:
    c = TestClient(api, follow_redirects=False)
    if cookie_token:
        c.cookies.set(settings.SESSION_COOKIE, cookie_token)
    return c


def _body_text(resp) -> str:
    """What the body says: PDFs through pdftotext-like extraction, xlsx unzipped, text as is."""
    data = resp.content
    if data[:4] == b"%PDF":
        return pdf_text(data)
    if data[:2] == b"PK":
        with zipfile.ZipFile(BytesIO(data)) as z:
            return b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
    return data.decode("utf-8", "replace")


def test_every_api_route_is_classified():
    """A new route must be added to one of the lists here (or be an id route, tested below)."""
    for r in _routes():
        assert (
            r.path.startswith(CLIENT_ROUTES_PREFIX)
            or r.path in NOT_ID_ROUTES
            or r.path in CAPABILITY_ROUTES
            or r.path in LISTING_ROUTES
            or "{" in r.path
        ), f"classify the new route {r.path}"


ID_ROUTES = [
    r
    for r in _routes()
    if "{" in r.path and r.path not in CAPABILITY_ROUTES and not r.path.startswith(CLIENT_ROUTES_PREFIX)
]
CLIENT_ROUTES = [r for r in _routes() if r.path.startswith(CLIENT_ROUTES_PREFIX)]


@pytest.mark.parametrize("route", CLIENT_ROUTES, ids=lambda r: r.path)
def test_client_routes_refuse_staff_cookies_and_anonymous(hostile, route):
    w = hostile.w
    values = _path_values(w, w.rop_export)
    path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)
    for caller in ("anonimo", *[c for c in CALLERS if c != "anonimo"][:2]):
        client = _client("" if caller == "anonimo" else hostile.tokens[caller])
        for method in route.methods - {"HEAD"}:
            resp = client.request(method, path, params={"q": "reservado QZX"})
            assert resp.status_code == 401, f"{method} {path} as {caller}: {resp.status_code}"
            assert resp.json()["code"] == "no_autenticado" and resp.headers["www-authenticate"].startswith("Bearer")
            assert not [m for m in world.MARKERS if m in resp.text]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ID_ROUTES, ids=lambda r: r.path)
def test_id_route_refuses_other_units_and_anonymous(hostile, route, caller):
    w = hostile.w
    values = _path_values(w, w.rop_export)
    path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)
    client = _client("" if caller == "anonimo" else hostile.tokens[caller])
    for method in route.methods - {"HEAD"}:
        resp = client.request(method, path)
        expected = (401, 403, 404) if caller == "anonimo" else (403, 404)
        assert resp.status_code in expected, f"{method} {path} as {caller}: {resp.status_code}"
        text = _body_text(resp)
        assert not [m for m in world.MARKERS if m in text], f"{method} {path} as {caller} leaked: {text[:300]}"
        assert resp.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "anonimo"])
@pytest.mark.parametrize("path", sorted(LISTING_ROUTES))
def test_listing_route_shows_other_units_nothing(hostile, path, caller):
    w = hostile.w
    params = {
        "q": "reservado QZX",
        "unit_id": str(w.ids["unit_rop"]),
        "procedure_id": str(w.ids["procedure"]),
    }
    resp = _client(hostile.tokens[caller]).get(path, params=params)
    assert resp.status_code in (200, 400, 403, 404, 422), resp.text[:300]
    text = _body_text(resp)
    assert not [m for m in world.MARKERS if m in text], f"{path} as {caller} leaked: {text[:300]}"
    assert w.a1 not in text and w.a2 not in text


def test_listing_routes_without_a_session_are_refused(hostile):
    for path in sorted(LISTING_ROUTES):
        resp = _client().get(path, params={"q": "reservado"})
        assert resp.status_code == 401, path


def test_the_listing_probe_sees_the_owner_data(hostile):
    """Not blind: ROP's own officer finds the case through the same routes."""
    token = hostile.tokens["rop"]
    resp = _client(token).get("/api/v1/buscar", params={"q": "reservado QZX"})
    assert world.SUBJECT in _body_text(resp) or world.SUBJECT_2 in _body_text(resp)
    resp = _client(token).get(f"/api/v1/borradores/{hostile.w.ids['draft']}.pdf")
    assert resp.status_code == 200 and world.DRAFT_SUBJECT in _body_text(resp)
    resp = _client(token).get(f"/api/v1/reportes/descarga/{hostile.w.rop_export}")
    assert resp.status_code == 200 and world.SUBJECT in _body_text(resp)


DYNAMIC_PAGES = [p for p in PAGES if "[" in p.route]


def test_dynamic_pages_are_known():
    assert [p.route for p in DYNAMIC_PAGES] == ["/expedientes/[numero]"], "add the new page's state below"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("number", ["a1", "a2"])
def test_case_page_of_another_unit_shows_nothing(hostile, caller, number):
    """/expedientes/<number> of ROP's case, opened by someone else: every on_load of the page
    runs (the page itself is static HTML; its data comes only through these handlers)."""
    w = hostile.w
    num = getattr(w, number)
    cookie = "" if caller == "anonimo" else f"sgd_sesion={hostile.tokens[caller]}"
    (page,) = DYNAMIC_PAGES
    for item in page.on_load:
        handler = getattr(item, "handler", item)  # an EventSpec (with arguments) or a bare handler
        args = [getattr(v, "_var_value", v) for _k, v in getattr(item, "args", ())]
        state_cls, name = handler.state, handler.fn.__name__
        root, st = new_state(state_cls, cookie=cookie, pathname=f"/expedientes/{num}", query={"numero": num})
        call(state_cls, name, st, args)
        text = public_text(root)
        assert not [m for m in world.MARKERS if m in text], f"{name} as {caller} showed {num}"
        if hasattr(st, "found"):
            assert st.found is False


# ---------------------------------------------------------------- signed links
def _cargo(number: str, token: str) -> str:
    return f"/api/v1/cargo/{number}.pdf?t={token}"


def _tampered(w: world.World) -> list[tuple[str, str]]:
    secret = settings.secret_key()
    good_b = links.download_url(w.b).split("t=", 1)[1]
    exp, mac = good_b.split(".", 1)
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    answer_a2 = auth.sign_token(secret, "respuesta", w.a2, ttl_seconds=3600)
    notice_tok = links.notice_url(w.ids["notice"]).split("t=", 1)[1]
    expired = auth.sign_token(secret, "cargo", w.a2, ttl_seconds=-10)
    foreign_key = auth.sign_token(b"otra-instalacion" * 2, "cargo", w.a2, ttl_seconds=3600)
    later = str(int(exp) + 86400) + "." + mac
    return [
        ("cargo: the other citizen's token on this number", _cargo(w.a2, good_b)),
        ("cargo: last hex digit flipped", _cargo(w.b, f"{exp}.{flipped}")),
        ("cargo: expiry moved a day later", _cargo(w.b, later)),
        ("cargo: expired", _cargo(w.a2, expired)),
        ("cargo: another installation's secret", _cargo(w.a2, foreign_key)),
        ("cargo: answer token", _cargo(w.a2, answer_a2)),
        ("cargo: notice token", _cargo(w.a2, notice_tok)),
        ("cargo: empty", _cargo(w.a2, "")),
        ("cargo: garbage", _cargo(w.a2, "abc")),
        ("cargo: only the mac", _cargo(w.b, mac)),
        ("respuesta: cargo token", f"/api/v1/respuesta/{w.b}.pdf?t={good_b}"),
        (
            "respuesta: expired",
            f"/api/v1/respuesta/{w.a2}.pdf?t={auth.sign_token(secret, 'respuesta', w.a2, ttl_seconds=-1)}",
        ),
        ("aviso: token of this notice on the next id", f"/api/v1/avisos/{w.ids['notice'] + 1}.pdf?t={notice_tok}"),
        ("aviso: cargo token", f"/api/v1/avisos/{w.ids['notice']}.pdf?t={good_b}"),
        (
            "aviso: expired",
            f"/api/v1/avisos/{w.ids['notice']}.pdf?t={auth.sign_token(secret, 'aviso', str(w.ids['notice']), ttl_seconds=-1)}",
        ),
    ]


def test_tampered_signed_links_are_refused(hostile):
    w = hostile.w
    client = _client()
    good = client.get(links.download_url(w.b))
    assert good.status_code == 200 and good.content[:4] == b"%PDF"  # not blind: the real link works
    for label, url in _tampered(w):
        resp = client.get(url)
        assert resp.status_code == 403, f"{label}: {resp.status_code}"
        assert resp.content[:4] != b"%PDF", label
        assert not [m for m in world.MARKERS if m in resp.text], label


def test_a_signed_link_does_not_survive_a_new_installation_secret(hostile, tmp_path, monkeypatch):
    w = hostile.w
    url = links.download_url(w.a2)
    monkeypatch.setattr(settings, "secret_key", lambda: b"x" * 32)
    assert _client().get(url).status_code == 403
    assert time.time()  # the link itself was valid until the secret changed
