"""The refusals of single sign-on: each with a short reason (kept in the audit trail) and the
Spanish message a person reads on /ingresar."""

from __future__ import annotations

from sgd_app.domain.errors import DomainError

MESSAGES = {
    "no_configurado": "El ingreso con la cuenta institucional no está habilitado en este sistema.",
    "proveedor_caido": "El proveedor de identidad institucional no responde. Intente nuevamente en unos minutos.",
    "proveedor_rechazo": "El proveedor de identidad no autorizó el ingreso. Vuelva a intentarlo.",
    "estado": "La solicitud de ingreso no es válida o ya venció (pasaron más de 10 minutos, o se abrió en otra "
    "pestaña). Vuelva a intentarlo desde esta página.",
    "token": "La respuesta del proveedor de identidad no es válida: no se pudo comprobar su firma o sus datos. "
    "No se inició sesión.",
    "nonce": "La respuesta del proveedor de identidad no corresponde a esta solicitud de ingreso. No se inició "
    "sesión; vuelva a intentarlo.",
    "vencido": "La respuesta del proveedor de identidad ya venció. Vuelva a intentarlo; si se repite, la hora de "
    "este servidor podría no coincidir con la del proveedor: avise al área de sistemas.",
    "reloj": "La hora de este servidor y la del proveedor de identidad no coinciden. No se inició sesión: avise "
    "al área de sistemas.",
    "no_vinculada": "Su cuenta institucional no está vinculada a un usuario del sistema. Pida a un administrador "
    "que la vincule a su usuario.",
    "inactiva": "Su usuario del sistema está desactivado. Consulte con un administrador.",
    "limite": "Demasiados intentos fallidos de ingreso con la cuenta institucional desde su conexión. Espere unos "
    "minutos antes de volver a intentarlo.",
}


class SsoRefused(DomainError):
    """A sign-in through the provider that did not open a session (nothing was written but the
    audit event saying why)."""

    status_code = 401

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(MESSAGES.get(reason, MESSAGES["token"]))
        self.reason = reason
        self.detail = detail  # for the audit trail (never shown): what exactly failed
