"""The bare Reflex app the citizen peak benchmark compares with (bench/peak.py): one page, one
form state, nothing else — what Reflex itself costs on this machine."""

import reflex as rx

config = rx.Config(
    app_name="bare_form",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
)
