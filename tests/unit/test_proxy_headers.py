"""The client's address behind the reverse proxy (sgd_app/api/proxy_headers.py): believed only from
a trusted proxy, the right-most untrusted entry, for HTTP and for the /_event websocket."""

from __future__ import annotations

import asyncio

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from sgd_app.api.proxy_headers import ProxyHeaders


def _seen(middleware_trusted, *, peer, headers, kind="http"):
    """The scope the wrapped app receives for a connection from ``peer`` with ``headers``."""
    seen = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    scope = {
        "type": kind,
        "scheme": "ws" if kind == "websocket" else "http",
        "client": (peer, 41000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        "path": "/_event/",
    }
    asyncio.run(ProxyHeaders(inner, trusted=middleware_trusted)(scope, None, None))
    return seen


@pytest.mark.parametrize("kind", ["http", "websocket"])
def test_the_proxy_says_who_the_client_is(kind):
    scope = _seen(
        ["127.0.0.2"],
        peer="127.0.0.2",
        headers=[("X-Forwarded-For", "200.48.225.130"), ("X-Forwarded-Proto", "https")],
        kind=kind,
    )
    assert scope["client"] == ("200.48.225.130", 0)
    assert scope["scheme"] == ("wss" if kind == "websocket" else "https")


def test_anyone_else_cannot_claim_an_address():
    # Not the proxy: another program on the same host, or a client reaching a worker directly.
    for peer in ("127.0.0.1", "190.40.1.1", "::1"):
        scope = _seen(
            ["127.0.0.2"], peer=peer, headers=[("X-Forwarded-For", "8.8.8.8"), ("X-Forwarded-Proto", "https")]
        )
        assert scope["client"] == (peer, 41000) and scope["scheme"] == "http"
    # Nothing trusted (the default, SGD_TRUSTED_PROXIES empty): the headers are ignored.
    scope = _seen([], peer="127.0.0.2", headers=[("X-Forwarded-For", "8.8.8.8")])
    assert scope["client"] == ("127.0.0.2", 41000)


def test_entries_the_client_wrote_prove_nothing():
    # A client sends "X-Forwarded-For: 1.2.3.4"; a proxy that appends ($proxy_add_x_forwarded_for)
    # then writes the real address at the right: that one counts.
    scope = _seen(["127.0.0.2"], peer="127.0.0.2", headers=[("X-Forwarded-For", "1.2.3.4, 181.65.10.7")])
    assert scope["client"][0] == "181.65.10.7"
    # Two proxies (a load balancer in 10.0.0.0/24, then nginx): the first untrusted from the right.
    scope = _seen(
        ["127.0.0.2", "10.0.0.0/24"], peer="127.0.0.2", headers=[("X-Forwarded-For", "1.2.3.4, 181.65.10.7, 10.0.0.5")]
    )
    assert scope["client"][0] == "181.65.10.7"
    # Two header lines count as one list; a port and IPv6 brackets are understood.
    scope = _seen(
        ["127.0.0.2"],
        peer="127.0.0.2",
        headers=[("X-Forwarded-For", "9.9.9.9"), ("X-Forwarded-For", "[2800:200::7]:5000")],
    )
    assert scope["client"][0] == "2800:200::7"
    # Garbage in the proxy's entry, or only proxies: keep the peer.
    for value in ("1.2.3.4, not-an-ip", "10.0.0.5", ""):
        scope = _seen(["127.0.0.2", "10.0.0.0/24"], peer="127.0.0.2", headers=[("X-Forwarded-For", value)])
        assert scope["client"] == ("127.0.0.2", 41000)


def test_api_routes_see_the_client_address():
    async def whoami(request: Request):
        return PlainTextResponse(f"{request.client.host} {request.url.scheme}")

    app = ProxyHeaders(Starlette(routes=[Route("/ip", whoami)]), trusted=["127.0.0.2"])
    headers = {"X-Forwarded-For": "200.48.225.130", "X-Forwarded-Proto": "https"}
    with TestClient(app, client=("127.0.0.2", 50000)) as proxy:
        assert proxy.get("/ip", headers=headers).text == "200.48.225.130 https"
    with TestClient(app, client=("127.0.0.1", 50000)) as other:
        assert other.get("/ip", headers=headers).text == "127.0.0.1 http"
