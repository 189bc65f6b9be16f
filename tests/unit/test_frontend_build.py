"""The production pages paint before their scripts start (sgd_app/frontend_build.py)."""

from __future__ import annotations

import re

from sgd_app.frontend_build import THEME_COLOURS, LeanRadixThemes, paint_first

PAGE = (
    '<html><head><link rel="modulepreload" href="/assets/manifest-1.js"/>'
    '<link rel="modulepreload" href="/assets/entry.client-2.js"/><link rel="modulepreload" href="/assets/root-3.js"/>'
    '<link href="/assets/styles-4.css" rel="stylesheet" type="text/css"/></head><body><main>Hola</main>'
    '<script type="module" async="">import "/assets/manifest-1.js";\n'
    'import * as route0 from "/assets/root-3.js";\nimport * as route1 from "/assets/_index-5.js";\n  \n'
    '  window.__reactRouterRouteModules = {"root":route0,"routes/_index":route1};\n\n'
    'import("/assets/entry.client-2.js");</script></body></html>'
)


def test_the_page_paints_first_and_then_imports_the_same_modules_in_the_same_order():
    out = paint_first(PAGE)
    assert '<link rel="modulepreload"' not in out  # nothing competes with the stylesheet
    assert '<link href="/assets/styles-4.css" rel="stylesheet"' in out and "<main>Hola</main>" in out
    script = re.search(r'<script type="module" async="">(.*?)</script>', out, re.S).group(1)
    assert script.rstrip().endswith("requestAnimationFrame(() => setTimeout(start, 0));")
    # The preloads are issued by the script, all at once (no import waterfall) ...
    assert '["/assets/manifest-1.js", "/assets/entry.client-2.js", "/assets/root-3.js"]' in script
    # ... and the imports keep their order: manifest, root, the page's route, the modules map, entry.
    order = [
        'await import("/assets/manifest-1.js")',
        'const route0 = await import("/assets/root-3.js")',
        'const route1 = await import("/assets/_index-5.js")',
        'window.__reactRouterRouteModules = {"root":route0,"routes/_index":route1}',
        'import("/assets/entry.client-2.js")',
    ]
    at = [script.index(part) for part in order]
    assert at == sorted(at)


def test_a_bootstrap_it_does_not_know_is_left_as_react_router_wrote_it():
    unknown = PAGE.replace('import("/assets/entry.client-2.js");', 'import("/assets/entry.client-2.js");\nfoo();')
    assert paint_first(unknown) == unknown
    assert paint_first("<html><body>sin scripts</body></html>") == "<html><body>sin scripts</body></html>"


def test_only_the_colour_scales_the_app_uses_are_imported():
    sheets = LeanRadixThemes().get_stylesheet_paths()
    assert sheets[0] == "@radix-ui/themes/tokens/base.css"
    assert "@radix-ui/themes/styles.css" not in sheets
    assert [s.rsplit("/", 1)[1] for s in sheets[1:-2]] == [f"{c}.css" for c in THEME_COLOURS]


RADIX_SCALES = {
    *("gray", "mauve", "slate", "sage", "olive", "sand", "tomato", "red", "ruby", "crimson", "pink", "plum"),
    *("purple", "violet", "iris", "indigo", "blue", "cyan", "teal", "jade", "green", "grass", "bronze"),
    *("gold", "brown", "orange", "amber", "yellow", "lime", "mint", "sky"),
}


def test_every_colour_scheme_in_the_code_has_its_scale_imported():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "sgd_app"
    used = set()
    for path in root.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "color_scheme" in line or "accent_color" in line or "gray_color" in line:
                used |= {c for c in re.findall(r'"([a-z]+)"', line) if c in RADIX_SCALES}
    assert used and used <= set(THEME_COLOURS), used - set(THEME_COLOURS)
