"""Security headers on EVERY HTTP response of the server, in one place.

In ``reflex run --env prod --single-port`` one ASGI app answers everything: Reflex appends the
compiled frontend (``PrecompressedStaticFiles`` over ``.web/build/client``: the pages' HTML, the
JS and CSS assets, 404.html) to its own Starlette app, next to ``/_upload``, ``/ping``,
``/_health`` and the ``/_event`` websocket; ``rx.App(api_transformer=[api, BodyLimit,
SecurityHeaders])`` then mounts that app under our FastAPI ``api`` and wraps the result, so this
middleware, the last transformer, sees every response: pages, static files, API routes, file
downloads, 404s and BodyLimit's 413s. (Only CORS preflight answers, made by Reflex's outermost
app, bypass it; they carry no content.)

The header values are built and validated by the ``secure`` library; the Content-Security-Policy
is explained directive by directive in ``content_security_policy`` and in docs/security.md.

Subresources (scripts, stylesheets, fonts, images: ``SUBRESOURCE_TYPES``) get a lean set instead:
the page's policy (1.7 KB with the build's inline-script hashes) governs documents only — a
browser ignores a script's or a stylesheet's own CSP, Permissions-Policy and frame options — and
a phone paid those ~2 KB of headers on each of a page's ~35 files (nginx sends response headers
uncompressed by HPACK's table), about 60 KiB of the first visit. The lean set keeps
``nosniff`` (what makes a browser refuse a script served as another type), HSTS, and a policy that
lets nothing run if such a file is opened as a document (an SVG, say): ``default-src 'none'``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from secure import (
    ContentSecurityPolicy,
    CrossOriginOpenerPolicy,
    PermissionsPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)

from sgd_app import settings

# Inline <script> elements of the built HTML (those without src=): React Router's hydration
# context and route-module imports, Reflex's colour-mode and scroll-restoration snippets.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
# Browser features the app never uses: refused to the page and to anything it might embed.
_DISABLED_FEATURES = (
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
)


def inline_script_hashes(static_dir: Path | None) -> list[str]:
    """``'sha256-…'`` sources for every inline script of the built pages (sorted, unique)."""
    if static_dir is None or not static_dir.is_dir():
        return []
    hashes: set[str] = set()
    for page in static_dir.rglob("*.html"):
        for body in _INLINE_SCRIPT.findall(page.read_text(encoding="utf-8", errors="replace")):
            if body.strip():
                digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
                hashes.add(f"'sha256-{digest}'")
    return sorted(hashes)


def _websocket_origins(origins: Iterable[str]) -> list[str]:
    """ws://host:port (wss:// for https) of each of the site's own origins: the /_event socket."""
    found: list[str] = []
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme in ("http", "https") and parts.netloc:
            ws = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
            if ws not in found:
                found.append(ws)
    return found


def _origin(url: str) -> list[str]:
    parts = urlsplit(url or "")
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []


def content_security_policy(
    script_hashes: Iterable[str],
    *,
    own_origins: Iterable[str],
    frame_ancestors: str = "'none'",
    sso_issuer: str | None = None,
) -> ContentSecurityPolicy:
    """The policy the production build was checked under in Chromium (tests/e2e/test_headers_csp.py)."""
    return (
        ContentSecurityPolicy()
        .default_src("'self'")
        # Scripts: the bundle's own files, plus the inline scripts of the built HTML by their
        # hashes. No 'unsafe-inline' and no 'unsafe-eval': Reflex's state.js eval()s any script an
        # event handler *returns* over the websocket (rx.toast.* from a handler is one), so the
        # handlers return none: messages after an act are state (state/notice.py), the focus moves
        # with rx.set_focus. Chromium reports any eval that slips in (tests/e2e/test_headers_csp.py).
        .script_src("'self'", *script_hashes)
        # Emotion (Reflex's style props) and Radix Themes insert <style> elements at run time.
        .style_src("'self'", "'unsafe-inline'")
        # data: for inline SVG icons and plotly's image export; blob: for local previews.
        .img_src("'self'", "data:", "blob:")
        .font_src("'self'", "data:")
        # The /_event websocket, /_upload and the API: this site only, never a third party.
        .connect_src("'self'", *_websocket_origins(own_origins))
        # PDF viewers (case page, signing page) are iframes of this site's own download routes.
        .frame_src("'self'")
        .worker_src("'self'", "blob:")
        .object_src("'none'")
        .base_uri("'self'")
        # Forms post to this site; "Salir" of a single sign-on session is answered with a redirect
        # to the identity provider's logout (RP-initiated logout), which form-action also governs.
        .form_action("'self'", *_origin(settings.OIDC_ISSUER if sso_issuer is None else sso_issuer))
        .frame_ancestors(frame_ancestors)
    )


