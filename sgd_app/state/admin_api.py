"""/admin, Clientes API tab: the OAuth2 clients of other systems (docs/api.md): list them, register
one (private_key_jwt with its public JWK, or client_secret shown once), deactivate and reactivate,
change its rate limit. The same domain functions as ``python -m sgd_app api-client``.

Thin: the rules are in domain/apiclients/registry.py (which checks the administrator again);
every handler wears ``staff_event(role="admin")``."""

from __future__ import annotations

from typing import Any

import reflex as rx

from sgd_app.domain import apiclients
from sgd_app.domain.apiclients import registry
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import DomainError, InvalidInput
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event

FIELDS = ("name", "ruc", "username", "scopes", "auth_method", "public_jwk", "rate_limit")
METHOD_LABELS = {"private_key_jwt": "Clave pública (private_key_jwt)", "client_secret": "Secreto (client_secret)"}
SCOPE_OPTIONS = [{"scope": k, "label": v} for k, v in registry.SCOPES.items()]
MAX_JWK = 8000


def _blank() -> dict[str, str]:
    return {k: "" for k in (*FIELDS, "limit")}


def _when(at) -> str:
    return at.astimezone(LIMA).strftime("%d/%m/%Y %H:%M") if at else "nunca"


def _row(r: registry.ClientRow) -> dict[str, str]:
    c = r.client
    return {
        "client_id": c.client_id,
        "name": c.name,
        "ruc": c.ruc,
        "scopes": c.scopes.replace(" ", ", "),
        "method": METHOD_LABELS.get(c.auth_method, c.auth_method),
        "account": r.username,
        "active": "1" if c.active else "",
        "limit": c.rate_limit,
        "limit_label": c.rate_limit or "general",
        "last": _when(r.last_used_at),
        "created": _when(c.created_at),
    }


class ApiClientsState(Notice, rx.State):
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = _blank()
    method: str = "private_key_jwt"  # the register form's choice: shows the JWK box or not
    form_key: int = 0
    # the secret of the client just registered: shown once, gone with the next act
    new_client_id: str = ""
    new_secret: str = ""
    editing: str = ""  # the client whose limit is being changed

    def _forbidden(self):
        self.reset()
        self._notify("Solo un administrador puede gestionar los clientes de la API.", "error")
        return None

    def _refresh(self, who: Principal) -> None:
        self.rows = [_row(r) for r in registry.client_rows(by=who)]

    def _forget_secret(self) -> None:
        self.new_client_id = ""
        self.new_secret = ""

    @staff_event(role="admin")
    def load(self, who: Principal):
        self.errors = _blank()
        self.editing = ""
        self._forget_secret()
        self._refresh(who)

    @staff_event(role="admin")
    def set_method(self, who: Principal, value: str):
        self.method = value if value in registry.METHODS else "private_key_jwt"

    @staff_event(role="admin")
    def register(self, who: Principal, form: dict):
        self.errors = _blank()
        self._forget_secret()
        data: dict[str, Any] = form if isinstance(form, dict) else {}
        scopes = " ".join(s for s in registry.SCOPES if data.get(f"scope_{s}") in ("on", True, "true"))
        method = str(data.get("auth_method", ""))[:30]
        jwk = str(data.get("public_jwk", ""))
        if len(jwk) > MAX_JWK:
            self.errors = {**_blank(), "public_jwk": "La clave pública es demasiado larga para un JWK."}
            return
        try:
            reg = apiclients.register(
                actor=who,
                name=str(data.get("name", ""))[:300],
                ruc=str(data.get("ruc", ""))[:20],
                scopes=scopes,
                username=str(data.get("username", ""))[:60],
                auth_method=method,
                public_jwk=jwk if method == "private_key_jwt" else "",
                rate_limit=str(data.get("rate_limit", ""))[:40],
            )
        except InvalidInput as exc:
            key = exc.field if exc.field in FIELDS else "name"
            self.errors = {**_blank(), key: exc.message}
            return
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self.form_key += 1
        self.method = "private_key_jwt"
        self.new_client_id = reg.client.client_id
        self.new_secret = reg.secret
        self._refresh(who)
        self._notify(f"Cliente «{reg.client.name}» registrado: su client_id es {reg.client.client_id}.")

    @staff_event(role="admin")
    def hide_secret(self, who: Principal):
        self._forget_secret()

    @staff_event(role="admin")
    def set_active(self, who: Principal, client_id: str, active: bool):
        self._forget_secret()
        act = registry.reactivate if active is True else registry.deactivate
        try:
            client = act(actor=who, client_id=str(client_id)[:64])
        except DomainError as exc:
            self._notify(exc.message, "error")
            self._refresh(who)
            return
        self._refresh(who)
        if client.active:
            self._notify(f"Cliente «{client.name}» reactivado: puede pedir tokens otra vez.")
        else:
            self._notify(f"Cliente «{client.name}» desactivado: sus tokens ya no sirven.")

    @staff_event(role="admin")
    def edit_limit(self, who: Principal, client_id: str):
        self._forget_secret()
        self.errors = _blank()
        self.editing = str(client_id)[:64]

    @staff_event(role="admin")
    def cancel_limit(self, who: Principal):
        self.errors = _blank()
        self.editing = ""

    @staff_event(role="admin")
    def save_limit(self, who: Principal, form: dict):
        data: dict[str, Any] = form if isinstance(form, dict) else {}
        self.errors = _blank()
        try:
            client = registry.set_limit(
                actor=who, client_id=self.editing, rate_limit=str(data.get("rate_limit", ""))[:40]
            )
        except InvalidInput as exc:
            self.errors = {**_blank(), "limit": exc.message}
            return
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self.editing = ""
        self._refresh(who)
        self._notify(f"Límite de «{client.name}»: {client.rate_limit or 'el general de la API'}.")
