"""Steps of a sign-in through the real provider, as a browser takes them: our route sends it to
the provider, the provider's login form, the provider's redirect back to our callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
from fastapi.testclient import TestClient

from sgd_app import settings
from sgd_app.api import api
from sgd_app.domain.sso import provider as sso_provider
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider


def configure(monkeypatch, prov: OidcProvider, **extra: object) -> None:
    """The app's settings point at ``prov`` (PUBLIC_URL: the TestClient's http://testserver)."""
    values = {
        "PUBLIC_URL": "http://testserver",
        "OIDC_ISSUER": prov.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid email profile groups",
        "OIDC_LINKING": "admin",
        "OIDC_GROUP_ROLES": "",
        **{k.upper(): v for k, v in extra.items()},
    }
    for name, value in values.items():
        monkeypatch.setattr(settings, name, value)
    sso_provider.forget()


def app_client() -> TestClient:
    return TestClient(api, base_url="http://testserver", follow_redirects=False)


def at_provider(idp: httpx.Client, url: str, user: dict | None) -> str:
    """Follow the provider's pages from ``url`` (logging in as ``user`` when its form shows) until it
    sends the browser back to our server; the address it sends it to."""
    for _ in range(10):
        r = idp.get(url)
        if r.status_code in (302, 303):
            url = str(r.url.join(r.headers["location"]))
            if url.startswith("http://testserver"):
                return url
            continue
        assert r.status_code == 200, r.text[:500]
        assert 'name="login"' in r.text, r.text[:500]
        assert user is not None, "the provider asked for a login"
        action = r.text.split('action="', 1)[1].split('"', 1)[0]
        r = idp.post(action, data={"login": user["login"], "password": user["password"]})
        if r.status_code == 200:  # the form again: wrong password
            return ""
        assert r.status_code in (302, 303), r.text[:500]
        url = str(r.url.join(r.headers["location"]))
        if url.startswith("http://testserver"):
            return url
    raise AssertionError("the provider did not send the browser back")


def sign_in(
    app: TestClient, prov: OidcProvider, user: dict, idp: httpx.Client | None = None, mutate=None
) -> httpx.Response:
    """The whole trip; the answer of our callback (303 to /bandeja or to /ingresar?motivo=...).
    ``mutate(params)`` may change the authorization request's parameters on the way (an attacker)."""
    start = app.get("/api/v1/sso/ingresar")
    assert start.status_code == 303, start.text
    location = start.headers["location"]
    assert location.startswith(prov.issuer)
    if mutate is not None:
        parts = urlsplit(location)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        mutate(params)
        location = urlunsplit(parts._replace(query=urlencode(params)))
    own = idp is None
    idp = idp or httpx.Client(base_url=prov.issuer, follow_redirects=False, timeout=10)
    try:
        back = at_provider(idp, location, user)
    finally:
        if own:
            idp.close()
    assert back.startswith("http://testserver/api/v1/sso/retorno?"), back
    return app.get(back.removeprefix("http://testserver"))
