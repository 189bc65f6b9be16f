"""Reflex configuration. Every value comes from sgd_app.settings (the environment)."""

import sys

import reflex as rx

from sgd_app import settings
from sgd_app.frontend_build import LeanRadixThemes, PaintFirst

# `reflex run --backend-only` (the push benchmark) refuses a frontend port.
_BACKEND_ONLY = "--backend-only" in sys.argv

# Behind the HTTPS proxy (docs/deploy.md) the browser reaches /_event and /_upload at the public
# address: the build bakes it in. (Reflex's default, localhost:PORT, is rewritten by the browser to
# the page's host, but over https it also drops the port: the socket would go to :443.)
_API_URL = {"api_url": settings.PUBLIC_URL} if settings.PUBLIC_URL.startswith("https://") else {}

config = rx.Config(
    app_name="sgd_app",
    frontend_port=None if _BACKEND_ONLY else settings.PORT,
    backend_port=settings.PORT,
    cors_allowed_origins=settings.ALLOWED_ORIGINS,
    **_API_URL,
    show_built_with_reflex=False,
    # A tab's state lives this long after its last event (settings.STATE_EXPIRY_HOURS, README "Operación").
    redis_token_expiration=int(settings.STATE_EXPIRY_HOURS * 3600),
    telemetry_enabled=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Brotli first (Chrome on a phone asks for it; about a sixth smaller than gzip), gzip for the rest.
    frontend_compression_formats=["brotli", "gzip"],
    plugins=[
        LeanRadixThemes(theme=rx.theme(accent_color="ruby", gray_color="slate", radius="large", appearance="light")),
        PaintFirst(),
    ],
)
