"""Every page route of the app, in one place (pages, states, links and tests use these names)."""

from __future__ import annotations

HOME = "/"
MESA_DE_PARTES = "/mesa-de-partes"
SEGUIMIENTO = "/seguimiento"
VERIFICAR = "/verificar"
MIRADOR = "/mirador"
CASILLA = "/casilla"
AYUDA = "/ayuda"
# Reflex's catch-all page for every unknown address (rx.App.add_page(route="404")).
NOT_FOUND = "404"
INGRESAR = "/ingresar"
BANDEJA = "/bandeja"
EXPEDIENTE = "/expedientes/[numero]"
REGISTRAR = "/registrar"
TABLERO = "/tablero"
FIRMA = "/firma"
ADMIN = "/admin"
BUSCAR = "/buscar"
REPORTES = "/reportes"
AUDITORIA = "/auditoria"
ARCHIVO = "/archivo"

# Where a handler sends a browser whose staff session is missing or has expired.
LOGIN_EXPIRED = f"{INGRESAR}?motivo=sesion"


# The case page's path before its number (links built in the browser: PREFIX + number).
EXPEDIENTE_PREFIX = "/expedientes/"


def expediente(number: str) -> str:
    """The page of one case."""
    return f"{EXPEDIENTE_PREFIX}{number}"
