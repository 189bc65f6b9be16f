"""ASGI middleware, outermost: the client's address and scheme as the reverse proxy saw them.

Behind nginx every connection to a worker comes from the proxy, so the per-address rate limits
(filings, the casilla's codes, tracking, logins) would count every citizen of the country as one
address and lock them all out together. nginx sends the address it saw in ``X-Forwarded-For``
(and ``https`` in ``X-Forwarded-Proto``); a client can send those headers too, so they are
believed only when the connection comes from an address of ``SGD_TRUSTED_PROXIES``
(settings.TRUSTED_PROXIES). The client is then the right-most address of the header that is not a
trusted proxy itself (the entries on its left were written by the client and prove nothing).

It rewrites ``scope["client"]`` (and ``scope["scheme"]``) for HTTP and for the websocket, so
Reflex's ``router.session.client_ip`` on the ``/_event`` socket and the API routes'
``request.client`` both see the citizen's address. Reflex's own ``trusted_proxy_hops`` is not
used: it believes the header from whoever connects.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from sgd_app import settings

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(entries: Iterable[str]) -> list[_Network]:
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class ProxyHeaders:
    """Take the client address and scheme from the proxy's headers, only from a trusted proxy."""

    def __init__(self, app, *, trusted: Iterable[str] | None = None):
        self.app = app
        self.trusted = _networks(settings.TRUSTED_PROXIES if trusted is None else trusted)

    def _is_trusted(self, address) -> bool:
        return address is not None and any(address in net for net in self.trusted)

    def client_of(self, peer: str, forwarded_for: str) -> str | None:
        """The client address for a connection from ``peer`` carrying ``forwarded_for`` (None: keep the peer)."""
        if not self._is_trusted(_address(peer)):
            return None
        for entry in reversed([e for e in forwarded_for.split(",") if e.strip()]):
            address = _address(entry)
            if address is None:
                return None  # garbage in the proxy's own entry: keep the proxy's address
            if not self._is_trusted(address):
                return str(address)
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or not self.trusted:
            return await self.app(scope, receive, send)
        client = scope.get("client")
        if not client:
            return await self.app(scope, receive, send)
        forwarded_for, proto = "", ""
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                forwarded_for += ("," if forwarded_for else "") + value.decode("latin-1")
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").strip().lower()
        real = self.client_of(client[0], forwarded_for)
        if real is None:
            return await self.app(scope, receive, send)
        scope = {**scope, "client": (real, 0)}
        if proto in ("http", "https"):
            secure = proto == "https"
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if secure else "ws"
            else:
                scope["scheme"] = proto
        await self.app(scope, receive, send)