def build_secure(
    script_hashes: Iterable[str], *, public_url: str, own_origins: Iterable[str], frameable: bool = False
) -> Secure:
    """Every header of one response. ``frameable``: a PDF our own pages show in an iframe
    (frame-ancestors 'self' / SAMEORIGIN); anything else may not be framed at all (DENY)."""
    secure = Secure(
        csp=content_security_policy(
            script_hashes, own_origins=own_origins, frame_ancestors="'self'" if frameable else "'none'"
        ),
        xfo=XFrameOptions().sameorigin() if frameable else XFrameOptions().deny(),
        xcto=XContentTypeOptions().nosniff(),
        referrer=ReferrerPolicy().strict_origin_when_cross_origin(),
        permissions=_permissions(),
        coop=CrossOriginOpenerPolicy().same_origin(),
        # Browsers ignore HSTS over http; sending it only for an https site keeps a plain-http
        # installation (a LAN, a test) from being pinned to https by accident.
        hsts=StrictTransportSecurity().max_age(31536000).include_subdomains()
        if public_url.startswith("https://")
        else None,
    )
    return secure.validate_and_normalize_headers()


# Content types of the files a page loads as subresources: their responses get ``build_lean``.
SUBRESOURCE_TYPES = (
    b"text/javascript",
    b"application/javascript",
    b"text/css",
    b"font/",
    b"image/",
    b"application/wasm",
)
LEAN_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def build_lean(*, public_url: str) -> Secure:
    """The headers of a subresource (a script, a stylesheet, a font, an image)."""
    secure = Secure(
        csp=ContentSecurityPolicy().default_src("'none'").style_src("'unsafe-inline'").frame_ancestors("'none'"),
        xcto=XContentTypeOptions().nosniff(),
        hsts=StrictTransportSecurity().max_age(31536000).include_subdomains()
        if public_url.startswith("https://")
        else None,
    )
    return secure.validate_and_normalize_headers()


def is_subresource(content_type: bytes) -> bool:
    return content_type.lower().startswith(SUBRESOURCE_TYPES)


def _permissions() -> PermissionsPolicy:
    policy = PermissionsPolicy()
    for feature in _DISABLED_FEATURES:
        policy.add_directive(feature)
    return policy


def frontend_static_dir() -> Path | None:
    """Where Reflex's production build keeps the pages' HTML (None when it cannot tell)."""
    try:
        from reflex.utils import prerequisites
        from reflex_base import constants
        from reflex_base.config import get_config
    except ImportError:  # pragma: no cover - reflex is a dependency of the app
        return None
    frontend_path = get_config().frontend_path.strip("/")
    return (prerequisites.get_web_dir() / constants.Dirs.STATIC / frontend_path).resolve()


class SecurityHeaders:
    """ASGI middleware: the headers of ``build_secure`` on every HTTP response, replacing any
    value the wrapped app set for the same header."""

    def __init__(
        self,
        app,
        *,
        public_url: str = settings.PUBLIC_URL,
        own_origins: Iterable[str] = settings.ALLOWED_ORIGINS,
        static_dir: Path | None = None,
    ):
        self.app = app
        self.public_url = public_url
        self.own_origins = list(own_origins)
        self.static_dir = static_dir
        self._built_for: object = None
        self._headers: dict[str, list[tuple[bytes, bytes]]] = {}

    def _build_stamp(self) -> tuple[Path | None, int | None]:
        if self.static_dir is None:
            self.static_dir = frontend_static_dir()
        if self.static_dir is None:
            return (None, None)
        try:
            return (self.static_dir, (self.static_dir / "index.html").stat().st_mtime_ns)
        except OSError:
            return (self.static_dir, None)

    def headers(self, kind: str) -> list[tuple[bytes, bytes]]:
        """The raw headers of a ``"page"``, a ``"frameable"`` PDF or a ``"lean"`` subresource,
        rebuilt when the frontend build changes (its inline-script hashes)."""
        stamp = self._build_stamp()
        if stamp != self._built_for or not self._headers:
            hashes = inline_script_hashes(stamp[0])
            built = {
                kind: build_secure(
                    hashes, public_url=self.public_url, own_origins=self.own_origins, frameable=kind == "frameable"
                )
                for kind in ("page", "frameable")
            }
            built["lean"] = build_lean(public_url=self.public_url)
            self._headers = {
                kind: [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in b.headers.items()]
                for kind, b in built.items()
            }
            self._built_for = stamp
        return self._headers[kind]

    # Headers of the page set that a subresource's answer must not carry (the wrapped app or a
    # previous layer may have set them).
    _PAGE_ONLY = (
        b"content-security-policy",
        b"permissions-policy",
        b"x-frame-options",
        b"referrer-policy",
        b"cross-origin-opener-policy",
    )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                existing = list(message.get("headers", []))
                content_type = next((v for k, v in existing if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"application/pdf"):
                    kind = "frameable"
                elif is_subresource(content_type) and message.get("status", 200) < 400:
                    kind = "lean"
                else:
                    kind = "page"
                ours = self.headers(kind)
                names = {name for name, _ in ours} | (set(self._PAGE_ONLY) if kind == "lean" else set())
                message = {
                    **message,
                    "headers": [(k, v) for k, v in existing if k.lower() not in names] + ours,
                }
            await send(message)

        await self.app(scope, receive, send_with_headers)
