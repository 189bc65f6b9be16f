"""/ingresar: the login form posts to /api/v1/sesion (an HTTP route that sets an HttpOnly
cookie); this state only shows the outcome and sends a signed-in user to the inbox."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes, settings
from sgd_app.domain import sso
from sgd_app.state.session import principal_or_none

NOTICES = {
    "credenciales": "Usuario o contraseña incorrectos.",
    "bloqueada": "Demasiados intentos fallidos: el ingreso a esta cuenta desde este equipo está bloqueado por unos "
    "minutos.",
    "protegida": "Por seguridad, por ahora esta cuenta solo puede ingresar desde un equipo donde ya inició sesión "
    "antes. Si lo necesita antes, pida a un administrador que la desbloquee.",
    "espera": "Espere unos segundos antes de volver a intentarlo.",
    "limite": "Demasiados intentos desde su conexión. Espere unos minutos.",
    "sesion": "Su sesión terminó o no ha ingresado. Ingrese de nuevo.",
    "salio": "Cerró su sesión.",
    "salio-local": "Cerró su sesión en este sistema. El proveedor de identidad no respondió: cierre también su "
    "sesión institucional.",
    "institucional": "Su cuenta ingresa con la cuenta institucional: use «Ingresar con la cuenta institucional».",
    **{f"sso-{reason}": message for reason, message in sso.MESSAGES.items()},
    "origen": "La solicitud no vino de esta página. Vuelva a intentarlo.",
}


class IngresarState(rx.State):
    notice: str = ""
    is_error: bool = False
    sso: bool = False  # "Ingresar con la cuenta institucional" (single sign-on configured)
    passwords_for_all: bool = True  # False: local passwords only for break-glass administrators

    @rx.event
    def load(self):
        self.sso = sso.enabled()
        self.passwords_for_all = settings.LOCAL_PASSWORDS != "emergencia"
        code = self.router.url.query_parameters.get("motivo", "")
        self.notice = NOTICES.get(code, "")
        minutes = self.router.url.query_parameters.get("minutos", "")
        if (
            self.notice
            and code in ("bloqueada", "protegida", "limite")
            and minutes.isdigit()
            and 0 < int(minutes) < 1500
        ):
            self.notice += f" Intente nuevamente en {int(minutes)} min."
        self.is_error = code not in ("", "salio")
        return rx.redirect(routes.BANDEJA) if principal_or_none(self) is not None else None
