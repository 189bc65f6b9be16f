"""ASGI middleware in front of the compiled frontend: page addresses without the trailing slash
are served directly, and the caching of what the frontend serves is said explicitly.

Reflex's production server serves the prerendered pages with Starlette's ``StaticFiles(html=True)``
from ``.web/build/client``: ``/seguimiento`` is the directory ``seguimiento/`` with an
``index.html``, and Starlette answers it with a 307 to ``/seguimiento/`` (one more round trip,
~600 ms on a phone, for every link the app prints: receipts, e-mails, the header). The canonical
address is the one without the slash (``sgd_app.routes``, the links of ``domain.links``); here the
request for it is served the same file the slashed form would get, with 200 and no redirect.

Caching: the build's files under ``/assets/`` (and Next's ``/_next/static/``) carry a content hash
in their names, so they are ``public, max-age=31536000, immutable``; the HTML pages stay
``no-cache`` (revalidated with their ETag on every visit, so a new release is seen at once).
"""

from __future__ import annotations

from pathlib import Path

from sgd_app.api.headers import frontend_static_dir

IMMUTABLE = b"public, max-age=31536000, immutable"
NO_CACHE = b"no-cache"
_FINGERPRINTED = ("/assets/", "/_next/static/")
# Served by the backend itself, never a page of the frontend.
_BACKEND = ("/api/", "/_event", "/_upload", "/ping", "/_health", "/_reflex")


def _page_dir_exists(static_dir: Path | None, path: str) -> bool:
    if static_dir is None:
        return False
    relative = path.strip("/")
    if not relative or ".." in relative.split("/") or "." in relative.rsplit("/", 1)[-1]:
        return False
    try:
        return (static_dir / relative / "index.html").is_file()
    except (OSError, ValueError):
        return False


class StaticPaths:
    """Serve ``/page`` like ``/page/`` (no 307) and set Cache-Control on frontend files."""

    def __init__(self, app, *, static_dir: Path | None = None):
        self.app = app
        self.static_dir = static_dir

    def _dir(self) -> Path | None:
        if self.static_dir is None:
            self.static_dir = frontend_static_dir()
        return self.static_dir

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        path: str = scope.get("path", "")
        if path.startswith(_BACKEND):
            return await self.app(scope, receive, send)
        fingerprinted = path.startswith(_FINGERPRINTED)
        if not fingerprinted and path != "/" and not path.endswith("/") and _page_dir_exists(self._dir(), path):
            raw = scope.get("raw_path")
            scope = {**scope, "path": path + "/", "raw_path": (raw + b"/") if raw else raw}

        async def send_with_cache(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                status = message.get("status", 200)
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                value = None
                if fingerprinted and status in (200, 304):
                    value = IMMUTABLE
                elif content_type.startswith(b"text/html"):
                    value = NO_CACHE
                if value is not None:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", value))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cache)
