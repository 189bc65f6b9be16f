"""Reflex configuration. Every value comes from sgd_app.settings (the environment)."""
import reflex as rx

from sgd_app import settings

config = rx.Config(
    app_name="sgd_app",
    frontend_port=settings.PORT,
    backend_port=settings.PORT,
    cors_allowed_origins=settings.ALLOWED_ORIGINS,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="ruby", gray_color="slate", radius="large", appearance="light")
        ),
    ],
)
