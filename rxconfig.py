"""Reflex configuration. Every value comes from sgd_app.settings (the environment)."""

import sys

import reflex as rx

from sgd_app import settings

# Radix Themes' all-in-one styles.css carries the tokens of all 31 colour scales (35 KiB gzipped of
# the 86): import the base tokens, the scales the app uses, the components and the utilities, the
# way Radix documents it. A colour used in `color_scheme=` must be listed here.
THEME_COLOURS = ("ruby", "slate", "gray", "red", "amber", "grass", "green", "indigo")


class LeanRadixThemes(rx.plugins.RadixThemesPlugin):
    def get_stylesheet_paths(self, **context):
        if not self.enabled:
            return ()
        colours = [f"@radix-ui/themes/tokens/colors/{c}.css" for c in THEME_COLOURS]
        return (
            "@radix-ui/themes/tokens/base.css",
            *colours,
            "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css",
        )


# `reflex run --backend-only` (the push benchmark) refuses a frontend port.
_BACKEND_ONLY = "--backend-only" in sys.argv

config = rx.Config(
    app_name="sgd_app",
    frontend_port=None if _BACKEND_ONLY else settings.PORT,
    backend_port=settings.PORT,
    cors_allowed_origins=settings.ALLOWED_ORIGINS,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        LeanRadixThemes(theme=rx.theme(accent_color="ruby", gray_color="slate", radius="large", appearance="light")),
    ],
)
