"""The Spanish HTML page an API error answers when a person's browser opened the address (an
expired receipt link from an e-mail, a PDF link opened twice a day later, …): the look of the
site's shell, what happened in plain words, and a way on (Inicio, Seguimiento, Ayuda). API
clients (no ``text/html`` in Accept) keep the JSON of ``errors``.

No script at all (the page works under the site's CSP without a hash); one inline <style>
(style-src allows it)."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from sgd_app import routes, settings
from sgd_app.api.responses import NO_STORE

_HEADINGS = {
    400: "La solicitud no es válida",
    401: "Inicie sesión para continuar",
    403: "No se puede abrir este enlace",
    404: "No encontramos lo que busca",
    405: "No se puede abrir esta dirección",
    410: "Ya no está disponible",
    413: "El archivo es demasiado grande",
    422: "La solicitud no es válida",
    429: "Demasiados intentos",
}

_STYLE = """
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:#f6f7f9;color:#1f2328;line-height:1.5}a{color:#8a1538}
.skip{position:absolute;left:-999px;top:.5rem;background:#fff;padding:.6rem .9rem}.skip:focus{left:.5rem}
header{background:#8a1538;padding:.75rem 1rem}header a{color:#fff;font-weight:700;font-size:1.15rem;
text-decoration:none;display:inline-flex;gap:.5rem;align-items:center}
header b{background:#fff;color:#8a1538;padding:.1rem .45rem;border-radius:6px}
main{max-width:720px;margin:0 auto;padding:1.5rem 1rem 3rem}h1{font-size:1.6rem;margin:0 0 .75rem}
.card{background:#fff;border:1px solid #d0d5db;border-radius:12px;padding:1rem}
nav ul{list-style:none;padding:0;margin:1.25rem 0 0;display:flex;flex-wrap:wrap;gap:.75rem}
nav a{display:inline-flex;align-items:center;min-height:48px;padding:0 1.1rem;border:2px solid #8a1538;
border-radius:10px;text-decoration:none;font-weight:500;background:#fff}
nav li:first-child a{background:#8a1538;color:#fff}
footer{padding:1.5rem 1rem;border-top:1px solid #e3e6ea;text-align:center;color:#505a64;font-size:.9rem}
"""


def wants_html(request: Request) -> bool:
    """A browser navigating to the address (GET/HEAD that accepts text/html), not an API client."""
    if request.method not in ("GET", "HEAD"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def html_error(status: int, detail: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    heading = _HEADINGS.get(status, "No se pudo atender la solicitud" if status < 500 else "Ocurrió un problema")
    site = escape(settings.INSTITUTION_SHORT)
    body = f"""<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#8a1538">
<title>{escape(heading)} — Trámite Digital — {site}</title><style>{_STYLE}</style></head>
<body><a class="skip" href="#contenido">Saltar al contenido</a>
<header><a href="{routes.HOME}"><b>{site}</b> Trámite Digital</a></header>
<main id="contenido" tabindex="-1"><h1>{escape(heading)}</h1>
<div class="card"><p id="detalle">{escape(detail)}</p></div>
<nav aria-label="Continuar"><ul>
<li><a href="{routes.HOME}">Ir al inicio</a></li>
<li><a href="{routes.SEGUIMIENTO}">Seguimiento de trámite</a></li>
<li><a href="{routes.AYUDA}">Ayuda y contacto</a></li>
</ul></nav></main>
<footer>{escape(settings.INSTITUTION_NAME)} · Consultas: {escape(settings.CONTACT_PHONE)}
({escape(settings.CONTACT_HOURS)}) · {escape(settings.CONTACT_EMAIL)}</footer>
</body></html>"""
    return HTMLResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})
