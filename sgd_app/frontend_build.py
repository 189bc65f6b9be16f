"""How the production frontend is built for a phone on a slow link (used by rxconfig.py).

- Radix Themes' all-in-one styles.css carries the tokens of all 31 colour scales (35 KiB gzipped of
  its 86): the build imports the base tokens, the scales the app uses, the components and the
  utilities, the way Radix documents it. A colour used in ``color_scheme=`` must be listed here.
- The pages are prerendered HTML, readable before any script runs. React Router's bootstrap
  imports every module of the page at once and preloads them at high priority, so the scripts
  (about 250 KiB) share the link with the one render-blocking stylesheet and the first paint waits
  for them. After the build, each page paints first and then starts its scripts: the preloads are
  issued from the bootstrap after the first frame (all at once, so there is no import waterfall)
  and the static imports become the same imports, run in the same order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import reflex as rx

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


_PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)"/>')
_BOOT = re.compile(r'<script type="module" async="">(.*?)</script>', re.S)
_SIDE = re.compile(r'^import "([^"]+)";$')
_NAMED = re.compile(r"^import \* as (route\d+) from \"([^\"]+)\";$")
_MODULES = re.compile(r"^window\.__reactRouterRouteModules = (\{.*\});$")
_ENTRY = re.compile(r'^import\("([^"]+)"\);$')


def paint_first(html: str) -> str:
    """The page's HTML with its scripts started after the first paint (unchanged when the page
    does not have the bootstrap this was written for: a newer React Router keeps working)."""
    boot = _BOOT.search(html)
    if not boot:
        return html
    side, named, modules, entry = [], [], None, None
    for line in (x.strip() for x in boot.group(1).splitlines()):
        if not line:
            continue
        if m := _SIDE.match(line):
            side.append(m.group(1))
        elif m := _NAMED.match(line):
            named.append((m.group(1), m.group(2)))
        elif m := _MODULES.match(line):
            modules = m.group(1)
        elif m := _ENTRY.match(line):
            entry = m.group(1)
        else:
            return html  # something this does not know: leave the page as React Router wrote it
    if modules is None or entry is None:
        return html
    preloads = _PRELOAD.findall(html)
    q = json.dumps
    script = (
        "const start = async () => {"
        f" for (const href of {q(preloads)}) {{ const l = document.createElement('link');"
        " l.rel = 'modulepreload'; l.href = href; document.head.appendChild(l); }"
        + "".join(f" await import({q(u)});" for u in side)
        + "".join(f" const {n} = await import({q(u)});" for n, u in named)
        + f" window.__reactRouterRouteModules = {modules};"
        f" import({q(entry)}); }};"
        " requestAnimationFrame(() => setTimeout(start, 0));"
    )
    html = html[: boot.start()] + f'<script type="module" async="">{script}</script>' + html[boot.end() :]
    return _PRELOAD.sub("", html)


class PaintFirst(rx.plugins.Plugin):
    """Rewrites every built page with ``paint_first`` (the files are compressed after this hook;
    the inline-script hashes of the CSP are read from the built pages, so they follow)."""

    def post_build(self, **context):
        for page in Path(context["static_dir"]).rglob("*.html"):
            html = page.read_text(encoding="utf-8")
            lean = paint_first(html)
            if lean != html:
                page.write_text(lean, encoding="utf-8")
