"""The nginx configuration of the scaled set-up, rendered from deploy/*.template."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from sgd_app import settings
from sgd_app.scale.layout import BROTLI_MODULE, DEPLOY, Layout, ScaleError
from sgd_app.scale.tls import ensure_certificate


def _fill(template: str, values: dict[str, str]) -> str:
    text = (DEPLOY / template).read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        left = text[text.index("@@") :].split("\n", 1)[0]
        raise ScaleError(f"Falta un valor en deploy/{template}: {left}")
    return text


def _listen(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def security_header_lines(layout: Layout, indent: str = "        ") -> str:
    """The app's own security headers (sgd_app/api/headers.py, with the inline-script hashes of
    this build) as nginx ``add_header`` lines, for the files nginx serves itself."""
    from sgd_app.api.headers import build_secure, inline_script_hashes

    headers = build_secure(
        inline_script_hashes(layout.static_dir), public_url=layout.public_url, own_origins=[layout.public_url]
    ).headers
    lines = []
    for name, value in headers.items():
        if "$" in value or '"' in value:  # nginx would read a variable or end the string there
            raise ScaleError(f"La cabecera {name} no se puede escribir en la configuración de nginx.")
        quoted = value
        lines.append(f'{indent}add_header {name} "{quoted}" always;')
    return "\n".join(lines)


def asset_header_lines(layout: Layout, indent: str = "        ") -> str:
    """The lean headers of a subresource (sgd_app/api/headers.py ``build_lean``) for the
    fingerprinted files nginx serves itself."""
    from sgd_app.api.headers import build_lean

    return "\n".join(
        f'{indent}add_header {name} "{value}" always;'
        for name, value in build_lean(public_url=layout.public_url).headers.items()
    )


def dynamic_route_locations(layout: Layout) -> str:
    """An nginx location per page whose address has a parameter (``/expedientes/[numero]``): the
    build's SPA shell (404.html) with status 200, as Reflex's own static server answers them."""

    try:
        routes = json.loads((layout.web_dir / "routes.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        routes = []
    blocks = []
    for route in sorted(r for r in routes if "[" in r):
        parts = []
        for part in route.strip("/").split("/"):
            if part.startswith("[[...") or part.startswith("[..."):
                parts.append(".*")
            elif part.startswith("["):
                parts.append("[^/]+")
            else:
                parts.append(re.escape(part))
        blocks.append(
            f"    location ~ ^/{'/'.join(parts)}/?$ {{\n{security_header_lines(layout)}\n"
            '        add_header Cache-Control "no-cache" always;\n'
            "        try_files /404.html =404;\n    }"
        )
    return "\n".join(blocks)


def too_large_message() -> str:
    limit = settings.MAX_MAIN_BYTES
    return f"El archivo es demasiado grande: el máximo es {limit / (1024 * 1024):.0f} MB."


def down_page() -> str:
    """The page nginx answers when no worker answers (every one stopped or failing)."""
    from html import escape

    inst, phone, hours = (
        escape(v) for v in (settings.INSTITUTION_NAME, settings.CONTACT_PHONE, settings.CONTACT_HOURS)
    )
    page = (
        '<!doctype html><html lang="es"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Servicio no disponible — {inst}</title>"
        '<body style="margin:0;font-family:system-ui,sans-serif;color:#1c2024;line-height:1.5">'
        f'<header style="background:#8a1538;color:#fff;padding:0.9rem 1rem;font-weight:700">{inst}</header>'
        '<main style="max-width:36rem;margin:0 auto;padding:1.5rem 1rem">'
        '<h1 style="font-size:1.6rem;line-height:1.25">La Mesa de Partes Virtual no responde en este momento</h1>'
        "<p>Estamos restableciendo el servicio. Vuelva a intentarlo en unos minutos.</p>"
        "<p>Los documentos de los que recibió el cargo con su número de expediente están registrados.</p>"
        f"<p>Consultas: {phone} ({hours}).</p></main></body></html>"
    )
    if "'" in page or "$" in page:  # the page is an nginx single-quoted string
        raise ScaleError("La página de servicio no disponible no se puede escribir en la configuración de nginx.")
    return page


def render_site(layout: Layout, cert: Path, key: Path, *, down: frozenset[int] = frozenset()) -> str:
    servers = [
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=3s{' down' if port in down else ''};"
        for port in layout.worker_ports
    ]
    return _fill(
        "nginx-site.conf.template",
        {
            "UPSTREAM_SERVERS": "\n".join(servers),
            "HTTP_LISTEN": _listen(layout.listen, layout.http_port),
            "HTTPS_LISTEN": _listen(layout.listen, layout.https_port),
            "SERVER_NAME": layout.server_name,
            "PUBLIC_URL": layout.public_url,
            "TLS_CERT": str(cert),
            "TLS_KEY": str(key),
            "STATIC_DIR": str(layout.static_dir),
            "PREVIOUS_DIR": str(layout.previous_dir),
            "BROTLI": "    brotli_static on;" if BROTLI_MODULE.exists() else "",
            "MAX_API_BODY": str(settings.MAX_API_BODY),
            "MAX_UPLOAD_BODY": str(settings.MAX_UPLOAD_BODY),
            "PROXY_ADDRESS": layout.proxy_address,
            "PROXY_BIND": f"    proxy_bind {layout.proxy_address};" if layout.proxy_address else "",
            "SECURITY_HEADERS": security_header_lines(layout),
            "ASSET_HEADERS": asset_header_lines(layout),
            "TOO_LARGE": too_large_message(),
            "DOWN_PAGE": down_page(),
            "DYNAMIC_ROUTES": dynamic_route_locations(layout),
        },
    )


def render_main(layout: Layout, site_conf: Path) -> str:
    return _fill(
        "nginx-main.conf.template",
        {
            "LOAD_MODULES": f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else "",
            # As root nginx would hand its workers to "nobody", who cannot read a private data dir.
            "USER": "user root;" if os.geteuid() == 0 else "",
            "RUN_DIR": str(layout.run_dir),
            "LOG_DIR": str(layout.log_dir),
            "SITE_CONF": str(site_conf),
        },
    )


def write_configs(layout: Layout, *, down: frozenset[int] = frozenset()) -> Path:
    """Render both files into scale/ (the site file on its own, for Debian's nginx too)."""
    cert, key = ensure_certificate(layout)
    for d in (layout.run_dir, layout.log_dir):
        d.mkdir(parents=True, exist_ok=True)
    site = layout.dir / "nginx-site.conf"
    main = layout.dir / "nginx.conf"
    site.write_text(render_site(layout, cert, key, down=down), encoding="utf-8")
    main.write_text(render_main(layout, site), encoding="utf-8")
    return main


def nginx_binary() -> str:
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not exe:
        raise ScaleError("Falta nginx: instálelo con «make sysdeps» (apt-get install nginx).")
    return exe


def nginx_args(layout: Layout, main: Path) -> list[str]:
    return [
        nginx_binary(),
        *("-p", str(layout.dir), "-c", str(main), "-e", str(layout.log_dir / "nginx-error.log")),
    ]
